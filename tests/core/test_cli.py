"""Command line: create an administrator, load demo data."""

from sqlalchemy import func, select

from app.auth.models import Role, User
from app.demo import DEMO_MEMBERS, DEMO_PASSWORD, DEMO_STUDENTS
from app.extensions import db
from tests.conftest import AuthActions


def test_create_admin(app, runner):
    result = runner.invoke(args=["users", "create-admin", "Boss@Example.com", "--password", "granite-window-38"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "boss@example.com"))
        assert user.is_admin and user.is_email_verified


def test_create_admin_refuses_a_weak_password_or_bad_address(app, runner):
    weak = runner.invoke(args=["users", "create-admin", "boss@example.com", "--password", "password123"])
    assert weak.exit_code != 0 and "too common" in weak.output
    bad = runner.invoke(args=["users", "create-admin", "not-an-address", "--password", "granite-window-38"])
    assert bad.exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_demo_load_creates_every_role_once(app, runner):
    result = runner.invoke(args=["demo", "load", "--if-empty"])
    assert f"{len(DEMO_MEMBERS) + len(DEMO_STUDENTS)} demo member(s) created" in result.output
    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert "already has members" in again.output
    with app.app_context():
        users = list(db.session.scalars(select(User)))
        assert len(users) == len(DEMO_MEMBERS) + len(DEMO_STUDENTS)
        assert set().union(*(user.role_set for user in users)) == set(Role)
        assert {user.locale for user in users} == {"fr", "en"}
    response = AuthActions(app.test_client()).login("camille.dupont@demo.caseinjob.fr", DEMO_PASSWORD, lang="fr")
    assert response.headers["Location"] == "/fr/dashboard"


def test_demo_interviewers_are_proposed_for_a_demo_request(app, runner):
    from datetime import datetime, timedelta

    from app.simulations import services

    runner.invoke(args=["demo", "load"])
    with app.app_context():
        camille = db.session.scalar(select(User).where(User.email == "camille.dupont@demo.caseinjob.fr"))
        tuesday = datetime.now() + timedelta(days=(1 - datetime.now().weekday()) % 7 + 7)
        windows = [
            (tuesday.replace(hour=18, minute=0), tuesday.replace(hour=21, minute=0)),
            (
                (tuesday + timedelta(days=2)).replace(hour=18, minute=0),
                (tuesday + timedelta(days=2)).replace(hour=21, minute=0),
            ),
        ]
        request = services.create_request(
            camille,
            services.RequestData(
                mode="video",
                interview_type="case",
                language="fr",
                sector="consulting",
                company_type="consulting_firm",
                windows=[
                    (start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0))
                    for start, end in windows
                ],
            ),
        )
        names = [user.email for _, user in services.find_matches(request).matches]
        assert names[0] == "julien.martin@demo.caseinjob.fr"
