"""Password reset by e-mail (single use, short-lived) and password change (ends the other sessions)."""

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from app.auth.models import User, UserSession
from app.auth.passwords import verify_password
from app.extensions import db
from tests.conftest import AuthActions, csrf_from, link_in, outbox, shown


def password_hash(app, email):
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.email == email))


def ask_reset(client, email, lang="en"):
    page = client.get(f"/{lang}/password/forgot")
    return client.post(f"/{lang}/password/forgot", data={"identifier": email, "csrf_token": csrf_from(page.text)})


def test_reset_answer_is_the_same_for_known_and_unknown_addresses(app, client, make_user):
    make_user("member@example.com")
    known = ask_reset(client, "member@example.com")
    unknown = ask_reset(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert shown(known).replace("member@example.com", "X") == shown(unknown).replace("nobody@example.com", "X")
    assert [message.to_address for message in outbox(app)] == ["member@example.com"]


def test_reset_link_works_once_and_signs_out_every_device(app, client, make_user):
    user_id = make_user("member@example.com", locale="fr")
    other_device = app.test_client()
    AuthActions(other_device).login("member@example.com")
    ask_reset(client, "member@example.com", lang="en")
    [message] = outbox(app)
    assert message.subject == "Réinitialisez votre mot de passe"  # the member's language, not the page's
    link = link_in(message.body_text, "/password/reset/")
    assert link.startswith("/fr/password/reset/")
    page = client.get(link)
    response = client.post(
        link,
        data={
            "password": "brand-new-secret-77",
            "confirm": "brand-new-secret-77",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.headers["Location"] == "/fr/login"
    assert verify_password(password_hash(app, "member@example.com"), "brand-new-secret-77")
    assert other_device.get("/fr/dashboard").status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(select(UserSession.end_reason).where(UserSession.user_id == user_id))
            == "password_changed"
        )
    reused = client.get(link)
    assert reused.status_code == 400
    assert "déjà été utilisé" in shown(reused)


def test_reset_link_expires_after_an_hour(app, client, make_user):
    make_user("member@example.com")
    with freeze_time("2026-11-24 09:00:00") as clock:
        ask_reset(client, "member@example.com")
        link = link_in(outbox(app)[0].body_text, "/password/reset/")
        clock.tick(timedelta(minutes=61))
        response = client.get(link)
    assert response.status_code == 400
    assert "This link has expired" in response.text


def test_reset_with_mismatched_or_weak_password_keeps_the_old_one(app, client, make_user):
    make_user("member@example.com")
    before = password_hash(app, "member@example.com")
    ask_reset(client, "member@example.com")
    link = link_in(outbox(app)[0].body_text, "/password/reset/")
    token = csrf_from(client.get(link).text)
    mismatch = client.post(
        link, data={"password": "brand-new-secret-77", "confirm": "other-new-secret-77", "csrf_token": token}
    )
    assert "The two passwords are not the same." in mismatch.text
    weak = client.post(link, data={"password": "password123", "confirm": "password123", "csrf_token": token})
    assert "too common" in weak.text
    assert password_hash(app, "member@example.com") == before


def test_change_password_needs_the_current_one_and_ends_other_sessions(app, client, make_user, auth):
    make_user("member@example.com")
    other_device = app.test_client()
    AuthActions(other_device).login("member@example.com")
    auth.login("member@example.com")
    wrong = auth.post(
        "/en/account/password",
        {
            "current_password": "not it at all",
            "password": "brand-new-secret-77",
            "confirm": "brand-new-secret-77",
        },
    )
    assert "Your current password is not correct." in wrong.text
    assert other_device.get("/en/dashboard").status_code == 200
    response = auth.post(
        "/en/account/password",
        {
            "current_password": "correct horse battery",
            "password": "brand-new-secret-77",
            "confirm": "brand-new-secret-77",
        },
    )
    assert response.headers["Location"] == "/en/account"
    assert client.get("/en/dashboard").status_code == 200
    assert other_device.get("/en/dashboard").status_code == 302
    assert "Your password was changed" in [message.subject for message in outbox(app)]


def test_change_email_needs_password_and_verification_and_tells_the_old_address(app, client, make_user, auth):
    make_user("member@example.com")
    make_user("taken@example.com")
    auth.login("member@example.com")
    taken = auth.post("/en/account/email", {"email": "taken@example.com", "current_password": "correct horse battery"})
    assert "cannot be used" in taken.text
    response = auth.post("/en/account/email", {"email": "New@Example.com", "current_password": "correct horse battery"})
    assert response.headers["Location"] == "/en/account"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@example.com"))
        assert user.email_verified_dt is None
    recipients = {message.to_address: message.subject for message in outbox(app)}
    assert recipients["member@example.com"] == "Your e-mail address was changed"
    assert recipients["new@example.com"] == "Confirm your e-mail address"
