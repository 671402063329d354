"""Periodic jobs that cron may start on every node at the same moment: one of them does the work.

A job takes a lease (a row in `job_lease`, named after the job) before it starts, and gives it back when it
ends. A second node that starts the same job meanwhile finds the lease taken, says by whom and since when,
and does nothing. A node that died holding a lease loses it when the lease expires. A row with a primary
key works the same on SQLite and PostgreSQL, and outlives a connection (an advisory lock would not).
"""

import functools
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from sqlalchemy import String, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.core.timeutil import utcnow
from app.extensions import db


class JobLease(db.Model):
    """Who runs a periodic job now; not personal data (a node name and dates)."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    #: "host:pid" of the process that runs the job.
    holder: Mapped[str] = mapped_column(String(120))
    started_dt: Mapped[datetime]
    #: After this, the lease is free again even if its holder never gave it back (it crashed).
    expires_dt: Mapped[datetime]


@dataclass(frozen=True)
class Busy:
    holder: str
    started_dt: datetime


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def take_lease(name: str, duration: timedelta, holder: str | None = None) -> Busy | None:
    """Take the job's lease for `duration`; None when taken, else who holds it."""
    holder = holder or this_process()
    now = utcnow()
    values = {"holder": holder, "started_dt": now, "expires_dt": now + duration}
    try:
        db.session.execute(insert(JobLease).values(name=name, **values))
        db.session.commit()
        return None
    except IntegrityError:
        db.session.rollback()
    taken = db.session.execute(
        update(JobLease).where(JobLease.name == name, JobLease.expires_dt <= now).values(**values)
    ).rowcount
    db.session.commit()
    if taken == 1:
        return None
    current = db.session.execute(select(JobLease.holder, JobLease.started_dt).where(JobLease.name == name)).one()
    return Busy(current.holder, current.started_dt)


def give_back(name: str, holder: str | None = None) -> None:
    db.session.rollback()  # whatever the job left unfinished is not ours to commit
    db.session.execute(
        update(JobLease)
        .where(JobLease.name == name, JobLease.holder == (holder or this_process()))
        .values(expires_dt=utcnow())
    )
    db.session.commit()


def runs_once(name: str, lease: timedelta = timedelta(hours=2)):
    """Decorate a click command so that only one node at a time runs it; the others say so and stop."""

    def decorator(command):
        @functools.wraps(command)
        def wrapper(*args, **kwargs):
            busy = take_lease(name, lease)
            if busy is not None:
                since = busy.started_dt.strftime("%Y-%m-%d %H:%M:%S UTC")
                click.echo(f"{name}: already running on {busy.holder} since {since}; nothing done here")
                return None
            try:
                return command(*args, **kwargs)
            finally:
                give_back(name)

        return wrapper

    return decorator
