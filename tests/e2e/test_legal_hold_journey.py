"""A legal hold, in a real browser: an administrator places it in English; the member, in French, sees it,
closes her account and reads what is kept and why (page and e-mail); the administrator lifts it and the
erasure finishes.

Expected French texts come from the catalog (messages.po), read when the test runs.
"""

from datetime import timedelta

import pyotp
import pytest
from babel.dates import format_date
from sqlalchemy import select

from app.auth.models import Role, User
from app.core import crypto
from app.core.mail import OutboxMessage
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import ErasureJob, PrivacyRequest
from tests.conftest import PASSWORD, text_part
from tests.e2e.catalog import translation as fr
from tests.e2e.pages import sign_in_through_the_form

ADMIN = "alex.admin@example.com"
MEMBER = "camille.dupont@example.com"
REASON = "Dispute over an invoice, case 2027-114"
TOTP_SECRET = pyotp.random_base32()


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def set_up(app, make_user) -> int:
    """An administrator with two-step verification, and a French member who wrote to the data-protection contact."""
    admin_id = make_user(ADMIN, roles=(Role.ADMIN,), first_name="Alex", last_name="Admin")
    member_id = make_user(MEMBER, locale="fr", first_name="Camille", last_name="Dupont")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        admin.totp_secret_encrypted = crypto.encrypt_text(TOTP_SECRET)
        admin.totp_enabled_dt = utcnow()
        db.session.add(
            PrivacyRequest(
                user_id=member_id,
                kind="question",
                subject="Facture",
                message="Le montant de ma facture est faux.",
                due_date=(utcnow() + timedelta(days=30)).date(),
            )
        )
        db.session.commit()
    return member_id


def sign_in(page, base, email, lang):
    sign_in_through_the_form(page, base, email, lang, TOTP_SECRET)


def messages_to(app, address):
    with app.app_context():
        return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address)))


@pytest.mark.promise("retention-legal-obligation")
@pytest.mark.promise("right-erasure")
def test_admin_holds_member_erases_and_sees_what_is_kept_admin_lifts(live_server, new_page, make_user):
    base, app = live_server.url, live_server.app
    member_id = set_up(app, make_user)
    until = (utcnow() + timedelta(days=60)).date()

    # 1. The administrator, in English, places a hold on the member's privacy requests.
    admin = new_page(locale="en-GB")
    sign_in(admin, base, ADMIN, "en")
    admin.goto(f"{base}/en/privacy/admin/holds")
    expect(admin.locator("h1")).to_have_text("Legal holds")
    admin.get_by_label("The member's e-mail address", exact=True).fill(MEMBER)
    admin.get_by_label("Why (the member reads it)", exact=True).fill(REASON)
    admin.get_by_label("Your privacy requests, questions and complaints, with our answers", exact=True).check()
    admin.get_by_label("Kept until", exact=True).fill(until.isoformat())
    admin.get_by_role("button", name="Place the hold", exact=True).click()
    expect(admin.locator(".flash")).to_contain_text("The hold is placed.")
    expect(admin.locator("#active-holds")).to_contain_text(REASON)
    admin.goto(f"{base}/en/privacy/admin/records")
    expect(admin.locator("#legal-holds + p + .table-wrap")).to_contain_text(REASON)

    # 2. The member, in French, sees the hold on her dashboard and before closing her account.
    member = new_page(locale="fr-FR")
    sign_in(member, base, MEMBER, "fr")
    member.goto(f"{base}/fr/privacy/dashboard")
    section = member.locator("#legal-holds")
    expect(section.locator("h2")).to_have_text(fr("Data we must keep under a legal hold"))
    expect(section).to_contain_text(REASON)
    expect(section).to_contain_text(fr("Your privacy requests, questions and complaints, with our answers"))
    long_date = format_date(until, format="long", locale="fr")
    expect(section).to_contain_text(
        fr("Until %(date)s at the latest; then it is erased if you have asked us to close your account.")
        % {"date": long_date}
    )
    member.goto(f"{base}/fr/privacy/erase")
    expect(member.locator("main")).to_contain_text(
        fr("A legal hold requires us to keep this data, even after you close your account:")
    )
    member.get_by_label(fr("Current password"), exact=True).fill(PASSWORD)
    member.get_by_label(
        fr("I understand that my account and my data will be erased, and that this is final"), exact=True
    ).check()
    member.get_by_role("button", name=fr("Erase my account"), exact=True).click()
    expect(member.locator("h1")).to_have_text(fr("Your account is closed"))
    expect(member.locator("main")).to_contain_text(REASON)
    expect(member.locator("main")).to_contain_text(long_date)

    # Her e-mail, in French, says what is kept, why and until when.
    [notice] = [m for m in live_server.deliver() if m["To"] == MEMBER]
    assert notice["Subject"] == fr("Your data is kept under a legal hold")
    body = text_part(notice)
    assert REASON in body and fr("Your privacy requests, questions and complaints, with our answers") in body
    assert messages_to(app, MEMBER) == []  # gone from the outbox once delivered
    with app.app_context():
        assert db.session.scalar(select(ErasureJob.status)) == "held"
        assert db.session.scalar(select(PrivacyRequest.subject)) == "Facture"  # exactly the held data stays

    # 3. The administrator lifts the hold: the erasure finishes.
    admin.goto(f"{base}/en/privacy/admin/holds")
    row = admin.locator("#active-holds tbody tr")
    expect(row).to_contain_text("Waiting for the hold to end")
    row.get_by_role("button", name="Lift the hold", exact=True).click()
    expect(admin.locator(".flash")).to_contain_text("The hold is lifted, and the member's erasure is complete.")
    expect(admin.locator("main")).to_contain_text("No hold is active.")
    with app.app_context():
        assert db.session.get(User, member_id) is None
        assert db.session.scalar(select(ErasureJob.status)) == "done"
        assert db.session.scalar(select(PrivacyRequest)) is None
    [closed] = [m for m in live_server.deliver() if m["To"] == MEMBER][1:]
    assert closed["Subject"] == fr("Your account is closed")
    assert messages_to(app, MEMBER) == []
