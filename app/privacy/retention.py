"""Retention: `flask privacy purge [--dry-run]` deletes or anonymises what is past its period.

Legal holds past their last day are lifted (finishing the erasures they held back); unverified accounts
past UNVERIFIED_ACCOUNT_RETENTION are erased through the registry (like a member's own
erasure); then each registry entry's purge(now) applies its period (sign-in records after
LOGIN_RECORD_RETENTION, data made available to clients after 2 years...). Failed erasures are retried.
Running it twice in a row touches nothing the second time.
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.auth.models import User
from app.core import registry
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy import erasure, holds
from app.privacy.models import RunStatus

UNVERIFIED_ACCOUNTS = "unverified_accounts"
EXPIRED_HOLDS = "expired_legal_holds"


@dataclass
class PurgeReport:
    counts: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    retried: tuple[int, int] = (0, 0)
    #: Entries left alone because an active legal hold keeps them.
    held: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def unverified_accounts(now: datetime) -> list[User]:
    """Accounts whose e-mail address was never verified, created longer ago than the retention period."""
    limit = now - current_app.config["UNVERIFIED_ACCOUNT_RETENTION"]
    return list(
        db.session.scalars(
            select(User).where(User.email.is_not(None), User.email_verified_dt.is_(None), User.created_dt < limit)
        )
    )


def purge(now: datetime | None = None, *, dry_run: bool = False) -> PurgeReport:
    """Apply every retention period; flushes, the caller commits (or rolls back for a dry run).

    In a dry run, unverified accounts are only counted (their erasure would remove files), and each
    entry's purge runs in a transaction that the caller rolls back.
    """
    now = now or utcnow()
    report = PurgeReport()
    if dry_run:
        report.counts[EXPIRED_HOLDS] = holds.count_expired(now)
    else:
        # Holds past their last day end first, so that the erasures they held back finish in this run.
        report.counts[EXPIRED_HOLDS] = holds.lift_expired(now)
        report.retried = erasure.retry_failed_erasures()
    accounts = unverified_accounts(now)
    erased = 0
    for user in accounts:
        if dry_run:
            erased += 1
            continue
        job = erasure.start_erasure(user, requested_by="retention")
        if job.status == RunStatus.DONE.value:
            erased += 1
        else:
            report.failed[UNVERIFIED_ACCOUNTS] = "erasure failed"
    report.counts[UNVERIFIED_ACCOUNTS] = erased
    held = holds.keys_held_for_anyone()
    for entry in registry.entries():
        if entry.purge is None:
            continue
        if entry.key in held:
            report.held.append(entry.key)
            continue
        try:
            if dry_run:
                # No savepoint: on SQLite, releasing an outermost savepoint commits; the caller rolls back.
                report.counts[entry.key] = int(entry.purge(now) or 0)
            else:
                with db.session.begin_nested():
                    report.counts[entry.key] = int(entry.purge(now) or 0)
        except Exception as error:  # noqa: BLE001 (reported, and the next run tries again)
            report.failed[entry.key] = type(error).__name__
    return report
