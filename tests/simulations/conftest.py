"""Fixtures for simulations: interviewers with profiles and availability, a candidate, request data."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.auth.models import Role, User
from app.extensions import db
from app.profiles.models import AvailabilitySlot, InterviewerProfile
from tests.conftest import AuthActions


def next_weekday(weekday: int, at_least_days: int = 3) -> date:
    day = date.today() + timedelta(days=at_least_days)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


TUESDAY = next_weekday(1)
THURSDAY = next_weekday(3)


def window_fields(index: int, day: date, start_hour: int, end_hour: int) -> dict:
    return {
        f"windows-{index}-start": datetime.combine(day, time(start_hour)).strftime("%Y-%m-%dT%H:%M"),
        f"windows-{index}-end": datetime.combine(day, time(end_hour)).strftime("%Y-%m-%dT%H:%M"),
    }


REQUEST_FORM = {
    "interview_type": "case",
    "mode": "video",
    "city": "",
    "sector": "consulting",
    "company_type": "consulting_firm",
    "language": "fr",
    "goal": "Structurer un cas de dimensionnement de marché",
    "is_auto_invite": "y",
    **window_fields(0, TUESDAY, 18, 21),
    **window_fields(1, THURSDAY, 9, 11),
}


@pytest.fixture
def make_interviewer(app, make_user):
    """An interviewer accepting case interviews in French by video, free on Tuesday evenings (Paris)."""

    def make(email, *, locale="en", timezone="Europe/Paris", **profile_changes):
        user_id = make_user(
            email,
            roles=(Role.INTERVIEWER,),
            locale=locale,
            timezone=timezone,
            first_name=email.split("@")[0].split(".")[0].title(),
            last_name="Interviewer",
        )
        with app.app_context():
            values = {
                "languages": ["fr", "en"],
                "modes": ["video", "phone"],
                "interview_types": ["case"],
                "sectors": ["consulting"],
                "company_types": ["consulting_firm"],
                "former_employers": [],
                "weekly_capacity": 4,
                "is_accepting": True,
            }
            values.update(profile_changes)
            db.session.add(InterviewerProfile(user_id=user_id, **values))
            db.session.add(AvailabilitySlot(user_id=user_id, weekday=1, start_time=time(18), end_time=time(22)))
            db.session.commit()
        return user_id

    return make


@pytest.fixture
def candidate(app, make_user):
    user_id = make_user("camille@example.com", locale="fr", first_name="Camille", last_name="Durand")
    client = app.test_client()
    AuthActions(client).login("camille@example.com", lang="fr")
    client.user_id = user_id
    return client


def public_id_of(app, email):
    with app.app_context():
        return db.session.scalar(select(User.public_id).where(User.email == email))
