"""Legal holds: an admin keeps part of a member's data; erasure keeps exactly that, tells her what and why,
and finishes when the hold is lifted (by an admin, or by the purge once its day has passed)."""

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.auth.models import User
from app.core.audit import AuditEvent
from app.core.mail import OutboxMessage, deliver_pending
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import Consent, ErasureJob, LegalHold, PrivacyRequest
from tests.conftest import PASSWORD, csrf_from, outbox, shown
from tests.privacy.conftest import load_user, rows

REASON = "Dispute over an invoice, case 2027-114"


def until(days=30) -> str:
    return (utcnow() + timedelta(days=days)).date().isoformat()


def place_hold(admin, email="member@example.com", scope=("privacy_requests",), until_date=None, lang="en", **extra):
    page = admin.get(f"/{lang}/privacy/admin/holds")
    data = {"email": email, "reason": REASON, "scope": list(scope), "until_date": until_date or until()}
    return admin.post(f"/{lang}/privacy/admin/holds", data={**data, **extra, "csrf_token": csrf_from(page.text)})


def erase(member, lang="en"):
    page = member.get(f"/{lang}/privacy/erase")
    return member.client.post(
        f"/{lang}/privacy/erase",
        data={"current_password": PASSWORD, "confirm": "y", "csrf_token": csrf_from(page.text)},
    )


def lift(admin, hold_id):
    page = admin.get("/en/privacy/admin/holds")
    return admin.post(f"/en/privacy/admin/holds/{hold_id}/lift", data={"csrf_token": csrf_from(page.text)})


@pytest.fixture
def member_with_data(app, member):
    """The member asked the data-protection contact a question and gave a consent."""
    member.post(
        "/en/privacy/requests/new",
        {"kind": "question", "subject": "Invoice", "message": "Wrong amount"},
        page="/en/privacy/requests/new",
    )
    member.post("/en/privacy/consents", {"consent-research": "y"})
    assert rows(app, PrivacyRequest) and rows(app, Consent)
    return member


@pytest.mark.promise("retention-legal-obligation")
@pytest.mark.promise("right-erasure")
def test_erasure_keeps_exactly_the_held_data_says_why_and_finishes_when_lifted(app, member_with_data, admin):
    member = member_with_data
    with app.app_context():
        db.session.get(User, member.user_id).locale = "fr"
        db.session.commit()
    response = place_hold(admin)
    assert response.status_code == 302
    assert "The hold is placed." in shown(admin.get("/en/privacy/admin/holds"))
    [hold] = rows(app, LegalHold)
    assert hold.scope == ["privacy_requests"] and hold.is_active
    [event] = rows(app, AuditEvent, kind="legal_hold_placed")
    assert event.user_id == member.user_id and event.details["scope"] == "privacy_requests"
    records = shown(admin.get("/en/privacy/admin/records"))
    assert f'id="record-hold-{hold.public_id}"' in admin.get("/en/privacy/admin/records").text
    assert REASON in records and "Your privacy requests, questions and complaints" in records

    # The member sees the hold on her dashboard and before erasing, in French.
    dashboard = shown(member.get("/fr/privacy/dashboard"))
    assert "Données que nous devons conserver au titre d'une obligation légale" in dashboard
    assert REASON in dashboard
    assert REASON in shown(member.get("/en/privacy/dashboard"))
    assert "A legal hold requires us to keep this data" in shown(member.get("/en/privacy/erase"))

    response = erase(member, lang="fr")
    status = shown(member.get(response.headers["Location"]))
    assert REASON in status
    [job] = rows(app, ErasureJob)
    assert job.status == "held" and job.steps["privacy_requests"]["status"] == "held"
    assert job.steps["consents"]["status"] == "done"
    assert rows(app, PrivacyRequest) and not rows(app, Consent)  # exactly the held data stays
    kept = load_user(app, member.user_id)
    assert kept.is_suspended and kept.phone is None and kept.email == "member@example.com"
    [notice] = outbox(app, "member@example.com")
    assert REASON in notice.body_text and notice.user_id is None and notice.erase_after_sending
    assert notice.subject == "Une partie de vos données est conservée au titre d'une obligation légale"
    waiting = shown(admin.get("/en/privacy/admin/holds"))
    assert "Waiting for the hold to end" in waiting
    assert "Every erasure is complete." in shown(admin.get("/en/privacy/admin/runs"))  # held is not failed

    assert lift(admin, hold.public_id).status_code == 302
    assert "the member's erasure is complete" in shown(admin.get("/en/privacy/admin/holds"))
    assert load_user(app, member.user_id) is None
    [job] = rows(app, ErasureJob)
    assert job.status == "done" and job.user_id is None
    assert not rows(app, PrivacyRequest) and not rows(app, LegalHold)
    messages = outbox(app, "member@example.com")
    assert [message.erase_after_sending for message in messages] == [True, True]
    with app.app_context():
        deliver_pending()
        assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "member@example.com")) is None


