"""Admin pages: find a member, grant and remove roles, suspend and reinstate, read the audit log."""

from sqlalchemy import select

from app.auth.models import Role, User, UserSession
from app.core.audit import AuditEvent
from app.extensions import db
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import AuthActions, csrf_from, shown


def member(app, email) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.role_set is not None  # loads the roles before leaving the session
        db.session.expunge_all()
        return user


def test_find_member_by_name_or_email(app, make_user):
    admin = sign_in_admin_with_two_step(app, make_user)
    make_user("zoe.lambert@example.com", first_name="Zoé", last_name="Lambert")
    make_user("other@example.com", first_name="Paul", last_name="Other")
    page = admin.get("/fr/admin/", query_string={"q": "lambert"})
    assert "Zoé Lambert" in page.text
    assert "Paul Other" not in page.text
    assert "1 membre trouvé." in shown(page)


def test_grant_and_remove_a_role_is_audited(app, make_user):
    admin = sign_in_admin_with_two_step(app, make_user)
    make_user("member@example.com")
    target = member(app, "member@example.com")
    url = f"/en/admin/members/{target.public_id}"
    page = admin.get(url)
    response = admin.post(f"{url}/roles", data={"role": "interviewer", "csrf_token": csrf_from(page.text)})
    assert response.headers["Location"] == url
    assert member(app, "member@example.com").role_set == {Role.CANDIDATE, Role.INTERVIEWER}
    page = admin.get(url)
    admin.post(f"{url}/roles/candidate/remove", data={"csrf_token": csrf_from(page.text)})
    assert member(app, "member@example.com").role_set == {Role.INTERVIEWER}
    with app.app_context():
        kinds = [event.kind for event in db.session.scalars(select(AuditEvent).where(AuditEvent.user_id == target.id))]
    assert "role_granted" in kinds and "role_removed" in kinds
    log = admin.get("/en/admin/audit", query_string={"kind": "role_granted"})
    assert "Role granted" in log.text and "interviewer" in log.text


def test_unknown_role_is_refused(app, make_user):
    admin = sign_in_admin_with_two_step(app, make_user)
    make_user("member@example.com")
    target = member(app, "member@example.com")
    url = f"/en/admin/members/{target.public_id}"
    token = csrf_from(admin.get(url).text)
    assert admin.post(f"{url}/roles", data={"role": "superuser", "csrf_token": token}).status_code == 400
    assert admin.post(f"{url}/roles/superuser/remove", data={"csrf_token": token}).status_code == 404
    assert member(app, "member@example.com").role_set == {Role.CANDIDATE}


def test_suspend_ends_sessions_and_blocks_sign_in_then_reinstate(app, make_user):
    admin = sign_in_admin_with_two_step(app, make_user)
    make_user("member@example.com")
    victim = app.test_client()
    AuthActions(victim).login("member@example.com")
    target = member(app, "member@example.com")
    url = f"/en/admin/members/{target.public_id}"
    token = csrf_from(admin.get(url).text)
    empty = admin.post(f"{url}/suspend", data={"reason": "", "csrf_token": token})
    assert empty.status_code == 400 and "This field is required." in empty.text
    admin.post(f"{url}/suspend", data={"reason": "Repeated no-shows", "csrf_token": token})
    assert victim.get("/en/dashboard").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(UserSession.end_reason).where(UserSession.user_id == target.id)) == "suspended"
    refused = AuthActions(app.test_client()).login("member@example.com")
    assert "Repeated no-shows" in refused.text
    admin.post(f"{url}/reinstate", data={"csrf_token": csrf_from(admin.get(url).text)})
    assert AuthActions(app.test_client()).login("member@example.com").status_code == 302


def test_admin_cannot_suspend_themself_or_drop_their_own_admin_role(app, make_user):
    admin = sign_in_admin_with_two_step(app, make_user)
    me = member(app, "admin@example.com")
    url = f"/en/admin/members/{me.public_id}"
    token = csrf_from(admin.get(url).text)
    admin.post(f"{url}/suspend", data={"reason": "oops", "csrf_token": token})
    admin.post(f"{url}/roles/admin/remove", data={"csrf_token": token})
    me = member(app, "admin@example.com")
    assert not me.is_suspended and Role.ADMIN in me.role_set


def test_non_admins_get_403_on_every_admin_page(app, make_user):
    make_user("member@example.com", roles=tuple(role for role in Role if role != Role.ADMIN))
    make_user("target@example.com")
    client = app.test_client()
    AuthActions(client).login("member@example.com")
    target = member(app, "target@example.com")
    token = csrf_from(client.get("/en/dashboard").text)
    assert client.get("/en/admin/").status_code == 403
    assert client.get(f"/en/admin/members/{target.public_id}").status_code == 403
    assert client.get("/en/admin/audit").status_code == 403
    assert (
        client.post(
            f"/en/admin/members/{target.public_id}/roles", data={"role": "admin", "csrf_token": token}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/en/admin/members/{target.public_id}/suspend", data={"reason": "x", "csrf_token": token}
        ).status_code
        == 403
    )
    assert member(app, "target@example.com").role_set == {Role.CANDIDATE}
    assert not member(app, "target@example.com").is_suspended


def test_refused_access_is_logged(app, make_user):
    make_user("member@example.com")
    client = app.test_client()
    AuthActions(client).login("member@example.com")
    client.get("/en/admin/audit")
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.kind).order_by(AuditEvent.id.desc())) == "access_refused"


def test_unknown_member_is_404(app, make_user):
    admin = sign_in_admin_with_two_step(app, make_user)
    assert admin.get("/en/admin/members/0123456789abcdef0123456789abcdef").status_code == 404
