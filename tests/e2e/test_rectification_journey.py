"""Rectification closes, in a real browser. A French-speaking student asks her school, in French, to correct
the grade it provided; the school's admin corrects it in English; the student's dashboard shows the request
corrected, with the date and what changed, in French, and she receives the French e-mail. Then an English-
speaking student asks too; the admin, now in French, refuses without a reason (refused, in French), then with
one; the student reads the refusal and its reason in English, on the dashboard and in the e-mail.
Expected French texts come from the catalog (messages.po), read when the test runs."""

from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlalchemy import select

from app.auth.models import Role
from app.extensions import db
from app.privacy.models import PrivacyRequest
from app.sponsors.models import CorrectionRequest, Enrolment
from tests.conftest import PASSWORD, html_part, text_part
from tests.e2e.catalog import translation as fr
from tests.sponsors.conftest import add_admin, enrol, make_organisation

pytestmark = pytest.mark.promise("right-rectification")

SCHOOL = "École Alpha"
ADMIN_EMAIL = "anne.admin@ecole-alpha.example"
FRENCH_STUDENT = "lea.martin@example.com"
ENGLISH_STUDENT = "emma.wilson@example.com"
REASON = "Our registry shows you in L3 this year; send us your M1 enrolment certificate and we will correct it."


def expect(target):
    """Playwright's auto-retrying assertions (imported late: without Playwright the tests are skipped)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def expect_lang(page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)


def sign_in(page, base: str, lang: str, email: str) -> None:
    page.goto(f"{base}/{lang}/login")
    expect_lang(page, lang)
    text = fr if lang == "fr" else str
    page.get_by_label(text("E-mail, phone or username"), exact=True).fill(email)
    page.get_by_label(text("Password"), exact=True).fill(PASSWORD)
    page.locator("main").get_by_role("button", name=text("Sign in"), exact=True).click()
    expect(page).to_have_url(f"{base}/{lang}/dashboard")


def ask_for_correction(page, base: str, lang: str, message: str) -> None:
    """From "my sponsors", ask the school for a correction."""
    text = fr if lang == "fr" else str
    page.goto(f"{base}/{lang}/sponsors/mine")
    page.locator("main").get_by_role("link", name=text("Ask for a correction"), exact=True).click()
    page.get_by_label(text("What is wrong, and what should it say?"), exact=True).fill(message)
    page.locator("main").get_by_role("button", name=text("Send my request"), exact=True).click()
    expect(page).to_have_url(f"{base}/{lang}/sponsors/mine")
    expect(page.locator(".flash-success")).to_be_visible()


def answered_on(app, email: str, lang: str) -> str:
    """The day the member's request was answered, as her dashboard writes it (in her time zone)."""
    from app.auth.models import User

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        handled = db.session.scalar(select(PrivacyRequest.handled_dt).where(PrivacyRequest.user_id == user.id))
        day = handled.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(user.timezone)).date()
    return format_date(day, "long", locale=lang)


def requests_row(page):
    return page.locator("#requests tbody tr").first


