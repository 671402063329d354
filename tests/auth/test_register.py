"""Registration: the fields, the password rules, the policy acceptance, duplicates and verification."""

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.core.audit import AuditEvent
from app.extensions import db
from app.privacy.models import PolicyAcceptance
from tests.conftest import csrf_from, link_in, outbox, shown

GOOD = {
    "first_name": "Camille",
    "last_name": "Durand",
    "email": "Camille.Durand@Example.com",
    "phone": "",
    "company": "",
    "username": "",
    "password": "velvet-orchard-92-lamp",
    "accept_policy": "y",
}


def register(client, lang="en", **changes):
    page = client.get(f"/{lang}/register")
    data = {**GOOD, **changes, "csrf_token": csrf_from(page.text)}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post(f"/{lang}/register", data=data)


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


@pytest.mark.promise("security-measures")
def test_register_creates_candidate_with_policy_acceptance(app, client):
    response = register(client, "fr")
    assert response.status_code == 302
    assert response.headers["Location"] == "/fr/register/check-email"
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "camille.durand@example.com"
        assert user.locale == "fr"
        assert user.password_hash.startswith("$argon2id$")
        assert user.role_set == {Role.CANDIDATE}
        assert user.email_verified_dt is None
        acceptance = db.session.scalar(select(PolicyAcceptance))
        assert acceptance.user_id == user.id
        assert acceptance.policy_version.version == "2.0"
        assert acceptance.ip_address == "127.0.0.1"
        assert acceptance.accepted_dt is not None
    [message] = outbox(app)
    assert message.to_address == "camille.durand@example.com"
    assert "/fr/verify-email/" in message.body_text
    assert message.body_text.startswith("Caseinjob")


def test_phone_only_registration_is_stored_in_e164_and_signs_in(app, client):
    response = register(client, "en", email="", phone="06 12 34 56 78")
    assert response.status_code == 302
    assert response.headers["Location"] == "/en/dashboard"
    with app.app_context():
        assert db.session.scalar(select(User.phone)) == "+33612345678"
    assert client.get("/en/dashboard").status_code == 200


@pytest.mark.parametrize(
    ("lang", "changes", "message"),
    [
        ("en", {"first_name": ""}, "This field is required."),
        ("fr", {"first_name": ""}, "Ce champ est obligatoire."),
        ("en", {"email": "not-an-address"}, "Enter a valid e-mail address"),
        ("fr", {"email": "not-an-address"}, "Saisissez une adresse e-mail valide"),
        ("en", {"email": "", "phone": ""}, "Give an e-mail address or a phone number"),
        ("en", {"phone": "12"}, "Enter a valid phone number"),
        ("en", {"password": "short"}, "Use at least 10 characters."),
        ("fr", {"password": "short"}, "Utilisez au moins 10 caractères."),
        ("en", {"password": "1234567890"}, "This password is too common."),
        ("en", {"password": "camille.durand-secret"}, "must not contain your e-mail address"),
        ("en", {"password": "Durand-is-my-name"}, "must not contain your name"),
        ("en", {"password": "my caseinjob pass"}, "must not contain the portal"),
        ("en", {"accept_policy": None}, "You must accept the privacy policy"),
        ("en", {"last_name": "x" * 101}, "Use at most 100 characters."),
        ("en", {"username": "no spaces allowed"}, "Use 3 to 40 letters"),
    ],
)
def test_bad_input_is_refused_in_the_page_language_and_keeps_what_was_typed(app, client, lang, changes, message):
    response = register(client, lang, **changes)
    assert response.status_code == 200
    assert message in shown(response)
    assert 'value="Camille"' in response.text or changes.get("first_name") == ""
    assert "velvet-orchard-92-lamp" not in response.text  # never the password
    assert count_users(app) == 0
    assert outbox(app) == []


def test_wrong_csrf_token_keeps_the_form_and_writes_nothing(app, client):
    client.get("/fr/register")
    response = client.post("/fr/register", data={**GOOD, "csrf_token": "forged"})
    assert response.status_code == 200
    assert "Votre formulaire a expiré" in shown(response)
    assert 'value="Durand"' in response.text
    assert count_users(app) == 0


def test_existing_address_gets_the_same_answer_and_a_notice(app, client, make_user):
    make_user("camille.durand@example.com", locale="en")
    response = register(client, "fr", email="CAMILLE.durand@example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/fr/register/check-email"
    assert count_users(app) == 1
    [notice] = outbox(app)
    assert notice.subject == "Someone tried to create an account with your address"
    assert "/en/password/forgot" in notice.body_text


def test_taken_username_is_refused(app, client, make_user):
    make_user("other@example.com", username="camille")
    response = register(client, "en", username="Camille")
    assert "This username is taken" in response.text
    assert count_users(app) == 1


def test_verification_link_verifies_signs_in_and_cannot_be_reused(app, client):
    register(client, "fr")
    link = link_in(outbox(app)[0].body_text, "/verify-email/")
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/fr/dashboard"
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_dt)) is not None
        kinds = set(db.session.scalars(select(AuditEvent.kind)))
        assert {"registered", "email_verified", "login_success"} <= kinds
    client.post("/fr/logout", data={"csrf_token": csrf_from(client.get("/fr/dashboard").text)})
    again = client.get(link)
    assert again.status_code == 400
    assert "Ce lien a déjà été utilisé" in shown(again)


def test_expired_verification_link_is_refused(app, client):
    with freeze_time("2026-11-20 10:00:00"):
        register(client, "en")
    link = link_in(outbox(app)[0].body_text, "/verify-email/")
    with freeze_time("2026-11-23 10:00:00"):
        response = client.get(link)
    assert response.status_code == 400
    assert "This link has expired" in response.text
    with app.app_context():
        assert db.session.scalar(select(User.email_verified_dt)) is None


def test_tampered_verification_link_is_refused(app, client):
    response = client.get("/en/verify-email/not-a-real-token")
    assert response.status_code == 400
    assert "This link is not valid" in response.text


def test_signed_in_member_is_sent_to_the_dashboard(client, make_user, auth):
    make_user("a@example.com")
    auth.login("a@example.com")
    assert client.get("/en/register").headers["Location"] == "/en/dashboard"


def test_extra_fields_in_the_post_change_nothing(app, client):
    register(client, "en", role="admin", user_id="1", is_suspended="y")
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.role_set == {Role.CANDIDATE}
        assert not user.is_suspended