@pytest.mark.promise("retention-legal-obligation")
def test_the_purge_lifts_a_hold_past_its_day_and_finishes_the_erasure(app, member_with_data, admin, runner):
    member = member_with_data
    place_hold(admin, until_date=until(days=3))
    erase(member)
    assert rows(app, ErasureJob)[0].status == "held"
    assert "expired_legal_holds: deleted or anonymised 0" in runner.invoke(args=["privacy", "purge"]).output
    assert load_user(app, member.user_id) is not None
    with freeze_time(utcnow() + timedelta(days=5)):
        result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "expired_legal_holds: deleted or anonymised 1" in result.output
    assert load_user(app, member.user_id) is None and rows(app, ErasureJob)[0].status == "done"


def test_a_hold_without_erasure_just_ends(app, member_with_data, admin):
    place_hold(admin)
    [hold] = rows(app, LegalHold)
    lift(admin, hold.public_id)
    [hold] = rows(app, LegalHold)
    assert not hold.is_active and hold.lifted_reason == "admin"
    assert rows(app, AuditEvent, kind="legal_hold_lifted")
    assert load_user(app, member_with_data.user_id) is not None
    assert REASON not in shown(member_with_data.get("/en/privacy/dashboard"))


@pytest.mark.parametrize(
    ("lang", "changes", "message"),
    [
        ("en", {"email": "nobody@example.com"}, "No member has this e-mail address."),
        ("fr", {"email": "nobody@example.com"}, "Aucun membre n'a cette adresse e-mail."),
        ("en", {"scope": []}, "Choose at least one kind of data to keep."),
        ("en", {"until_date": "2020-01-01"}, "Choose a day after today."),
        ("fr", {"until_date": "2020-01-01"}, "Choisissez un jour après aujourd'hui."),
    ],
)
def test_a_bad_hold_is_refused_next_to_the_field_keeping_what_was_typed(app, member, admin, lang, changes, message):
    scope = changes.pop("scope", ("privacy_requests",))
    response = place_hold(admin, lang=lang, scope=scope, **changes)
    assert response.status_code == 400
    page = shown(response)
    assert message in page and REASON in page
    assert rows(app, LegalHold) == []


def test_only_admins_with_two_step_place_or_lift_holds(app, member, admin):
    place_hold(admin)
    [hold] = rows(app, LegalHold)
    assert member.get("/en/privacy/admin/holds").status_code == 403
    token = csrf_from(member.get("/en/privacy/dashboard").text)
    refused = member.client.post(f"/en/privacy/admin/holds/{hold.public_id}/lift", data={"csrf_token": token})
    assert refused.status_code == 403
    assert rows(app, LegalHold)[0].is_active
    assert lift(admin, "0" * 32).status_code == 404


@pytest.mark.promise("retention-legal-obligation")
def test_the_retention_purge_leaves_held_data_alone_until_the_hold_ends(app, member, admin, runner):
    from app.core.audit import EventKind, record_event

    with app.app_context():
        event = record_event(EventKind.LOGIN_SUCCESS, user_id=member.user_id)
        event.created_dt = utcnow() - timedelta(days=400)  # past the 12 months of sign-in records
        db.session.commit()
    assert place_hold(admin, scope=("security_events",)).status_code == 302
    [hold] = rows(app, LegalHold)

    held = runner.invoke(args=["privacy", "purge"])
    assert "security_events: kept while a legal hold covers it" in held.output
    old = (AuditEvent.user_id == member.user_id, AuditEvent.created_dt < utcnow() - timedelta(days=365))
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).where(*old)) is not None

    lift(admin, hold.public_id)
    released = runner.invoke(args=["privacy", "purge"])
    assert "security_events: deleted or anonymised" in released.output
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).where(*old)) is None