def test_french_member_asks_english_admin_corrects_then_a_refusal_with_reason(live_server, new_page, make_user):
    base, app = live_server.url, live_server.app
    public_id = make_organisation(app, SCHOOL, seats=5, locale="fr", cohorts=("M1 Finance",))
    admin_id = make_user(ADMIN_EMAIL, roles=(Role.SPONSOR_ADMIN,), first_name="Anne", locale="en")
    add_admin(app, public_id, admin_id)
    lea_id = make_user(FRENCH_STUDENT, first_name="Léa", last_name="Martin", locale="fr")
    emma_id = make_user(ENGLISH_STUDENT, first_name="Emma", last_name="Wilson", locale="en")
    enrol(app, public_id, lea_id, cohort="M1 Finance", grade="L3")
    enrol(app, public_id, emma_id, cohort="M1 Finance", grade="L3")

    # --- Léa asks, in French; her dashboard shows the request received.
    lea = new_page(locale="fr-FR")
    sign_in(lea, base, "fr", FRENCH_STUDENT)
    ask_for_correction(lea, base, "fr", "Je suis en M1 depuis septembre, pas en L3.")
    lea.goto(f"{base}/fr/privacy/dashboard")
    expect_lang(lea, "fr")
    expect(requests_row(lea).locator(".tag")).to_have_text(fr("Received"))

    # --- The admin, in English, opens the request and corrects the grade from there.
    admin = new_page(locale="en-GB")
    sign_in(admin, base, "en", ADMIN_EMAIL)
    corrections_url = f"{base}/en/sponsors/{public_id}/corrections"
    admin.goto(corrections_url)
    entry = admin.locator("li.correction").filter(has_text="Léa")
    expect(entry).to_contain_text("Je suis en M1 depuis septembre, pas en L3.")
    expect(entry.locator(".tag")).to_have_text("Open")
    entry.get_by_role("link", name="Correct the data", exact=True).click()
    expect(admin.locator("section.open-corrections")).to_contain_text("Je suis en M1 depuis septembre")
    admin.get_by_label("Grade or year of study", exact=True).fill("M1")
    admin.locator("main form").get_by_role("button", name="Save", exact=True).click()
    expect(admin).to_have_url(corrections_url)
    expect(admin.locator(".flash-success")).to_have_text(
        "The member's data is corrected, and the member is told what changed."
    )
    entry = admin.locator("li.correction").filter(has_text="Léa")
    expect(entry.locator(".tag")).to_have_text("Corrected")
    expect(entry.locator("ul.changes li")).to_have_text(["Grade or year of study: “L3” → “M1”"])

    # --- Léa's dashboard, in French: corrected, on which day, and what changed.
    lea.reload()
    row = requests_row(lea)
    expect(row.locator(".tag")).to_have_text(fr("Corrected"))
    expect(row).to_contain_text(fr("Answered on %(date)s") % {"date": answered_on(app, FRENCH_STUDENT, "fr")})
    change = fr("%(field)s: “%(old)s” → “%(new)s”") % {
        "field": fr("Grade or year of study"),
        "old": "L3",
        "new": "M1",
    }
    expect(row.locator(".request-outcome")).to_contain_text(change)

    # --- Her e-mail is in French and says which field changed, from what to what.
    received = live_server.deliver()
    [to_lea] = [message for message in received if message["To"] == FRENCH_STUDENT]
    assert to_lea["Subject"] == fr("%(organisation)s corrected your data") % {"organisation": SCHOOL}
    body = text_part(to_lea)
    assert fr("Hello %(name)s,") % {"name": "Léa"} in body
    assert change in body and "/fr/privacy/requests/" in body
    assert 'lang="fr"' in html_part(to_lea)
    with app.app_context():
        assert db.session.scalar(select(Enrolment.grade).where(Enrolment.user_id == lea_id)) == "M1"

    # --- Emma asks, in English. The admin answers in French: first without a reason (refused, in French).
    emma = new_page(locale="en-GB")
    sign_in(emma, base, "en", ENGLISH_STUDENT)
    ask_for_correction(emma, base, "en", "I am in M1 now, not L3.")
    admin.goto(f"{base}/fr/sponsors/{public_id}/corrections")
    expect_lang(admin, "fr")
    entry = admin.locator("li.correction").filter(has_text="Emma")
    refuse = fr("Refuse the correction")
    entry.get_by_role("button", name=refuse, exact=True).click()
    expect_lang(admin, "fr")
    entry = admin.locator("li.correction").filter(has_text="Emma")
    expect(entry.locator(".error")).to_have_text(
        fr("Say why you do not make this correction: the member will read it.")
    )
    with app.app_context():
        assert db.session.scalar(select(CorrectionRequest.status).where(CorrectionRequest.user_id == emma_id)) == "open"
    entry.get_by_label(fr("Why you do not make this correction (the member will read it)"), exact=True).fill(REASON)
    entry.get_by_role("button", name=refuse, exact=True).click()
    expect(admin).to_have_url(f"{base}/fr/sponsors/{public_id}/corrections")
    expect(admin.locator(".flash-success")).to_have_text(fr("The request is refused, and the member is told why."))
    entry = admin.locator("li.correction").filter(has_text="Emma")
    expect(entry.locator(".tag")).to_have_text(fr("Refused, with reasons"))
    expect(entry).to_contain_text(REASON)

    # --- Emma reads the refusal and its reason in English, on her dashboard and in the e-mail.
    emma.goto(f"{base}/en/privacy/dashboard")
    row = requests_row(emma)
    expect(row.locator(".tag")).to_have_text("Refused, with reasons")
    expect(row).to_contain_text(f"Answered on {answered_on(app, ENGLISH_STUDENT, 'en')}")
    expect(row.locator(".request-outcome")).to_contain_text(REASON)
    received = live_server.deliver()
    [to_emma] = [message for message in received if message["To"] == ENGLISH_STUDENT]
    assert to_emma["Subject"] == f"{SCHOOL} did not make the correction you asked for"
    body = text_part(to_emma)
    assert "Hello Emma," in body and REASON in body and "/en/privacy/requests/" in body
