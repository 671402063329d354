"""`flask simulations ...`: the periodic jobs, meant for cron."""

import click
from flask.cli import AppGroup

from app.core.jobs import runs_once
from app.extensions import db
from app.simulations import services

simulations_cli = AppGroup("simulations", help="Interview simulations.")


@simulations_cli.command("remind")
@runs_once("simulations-remind")
def remind_command() -> None:
    """Remind tomorrow's sessions, chase missing feedback, and expire unanswered invitations."""
    expired = services.expire_invitations()
    upcoming = services.remind_upcoming()
    feedback = services.remind_feedback()
    db.session.commit()
    click.echo(f"{upcoming} session reminder(s), {feedback} feedback reminder(s), {expired} invitation(s) expired")


@simulations_cli.command("expire")
def expire_command() -> None:
    """Expire unanswered invitations and invite the next best interviewer where the candidate allowed it."""
    expired = services.expire_invitations()
    db.session.commit()
    click.echo(f"{expired} invitation(s) expired")
