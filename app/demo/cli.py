"""`flask demo load` (a few members of every role, to click through the portal) and `flask demo scale`
(volume data for benchmarks)."""

import time as clock

import click
from flask.cli import AppGroup

from app.assessments.bank import load_bank
from app.auth import services as auth_services
from app.demo.loader import (
    DEMO_MEMBERS,
    DEMO_PASSWORD,
    DEMO_STUDENTS,
    load_demo_assignments,
    load_demo_history,
    load_demo_interviewer_profiles,
    load_demo_members,
)
from app.demo.scale import Volume, generate
from app.extensions import db

demo_cli = AppGroup("demo", help="Demonstration data.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Load only into a database that has no member yet (make run).")
def load_command(if_empty: bool) -> None:
    """Create demo members of every role and a history that shows every feature (password: tulip-harbour-47)."""
    if if_empty and auth_services.count_users() > 0:
        click.echo("The database already has members: demo data not loaded.")
        return
    started = clock.monotonic()
    created = load_demo_members()
    db.session.flush()
    load_demo_interviewer_profiles()
    load_bank()
    db.session.flush()
    if created == len(DEMO_MEMBERS) + len(DEMO_STUDENTS):  # a first load: the history goes with the members
        load_demo_assignments()
        load_demo_history()
    db.session.commit()
    click.echo(
        f"{created} demo member(s) created in {clock.monotonic() - started:.1f} s. "
        f"Password for every demo account: {DEMO_PASSWORD}"
    )


@demo_cli.command("scale")
@click.option("--members", default=2000, show_default=True, help="Accounts of every role.")
@click.option("--interviewers", default=100, show_default=True)
@click.option("--simulations", default=400, show_default=True, help="Interview requests.")
@click.option("--answers", default=20000, show_default=True, help="Test answers (about 22 per attempt).")
@click.option("--bench-candidates", default=20, show_default=True, help="Known candidates the benchmark uses.")
@click.option("--seed", default=8, show_default=True)
def scale_command(members, interviewers, simulations, answers, bench_candidates, seed) -> None:
    """Volume data for benchmarks: realistic bilingual members, simulations, tests and answers."""
    started = clock.monotonic()
    volume = Volume(members, interviewers, simulations, answers, bench_candidates, seed)
    counts = generate(volume, echo=click.echo)
    for table, count in sorted(counts.items()):
        click.echo(f"{table}: {count}")
    click.echo(f"Done in {clock.monotonic() - started:.0f} s. Password for every account: {DEMO_PASSWORD}")
