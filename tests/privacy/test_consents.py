"""Consents and objections: recorded with time, policy version and IP, effective at once, with receipts."""

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.privacy import consents, services
from app.privacy.models import Consent, ConsentEvent, ConsentPurpose, Objection, ObjectionTopic
from tests.conftest import shown
from tests.privacy.conftest import load_user, rows


def choose(member, *purposes):
    return member.post("/en/privacy/consents", {f"consent-{purpose.value}": "y" for purpose in purposes})


def test_consent_boxes_start_unticked_with_purpose_and_legal_basis(member):
    text = shown(member.get("/en/privacy/dashboard"))
    section = text.split('id="consents"')[1].split("</section>")[0]
    for purpose in ConsentPurpose:
        assert f'name="consent-{purpose.value}" value="y" aria-describedby="consent-{purpose.value}-hint" >' in section
    assert "checked" not in section
    assert "Let employers that match my skills find me" in section and "Legal basis: Your consent." in section


@pytest.mark.promise("right-withdraw-consent")
def test_grant_then_withdraw_is_recorded_with_time_version_and_ip(app, member):
    response = choose(member, ConsentPurpose.MARKETING, ConsentPurpose.SHARE_RESULTS)
    assert response.headers["Location"].endswith("/en/privacy/dashboard#consents")
    page = shown(member.get("/en/privacy/dashboard"))
    assert "Your choices are saved and apply from now on." in page
    assert (
        'id="consent-marketing" name="consent-marketing" value="y" aria-describedby="consent-marketing-hint" checked'
        in page
    )

    choose(member, ConsentPurpose.SHARE_RESULTS)  # marketing unticked: withdrawn
    events = rows(app, ConsentEvent, user_id=member.user_id)
    assert [(event.purpose, event.is_granted) for event in events] == [
        ("marketing", True),
        ("share_results", True),
        ("marketing", False),
    ]
    assert all(event.ip_address == "127.0.0.1" and event.source == "dashboard" for event in events)
    with app.app_context():
        versions = set(db.session.scalars(select(ConsentEvent.policy_version_id)))
        assert versions == {services.current_policy().id}
        user = db.session.get(User, member.user_id)
        assert not consents.has_consent(user, ConsentPurpose.MARKETING)
        assert consents.has_consent(user, ConsentPurpose.SHARE_RESULTS)


@pytest.mark.promise("consent-share-results")
def test_withdrawing_the_sharing_consent_removes_the_member_from_employers_searches_at_once(app, sign_in):
    alice = sign_in("alice@example.com")
    bob = sign_in("bob@example.com")
    choose(alice, ConsentPurpose.SHARE_RESULTS)
    choose(bob, ConsentPurpose.SHARE_RESULTS)

    def searchable():
        with app.app_context():
            return set(db.session.scalars(select(User.email).where(consents.consenting(ConsentPurpose.SHARE_RESULTS))))

    assert searchable() == {"alice@example.com", "bob@example.com"}
    choose(alice)
    assert searchable() == {"bob@example.com"}


def test_consent_history_and_receipt(app, member):
    choose(member, ConsentPurpose.SURVEYS)
    choose(member)
    text = shown(member.get("/en/privacy/dashboard"))
    assert "Granted" in text and "Withdrawn" in text and "Privacy dashboard" in text
    [granted, withdrawn] = rows(app, ConsentEvent, user_id=member.user_id)
    receipt = member.get(f"/en/privacy/consents/{withdrawn.public_id}/receipt")
    assert receipt.status_code == 200
    assert receipt.headers["Content-Disposition"].startswith("attachment;")
    assert receipt.headers["Cache-Control"] == "no-store"
    body = receipt.get_data(as_text=True)
    assert "Purpose: Surveys" in body and "Choice: consent withdrawn" in body
    assert "version 2.0" in body and "127.0.0.1" in body and withdrawn.public_id in body


def test_another_members_receipt_is_404(app, sign_in):
    alice = sign_in("alice@example.com")
    bob = sign_in("bob@example.com")
    choose(alice, ConsentPurpose.MARKETING)
    [event] = rows(app, ConsentEvent, user_id=alice.user_id)
    assert bob.get(f"/en/privacy/consents/{event.public_id}/receipt").status_code == 404


