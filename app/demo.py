"""`flask demo load`: a few members of every role, in French and English, to click through the portal."""

from dataclasses import dataclass

import click
from flask.cli import AppGroup

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


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Load only into a database that has no member yet (make run).")
def load_command(if_empty: bool) -> None:
    """Create demo members of every role (password: tulip-harbour-47)."""
    if if_empty and auth_services.count_users() > 0:
        click.echo("The database already has members: demo data not loaded.")
        return
    created = load_demo_members()
    db.session.commit()
    click.echo(f"{created} demo member(s) created. Password for every demo account: {DEMO_PASSWORD}")
