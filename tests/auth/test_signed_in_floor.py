"""What every signed-in page pays before its own work: one statement for the session, the member, their roles
and the policy versions' key; the member read from that row, the ORM User only when a page needs more."""

from datetime import timedelta

import pytest
from flask_login import current_user, login_required
from freezegun import freeze_time
from sqlalchemy import select, update

from app.auth import services
from app.auth.member import SignedInMember
from app.auth.models import Role, User, UserRole, UserSession
from app.core.timeutil import utcnow
from app.extensions import db
from tests.conftest import recorded_statements, signed_in

pytestmark = pytest.mark.own_app  # floor_app adds a route


@pytest.fixture
def floor_app(app):
    """The test app with a signed-in hello-world route, as bench/routes.py adds to the benchmark's."""

    @app.route("/test/hello-member")
    @login_required
    def hello_member():
        return f"Hello, {current_user.first_name}!"

    return app


def statements_of(app, send) -> tuple:
    with recorded_statements(app) as statements:
        response = send()
    return response, [" ".join(statement.split()) for statement in statements]


def test_a_signed_in_page_reads_session_member_roles_and_policy_key_in_one_statement(floor_app, make_user):
    make_user("member@example.com", first_name="Louise")
    client = signed_in(floor_app, "member@example.com")
    assert client.get("/test/hello-member").text == "Hello, Louise!"
    response, statements = statements_of(floor_app, lambda: client.get("/test/hello-member"))
    assert response.text == "Hello, Louise!"
    [statement] = statements
    assert "FROM user_session JOIN user_account" in statement and "user_role" in statement
    assert "policy_version" in statement  # the versions' key rides along; the versions come from the process


def test_the_session_touch_is_one_update_once_the_interval_has_passed(floor_app, make_user):
    user_id = make_user("member@example.com")
    with freeze_time(utcnow().replace(microsecond=0)) as clock:
        client = signed_in(floor_app, "member@example.com")
        assert client.get("/test/hello-member").status_code == 200  # the process reads the policy versions
        clock.tick(timedelta(minutes=2))  # past the touch interval (1 minute, plus up to half of it)
        response, statements = statements_of(floor_app, lambda: client.get("/test/hello-member"))
        assert response.status_code == 200
        assert [s.split()[0] for s in statements] == ["SELECT", "UPDATE"], statements
        with floor_app.app_context():
            [last_seen] = db.session.scalars(select(UserSession.last_seen_dt).where(UserSession.user_id == user_id))
        assert last_seen == utcnow()


def test_an_account_suspended_behind_the_portals_back_is_signed_out_at_the_next_request(floor_app, make_user):
    """Suspension ends sessions; even with a session row left open, the flag read in the same row refuses it."""
    user_id = make_user("member@example.com")
    client = signed_in(floor_app, "member@example.com")
    assert client.get("/test/hello-member").status_code == 200
    with floor_app.app_context():
        db.session.execute(update(User).where(User.id == user_id).values(is_suspended=True))
        db.session.commit()
    answer = client.get("/test/hello-member")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_member_object_reads_the_row_and_hands_the_rest_to_the_orm_user(floor_app, make_user):
    user_id = make_user("member@example.com", first_name="Louise", roles=(Role.CANDIDATE,))
    with floor_app.test_request_context("/en/dashboard"):
        user = db.session.get(User, user_id)
        token = services.start_session(user, remember=False, mfa_verified=False).token
        db.session.commit()
        db.session.expunge_all()

        member = services.load_session(token)
        assert isinstance(member, SignedInMember)
        assert member.get_id() == token and member.is_authenticated and member.is_active
        assert member.first_name == "Louise" and member.is_email_verified and member.full_name.startswith("Louise ")
        assert member.has_role(Role.CANDIDATE) and not member.has_role(Role.CLIENT) and not member.is_admin
        assert member.role_set == {Role.CANDIDATE}
        assert member.current_session.token == token and member.current_session.user_id == user_id

        # An attribute the row does not hold loads the User; from then on every read is the User's.
        assert member.password_hash.startswith("$argon2")
        member.first_name = "Lou"
        orm_user = db.session.get(User, user_id)
        assert orm_user.first_name == "Lou" and member.first_name == "Lou"
        assert member == orm_user and orm_user == member

        # It stands for its User in a relationship.
        db.session.add(UserRole(user=member, role=Role.CLIENT.value))
        db.session.commit()
        assert member.has_role(Role.CLIENT)
    with floor_app.app_context():
        assert db.session.get(User, user_id).first_name == "Lou"
        assert {link.role for link in db.session.get(User, user_id).roles} == {"candidate", "client"}


def test_an_unknown_or_ended_session_is_no_member(floor_app, make_user):
    user_id = make_user("member@example.com")
    with floor_app.test_request_context("/en/dashboard"):
        assert services.load_session("not-a-token") is None
        token = services.start_session(db.session.get(User, user_id), remember=False, mfa_verified=False).token
        db.session.commit()
        assert services.load_session(token) is not None
        services.end_other_sessions(db.session.get(User, user_id), services.EndReason.LOGOUT)
        db.session.commit()
        assert services.load_session(token) is None


def test_the_session_cookie_follows_key_rotation_and_a_foreign_signature_is_refused(app, app_config, make_user):
    """The cookie's signer is built once per secret key: a key moved to SECRET_KEY_FALLBACKS still reads the
    cookies it signed, and a cookie signed with any other key signs no one in."""
    from app import create_app

    make_user("member@example.com")
    app.config["SECRET_KEY"] = "the key of last month, long enough to sign cookies"
    client = signed_in(app, "member@example.com")
    assert client.get("/en/dashboard").status_code == 200
    rotated = create_app(app_config | {"SECRET_KEY": "this month's key", "SECRET_KEY_FALLBACKS": [app.secret_key]})
    stranger = create_app(app_config | {"SECRET_KEY": "someone else's key, as long as the others"})
    try:
        cookie = client.get_cookie("caseinjob_session").value
        for other, expected in ((rotated, 200), (stranger, 302)):
            browser = other.test_client()
            browser.set_cookie("caseinjob_session", cookie)
            assert browser.get("/en/dashboard").status_code == expected
    finally:
        for other in (rotated, stranger):
            with other.app_context():
                db.engine.dispose()
