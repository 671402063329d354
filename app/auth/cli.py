"""`flask users ...`: account commands for operators."""

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from app.auth import services
from app.auth.models import Role, User
from app.auth.passwords import hash_password, password_problem
from app.core.timeutil import utcnow
from app.extensions import db

users_cli = AppGroup("users", help="Member accounts.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--first-name", default="Admin", show_default=True)
@click.option("--last-name", default="Caseinjob", show_default=True)
@click.password_option(help="Asked for when not given.")
def create_admin(email: str, first_name: str, last_name: str, password: str) -> None:
    """Create an administrator (or make an existing member one). They set up two-step at first sign-in."""
    with force_locale("en"):
        _create_admin(email, first_name, last_name, password)


def _create_admin(email: str, first_name: str, last_name: str, password: str) -> None:
    try:
        email = services.normalise_email(email)
    except services.AuthError as error:
        raise click.BadParameter(str(error.message), param_hint="EMAIL") from None
    user = services.find_user_by_email(email)
    if user is None:
        problem = password_problem(password, email=email, names=(first_name, last_name))
        if problem:
            raise click.BadParameter(str(problem), param_hint="password")
        user = User(
            first_name=first_name,
            last_name=last_name,
            email=email,
            email_verified_dt=utcnow(),
            password_hash=hash_password(password),
            locale="fr",
        )
        db.session.add(user)
        db.session.flush()
    services.grant_role(user, Role.ADMIN)
    db.session.commit()
    click.echo(f"{email} is an administrator.")