def test_consent_form_binds_only_known_purposes(app, member):
    member.post("/en/privacy/consents", {"consent-admin": "y", "user_id": "999", "consent-marketing": "y"})
    assert [row.purpose for row in rows(app, Consent)] == ["marketing"]


@pytest.mark.promise("right-objection")
def test_objection_to_direct_marketing_is_absolute_and_immediate(app, member):
    choose(member, ConsentPurpose.MARKETING, ConsentPurpose.JOB_OPPORTUNITIES, ConsentPurpose.RESEARCH)
    response = member.post("/en/privacy/objections", {"topic": "direct_marketing", "reason": ""})
    assert response.status_code == 302
    [objection] = rows(app, Objection, user_id=member.user_id)
    assert objection.status == "upheld"
    with app.app_context():
        user = db.session.get(User, member.user_id)
        assert not consents.has_consent(user, ConsentPurpose.MARKETING)
        assert not consents.has_consent(user, ConsentPurpose.JOB_OPPORTUNITIES)
        assert consents.has_consent(user, ConsentPurpose.RESEARCH)  # not direct marketing
        # Even a later grant does not bring marketing back while the objection stands.
        consents.set_consent(user, ConsentPurpose.MARKETING, True, consents.ConsentSource.DASHBOARD)
        assert not consents.has_consent(user, ConsentPurpose.MARKETING)
        assert db.session.scalar(select(User.id).where(consents.consenting(ConsentPurpose.MARKETING))) is None


@pytest.mark.promise("right-objection")
def test_objection_to_legitimate_interest_takes_effect_at_once_and_an_admin_reviews_it(app, member, admin):
    missing = member.post("/en/privacy/objections", {"topic": "statistics", "reason": ""})
    assert missing.status_code == 400
    assert "Tell us briefly about your situation" in shown(missing)

    member.post("/en/privacy/objections", {"topic": "statistics", "reason": "I do not want to be counted."})
    with app.app_context():
        user = db.session.get(User, member.user_id)
        assert consents.has_objection(user, ObjectionTopic.STATISTICS)
        counted = set(db.session.scalars(select(User.id).where(consents.not_objecting(ObjectionTopic.STATISTICS))))
        assert member.user_id not in counted and counted
    [objection] = rows(app, Objection, user_id=member.user_id)
    assert objection.status == "in_effect"

    queue = admin.get("/en/privacy/admin/objections")
    assert "I do not want to be counted." in queue.text
    from tests.conftest import csrf_from

    refused = admin.post(
        f"/en/privacy/admin/objections/{objection.public_id}/review",
        data={"decision": "override", "note": "", "csrf_token": csrf_from(queue.text)},
    )
    assert refused.status_code == 400
    admin.post(
        f"/en/privacy/admin/objections/{objection.public_id}/review",
        data={"decision": "override", "note": "Fraud checks need these records.", "csrf_token": csrf_from(queue.text)},
    )
    [objection] = rows(app, Objection, user_id=member.user_id)
    assert objection.status == "overridden" and objection.reviewed_by_id is not None
    text = shown(member.get("/en/privacy/dashboard"))
    assert "Not upheld" in text and "Fraud checks need these records." in text


def test_objection_can_be_withdrawn_only_by_its_owner(app, sign_in):
    alice = sign_in("alice@example.com")
    bob = sign_in("bob@example.com")
    alice.post("/en/privacy/objections", {"topic": "statistics", "reason": "Personal reasons."})
    [objection] = rows(app, Objection, user_id=alice.user_id)
    assert bob.post(f"/en/privacy/objections/{objection.public_id}/withdraw").status_code == 404
    alice.post(f"/en/privacy/objections/{objection.public_id}/withdraw")
    [objection] = rows(app, Objection, user_id=alice.user_id)
    assert objection.status == "withdrawn"
    assert load_user(app, alice.user_id) is not None


def test_objection_review_pages_are_for_admins_only(member):
    assert member.get("/en/privacy/admin/objections").status_code == 403
