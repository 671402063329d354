"""Server-side sessions: logout, timeouts, remember me, ending a device, fresh identifier at login."""

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from app.auth.models import UserSession
from app.core.timeutil import utcnow
from app.extensions import db
from tests.conftest import csrf_from


def sessions_of(app, user_id):
    with app.app_context():
        rows = list(
            db.session.scalars(select(UserSession).where(UserSession.user_id == user_id).order_by(UserSession.id))
        )
        db.session.expunge_all()
        return rows


def copy_cookies(source, target):
    for cookie in source._cookies.values():
        target.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)


def test_session_row_records_ip_device_and_activity(app, client, make_user, auth):
    user_id = make_user("member@example.com")
    auth.login("member@example.com")
    [row] = sessions_of(app, user_id)
    assert row.ip_address == "127.0.0.1"
    assert row.user_agent.startswith("Werkzeug")
    assert row.ended_dt is None
    assert len(row.token_hash) == 64  # only the hash of the cookie's token is stored


def test_logout_revokes_the_session_even_for_a_copied_cookie(app, client, make_user, auth):
    user_id = make_user("member@example.com")
    auth.login("member@example.com")
    thief = app.test_client()
    copy_cookies(client, thief)
    assert thief.get("/en/dashboard").status_code == 200
    auth.logout()
    assert thief.get("/en/dashboard").status_code == 302
    [row] = sessions_of(app, user_id)
    assert row.end_reason == "logout"


def test_session_identifier_changes_at_login(app, client, make_user, auth):
    make_user("member@example.com")
    client.get("/en/login")
    before = client.get_cookie("caseinjob_session").value
    auth.login("member@example.com")
    after = client.get_cookie("caseinjob_session").value
    assert before != after


def test_idle_timeout_signs_out(app, client, make_user, auth):
    make_user("member@example.com")
    with freeze_time("2026-11-24 09:00:00") as clock:
        auth.login("member@example.com")
        clock.tick(timedelta(hours=1, minutes=59))
        assert client.get("/en/dashboard").status_code == 200
        clock.tick(timedelta(hours=2, minutes=1))
        assert client.get("/en/dashboard").status_code == 302


def test_absolute_timeout_signs_out_even_when_active(app, client, make_user, auth):
    make_user("member@example.com")
    with freeze_time("2026-11-24 09:00:00") as clock:
        auth.login("member@example.com")
        for _ in range(13):
            clock.tick(timedelta(minutes=59))
            status = client.get("/en/dashboard").status_code
        assert status == 302


def test_timeouts_are_configurable(app_config, request):
    app_config["SESSION_IDLE_TIMEOUT"] = timedelta(minutes=5)
    app = request.getfixturevalue("app")
    request.getfixturevalue("make_user")("member@example.com")
    client = app.test_client()
    from tests.conftest import AuthActions

    with freeze_time("2026-11-24 09:00:00") as clock:
        AuthActions(client).login("member@example.com")
        clock.tick(timedelta(minutes=6))
        assert client.get("/en/dashboard").status_code == 302


def test_remember_me_survives_a_browser_restart_but_not_logout_elsewhere(app, client, make_user, auth):
    user_id = make_user("member@example.com")
    auth.login("member@example.com", remember=True)
    remember = client.get_cookie("caseinjob_remember")
    assert remember is not None
    restarted = app.test_client()
    restarted.set_cookie("caseinjob_remember", remember.value)
    assert restarted.get("/en/dashboard").status_code == 200
    [row] = sessions_of(app, user_id)
    assert row.is_remembered
    assert row.expires_dt - row.created_dt == timedelta(days=30)


def test_member_ends_another_device_and_sees_it_gone(app, make_user):
    from tests.conftest import AuthActions

    user_id = make_user("member@example.com")
    laptop, phone = app.test_client(), app.test_client()
    AuthActions(laptop).login("member@example.com")
    AuthActions(phone).login("member@example.com")
    _, phone_session = sessions_of(app, user_id)
    page = laptop.get("/en/account/sessions")
    assert page.text.count('/end"') == 2  # both devices are listed, each with its sign-out button
    response = laptop.post(
        f"/en/account/sessions/{phone_session.public_id}/end", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.headers["Location"] == "/en/account/sessions"
    assert phone.get("/en/dashboard").status_code == 302
    assert laptop.get("/en/dashboard").status_code == 200


def test_member_cannot_end_another_members_session(app, make_user):
    from tests.conftest import AuthActions

    make_user("alice@example.com")
    bob_id = make_user("bob@example.com")
    alice, bob = app.test_client(), app.test_client()
    AuthActions(alice).login("alice@example.com")
    AuthActions(bob).login("bob@example.com")
    [bob_session] = sessions_of(app, bob_id)
    token = csrf_from(alice.get("/en/account/sessions").text)
    response = alice.post(f"/en/account/sessions/{bob_session.public_id}/end", data={"csrf_token": token})
    assert response.status_code == 404
    assert bob.get("/en/dashboard").status_code == 200


def test_logout_needs_a_post_with_csrf(client, make_user, auth):
    make_user("member@example.com")
    auth.login("member@example.com")
    assert client.get("/en/logout").status_code == 405
    assert client.post("/en/logout").status_code == 400
    assert client.get("/en/dashboard").status_code == 200


def test_sessions_opened_together_write_their_activity_at_different_moments(app, make_user):
    """A class signs in together: their sessions' last activity is written again within 1 to 1.5 minutes,
    spread over that half minute rather than all in the same second."""
    from tests.conftest import AuthActions

    user_id = make_user("member@example.com")
    with freeze_time(utcnow().replace(microsecond=0)) as clock:
        devices = []
        for _ in range(16):
            device = app.test_client()
            AuthActions(device).login("member@example.com")
            devices.append(device)
        signed_in_at = utcnow()

        def written_again() -> int:
            for device in devices:
                assert device.get("/en/dashboard").status_code == 200
            return sum(row.last_seen_dt > signed_in_at for row in sessions_of(app, user_id))

        clock.tick(timedelta(seconds=50))
        assert written_again() == 0
        clock.tick(timedelta(seconds=25))  # 75 s
        assert 0 < written_again() < 16
        clock.tick(timedelta(seconds=20))  # 95 s: past 1.5 minutes
        assert written_again() == 16
