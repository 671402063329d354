"""Two-step verification: set-up, sign-in with a code or a recovery code, admins must use it."""

import re

import pyotp
from sqlalchemy import select

from app.auth.models import Role, User
from app.core import crypto
from app.extensions import db
from tests.conftest import AuthActions, csrf_from, shown


def set_up_two_step(client) -> tuple[str, list[str]]:
    page = client.get("/en/account/two-step/setup")
    secret = re.search(r"<code>([A-Z2-7]{16,})</code>", page.text).group(1)
    assert "<svg" in page.text  # the QR code, generated on the server
    response = client.post(
        "/en/account/two-step/setup",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)},
    )
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", response.text)
    return secret, codes


def test_enable_then_sign_in_with_code_and_with_a_recovery_code_once(app, client, make_user, auth):
    make_user("member@example.com")
    auth.login("member@example.com")
    secret, codes = set_up_two_step(client)
    assert len(codes) == 10
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.has_totp
        assert crypto.decrypt_text(user.totp_secret_encrypted) == secret  # stored encrypted
        assert secret not in user.totp_secret_encrypted
    auth.logout()

    response = auth.login("member@example.com")
    assert response.headers["Location"] == "/en/login/two-step"
    assert client.get("/en/dashboard").status_code == 302  # not signed in before the code
    page = client.get("/en/login/two-step")
    wrong = client.post("/en/login/two-step", data={"code": "000000", "csrf_token": csrf_from(page.text)})
    assert "This code is not correct." in wrong.text
    ok = client.post("/en/login/two-step", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)})
    assert ok.headers["Location"] == "/en/dashboard"
    auth.logout()

    for attempt in range(2):
        auth.login("member@example.com")
        page = client.get("/en/login/two-step")
        response = client.post("/en/login/two-step", data={"code": codes[0], "csrf_token": csrf_from(page.text)})
        if attempt == 0:
            assert response.headers["Location"] == "/en/dashboard"
            auth.logout()
        else:
            assert response.status_code == 200  # a recovery code works once
            assert client.get("/en/dashboard").status_code == 302


def test_wrong_setup_code_keeps_two_step_off(app, client, make_user, auth):
    make_user("member@example.com")
    auth.login("member@example.com")
    page = client.get("/fr/account/two-step/setup")
    response = client.post("/fr/account/two-step/setup", data={"code": "123456", "csrf_token": csrf_from(page.text)})
    assert "Ce code est incorrect" in shown(response)
    with app.app_context():
        assert not db.session.scalar(select(User)).has_totp


def test_admin_pages_require_two_step(app, client, make_user, auth):
    make_user("admin@example.com", roles=(Role.ADMIN,))
    auth.login("admin@example.com")
    response = client.get("/en/admin/")
    assert response.headers["Location"] == "/en/account/two-step"
    set_up_two_step(client)
    assert client.get("/en/admin/").status_code == 200


def test_admin_cannot_turn_two_step_off(app, client, make_user, auth):
    make_user("admin@example.com", roles=(Role.ADMIN,))
    auth.login("admin@example.com")
    set_up_two_step(client)
    page = client.get("/en/account/two-step")
    assert "Turn off two-step verification" not in page.text
    client.post(
        "/en/account/two-step/disable",
        data={"current_password": "correct horse battery", "csrf_token": csrf_from(page.text)},
    )
    with app.app_context():
        assert db.session.scalar(select(User)).has_totp


def test_member_turns_two_step_off_with_password(app, client, make_user, auth):
    make_user("member@example.com")
    auth.login("member@example.com")
    set_up_two_step(client)
    page = client.get("/en/account/two-step")
    client.post(
        "/en/account/two-step/disable",
        data={"current_password": "wrong password!", "csrf_token": csrf_from(page.text)},
    )
    with app.app_context():
        assert db.session.scalar(select(User)).has_totp
    client.post(
        "/en/account/two-step/disable",
        data={"current_password": "correct horse battery", "csrf_token": csrf_from(page.text)},
    )
    with app.app_context():
        assert not db.session.scalar(select(User)).has_totp


def sign_in_admin_with_two_step(app, make_user, email="admin@example.com", roles=(Role.ADMIN,)):
    """A client signed in as an administrator (with `roles`) who passed two-step verification."""
    make_user(email, roles=roles)
    client = app.test_client()
    AuthActions(client).login(email)
    set_up_two_step(client)
    return client
