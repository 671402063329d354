"""Who may see a candidate's profile, CV and photo: the owner, admins, an interviewer whose request was
accepted, a client with an assignment (unless processing is restricted). Everyone else gets 404."""

import io

import pytest
from sqlalchemy import select

from app.auth.models import Role, User
from app.core.access_log import AccessLogEntry, AccessReason
from app.extensions import db
from app.profiles import access
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import AuthActions, csrf_from, signed_in
from tests.profiles import files

#: (viewer e-mail, owner e-mail) pairs that the test grounds below accept, as the features will.
ACCEPTED_REQUESTS: set[tuple[str, str]] = set()
ASSIGNMENTS: set[tuple[str, str]] = set()


def interviewer_ground(viewer, owner):
    """Stands in for simulations: an interviewer sees candidates whose request they accepted."""
    if viewer.has_role(Role.INTERVIEWER) and (viewer.email, owner.email) in ACCEPTED_REQUESTS:
        return AccessReason.INTERVIEW_REQUEST
    return None


def client_ground(viewer, owner):
    """Stands in for assessments: a client sees candidates it assigned a test to."""
    if viewer.has_role(Role.CLIENT) and (viewer.email, owner.email) in ASSIGNMENTS:
        return AccessReason.CLIENT_ASSIGNMENT
    return None


@pytest.fixture
def world(app, make_user):
    """A candidate with a profile, photo and CV, and one member of every kind who might look at it."""
    ACCEPTED_REQUESTS.clear()
    ASSIGNMENTS.clear()
    access.register_ground(interviewer_ground)
    access.register_ground(client_ground)
    make_user("camille@example.com", first_name="Camille", last_name="Durand")
    for email, roles in [
        ("accepted.interviewer@example.com", (Role.INTERVIEWER,)),
        ("other.interviewer@example.com", (Role.INTERVIEWER,)),
        ("assigning.client@example.com", (Role.CLIENT,)),
        ("other.client@example.com", (Role.CLIENT,)),
        ("other.candidate@example.com", (Role.CANDIDATE,)),
    ]:
        make_user(email, roles=roles)
    ACCEPTED_REQUESTS.add(("accepted.interviewer@example.com", "camille@example.com"))
    ASSIGNMENTS.add(("assigning.client@example.com", "camille@example.com"))
    owner = app.test_client()
    AuthActions(owner).login("camille@example.com")
    for kind, data, name in [("photo", files.png(), "me.png"), ("cv", files.pdf(), "cv.pdf")]:
        token = csrf_from(owner.get("/en/profile").text)
        owner.post(
            f"/en/profile/{kind}",
            data={kind: (io.BytesIO(data), name), "visibility": "connections", "csrf_token": token},
            content_type="multipart/form-data",
        )
    with app.app_context():
        public_id = db.session.scalar(select(User.public_id).where(User.email == "camille@example.com"))
    yield {"owner": owner, "public_id": public_id}
    access.unregister_ground(interviewer_ground)
    access.unregister_ground(client_ground)


def urls(public_id):
    return [
        f"/en/members/{public_id}/profile",
        f"/en/members/{public_id}/files/photo",
        f"/en/members/{public_id}/files/cv",
    ]


def log_entries(app):
    with app.app_context():
        rows = list(db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id)))
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize(
    "email", ["other.interviewer@example.com", "other.client@example.com", "other.candidate@example.com"]
)
def test_members_without_a_ground_get_404_everywhere(app, world, email):
    client = signed_in(app, email)
    for url in urls(world["public_id"]):
        assert client.get(url).status_code == 404, url
    assert log_entries(app) == []


def test_visitors_are_sent_to_sign_in(app, world):
    for url in urls(world["public_id"]):
        assert app.test_client().get(url).status_code == 302


def test_guessed_ids_are_404(app, world):
    client = signed_in(app, "accepted.interviewer@example.com")
    assert client.get("/en/members/00000000000000000000000000000000/profile").status_code == 404
    assert client.get("/en/members/not-an-id/files/cv").status_code == 404


def test_owner_sees_everything_and_is_not_logged(app, world):
    for url in urls(world["public_id"]):
        assert world["owner"].get(url, follow_redirects=True).status_code == 200
    assert log_entries(app) == []


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ("accepted.interviewer@example.com", AccessReason.INTERVIEW_REQUEST),
        ("assigning.client@example.com", AccessReason.CLIENT_ASSIGNMENT),
    ],
)
@pytest.mark.promise("recipients-interviewers")
@pytest.mark.promise("access-log")
def test_members_with_a_ground_see_shared_sections_and_each_view_is_logged(app, world, email, reason):
    client = signed_in(app, email)
    page = client.get(f"/en/members/{world['public_id']}/profile")
    assert page.status_code == 200 and "Camille Durand" in page.text
    assert client.get(f"/en/members/{world['public_id']}/files/photo").status_code == 200
    cv = client.get(f"/en/members/{world['public_id']}/files/cv")
    assert cv.status_code == 200 and cv.headers["Content-Disposition"].startswith("attachment")
    entries = log_entries(app)
    assert [(entry.what, entry.why) for entry in entries] == [
        ("profile", reason.value),
        ("photo", reason.value),
        ("cv", reason.value),
    ]
    assert all(entry.viewer_name != "Camille Durand" for entry in entries)


@pytest.mark.promise("profile-visibility")
@pytest.mark.promise("recipients-interviewers")
def test_private_sections_stay_hidden_from_interviewers(app, world):
    owner = world["owner"]
    data = dict.fromkeys(("about", "education", "experience", "skills", "languages", "targets", "photo"), "connections")
    token = csrf_from(owner.get("/en/profile/visibility").text)
    owner.post("/en/profile/visibility", data={**data, "cv": "private", "csrf_token": token})
    client = signed_in(app, "accepted.interviewer@example.com")
    assert client.get(f"/en/members/{world['public_id']}/files/cv").status_code == 404
    assert "Download the CV" not in client.get(f"/en/members/{world['public_id']}/profile").text


@pytest.mark.promise("right-restriction")
def test_restriction_hides_the_profile_from_clients_and_from_the_accepted_interviewer(app, world):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "camille@example.com"))
        user.is_processing_restricted = True
        db.session.commit()
    client = signed_in(app, "assigning.client@example.com")
    for url in urls(world["public_id"]):
        assert client.get(url).status_code == 404, url
    # The interviewer of a scheduled session keeps the session page only (app/privacy/disclosure.py).
    interviewer = signed_in(app, "accepted.interviewer@example.com")
    for url in urls(world["public_id"]):
        assert interviewer.get(url).status_code == 404, url


def test_admin_sees_and_is_logged_as_admin(app, world, make_user):
    admin = sign_in_admin_with_two_step(app, make_user)
    assert admin.get(f"/en/members/{world['public_id']}/files/cv").status_code == 200
    [entry] = log_entries(app)
    assert entry.why == AccessReason.ADMIN_REVIEW.value
