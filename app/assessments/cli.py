"""`flask assessments ...`: import a test file, close overdue attempts (meant for cron)."""

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from app.assessments import bank, services
from app.assessments.models import Attempt, Test
from app.core.jobs import runs_once
from app.core.timeutil import utcnow
from app.extensions import db

assessments_cli = AppGroup("assessments", help="Assessment tests.")


@assessments_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Import a test file in the bank format as a new published version; a bad file imports nothing."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        test = bank.import_test(bank.parse(text))
    except bank.BankError as error:
        db.session.rollback()
        with force_locale("en"):  # operators read the command's messages in English
            for message in error.errors:
                click.echo(str(message), err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"Imported {test.slug} version {test.version} ({len(test.items)} items)")


@assessments_cli.command("close-overdue")
@runs_once("assessments-close-overdue")
def close_overdue_command() -> None:
    """Submit, with what was saved, every attempt whose deadline has passed."""
    overdue = db.session.scalars(
        select(Attempt).where(Attempt.submitted_dt.is_(None), Attempt.deadline_dt <= utcnow())
    ).all()
    closed = sum(1 for attempt in overdue if services.close_if_due(attempt))
    db.session.commit()
    click.echo(f"{closed} attempt(s) submitted at their deadline")


@assessments_cli.command("export")
@click.argument("slug")
def export_command(slug: str) -> None:
    """Print the latest version of a test in the bank format (an import of it makes an identical version)."""
    import json

    test = db.session.scalar(select(Test).where(Test.slug == slug).order_by(Test.version.desc()).limit(1))
    if test is None:
        raise click.ClickException(f"no test named {slug!r}")
    click.echo(json.dumps(bank.export_test(test), ensure_ascii=False, indent=2))
