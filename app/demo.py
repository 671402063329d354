"""`flask demo load`: a few members of every role, in French and English, to click through the portal."""

from dataclasses import dataclass

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.assessments.bank import load_bank
from app.auth import services as auth_services
from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy import services as privacy_services

demo_cli = AppGroup("demo", help="Demonstration data.")

#: Every demo account signs in with this password (README lists the accounts).
DEMO_PASSWORD = "tulip-harbour-47"  # noqa: S105 (a documented demo password)


@dataclass(frozen=True)
class DemoMember:
    email: str
    first_name: str
    last_name: str
    locale: str
    roles: tuple[Role, ...]
    company: str | None = None
    timezone: str = "Europe/Paris"


DEMO_MEMBERS = (
    DemoMember("camille.dupont@demo.caseinjob.fr", "Camille", "Dupont", "fr", (Role.CANDIDATE,), "HEC Paris"),
    DemoMember("emma.wilson@demo.caseinjob.fr", "Emma", "Wilson", "en", (Role.CANDIDATE,), None, "Europe/London"),
    DemoMember(
        "julien.martin@demo.caseinjob.fr",
        "Julien",
        "Martin",
        "fr",
        (Role.INTERVIEWER, Role.CANDIDATE),
        "Conseil & Co",
    ),
    DemoMember(
        "sarah.johnson@demo.caseinjob.fr",
        "Sarah",
        "Johnson",
        "en",
        (Role.INTERVIEWER,),
        "Northbridge Bank",
        "America/New_York",
    ),
    DemoMember("claire.bernard@demo.caseinjob.fr", "Claire", "Bernard", "fr", (Role.SPONSOR_ADMIN,), "École Centrale"),
    DemoMember("thomas.petit@demo.caseinjob.fr", "Thomas", "Petit", "fr", (Role.CLIENT,), "Banque Lumière"),
    DemoMember("james.brown@demo.caseinjob.fr", "James", "Brown", "en", (Role.CLIENT,), "Brown & Partners"),
    DemoMember("elise.moreau@demo.caseinjob.fr", "Élise", "Moreau", "fr", (Role.TEST_AUTHOR,), "Psychométrie SAS"),
    DemoMember("admin@demo.caseinjob.fr", "Alex", "Admin", "en", (Role.ADMIN,)),
)


#: Interviewer profiles of the demo interviewers, so that matching has someone to propose.
DEMO_INTERVIEWERS = {
    "julien.martin@demo.caseinjob.fr": {
        "bio": "Ancien manager en conseil en stratégie, j'ai mené plus de 200 entretiens de recrutement.",
        "current_employer": "Conseil & Co",
        "former_employers": ["Grand Cabinet"],
        "sectors": ["consulting", "banking_finance"],
        "company_types": ["consulting_firm", "large_company"],
        "interview_types": ["case", "behavioural"],
        "modes": ["video", "phone", "in_person"],
        "city": "Paris",
        "languages": ["fr", "en"],
        "weekly_capacity": 3,
        "slots": ((1, 18, 22), (3, 18, 22), (5, 9, 12)),
    },
    "sarah.johnson@demo.caseinjob.fr": {
        "bio": "Vice-president at an investment bank; I run technical and fit interviews for analysts.",
        "current_employer": "Northbridge Bank",
        "former_employers": [],
        "sectors": ["banking_finance", "technology"],
        "company_types": ["bank_finance", "large_company"],
        "interview_types": ["technical", "behavioural", "case"],
        "modes": ["video", "phone"],
        "city": "",
        "languages": ["en"],
        "weekly_capacity": 2,
        "slots": ((0, 8, 12), (2, 8, 12)),
    },
}


def load_demo_interviewer_profiles() -> int:
    """Fill the demo interviewers' profiles and weekly slots, once."""
    from datetime import time

    from app.profiles.models import AvailabilitySlot, InterviewerProfile

    created = 0
    for email, data in DEMO_INTERVIEWERS.items():
        user = auth_services.find_user_by_email(email)
        if user is None or db.session.scalar(
            db.select(InterviewerProfile.id).where(InterviewerProfile.user_id == user.id)
        ):
            continue
        values = {key: value for key, value in data.items() if key != "slots"}
        db.session.add(InterviewerProfile(user_id=user.id, is_accepting=True, **values))
        for weekday, start, end in data["slots"]:
            db.session.add(
                AvailabilitySlot(user_id=user.id, weekday=weekday, start_time=time(start), end_time=time(end))
            )
        created += 1
    return created


def load_demo_members() -> int:
    """Create the demo members that do not exist yet; returns how many were created."""
    privacy_services.ensure_shipped_versions()
    db.session.flush()
    policy = privacy_services.current_policy()
    password_hash = hash_password(DEMO_PASSWORD)
    created = 0
    for member in DEMO_MEMBERS:
        if auth_services.find_user_by_email(member.email):
            continue
        user = User(
            email=member.email,
            first_name=member.first_name,
            last_name=member.last_name,
            locale=member.locale,
            company=member.company,
            timezone=member.timezone,
            password_hash=password_hash,
            email_verified_dt=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
        for role in member.roles:
            auth_services.grant_role(user, role)
        privacy_services.record_acceptance(user, policy)
        created += 1
    return created


def load_demo_assignments() -> int:
    """Banque Lumière assigned the numerical test to Camille (completed, so its result page has data) and to
    Emma (not started yet)."""
    from datetime import timedelta

    from app.assessments import assignments, services
    from app.assessments.models import Test

    client = _demo_user("thomas.petit@demo.caseinjob.fr")
    test = db.session.scalar(select(Test).where(Test.slug == "numerical-reasoning", Test.published_dt.is_not(None)))
    if client is None or test is None:
        return 0
    emails = ["camille.dupont@demo.caseinjob.fr", "emma.wilson@demo.caseinjob.fr"]
    assignments.assign(client, test, emails, utcnow() + timedelta(days=14))
    camille = _demo_user(emails[0])
    assignment = assignments.assignments_for_candidate(camille)[0]
    attempt = assignments.start_assigned(camille, assignment)
    for item in test.items[:10]:  # ten right answers, the rest left blank
        services.save_answer(attempt, item, item.key if item.type in ("numeric", "multiple") else item.key[0])
    services.submit(attempt)
    return len(emails)


def _demo_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Load only into a database that has no member yet (make run).")
def load_command(if_empty: bool) -> None:
    """Create demo members of every role (password: tulip-harbour-47)."""
    if if_empty and auth_services.count_users() > 0:
        click.echo("The database already has members: demo data not loaded.")
        return
    created = load_demo_members()
    db.session.flush()
    load_demo_interviewer_profiles()
    load_bank()
    db.session.flush()
    load_demo_assignments()
    db.session.commit()
    click.echo(f"{created} demo member(s) created. Password for every demo account: {DEMO_PASSWORD}")


from app import demo_scale  # noqa: E402,F401  (registers `flask demo scale` on demo_cli)
