"""Account erasure, carried out from the personal-data registry.

The account is suspended and every session ends at once; then each registry entry's erase() runs in its
own savepoint (deleting rows and stored files, or anonymising what must stay in aggregates), and the
account row goes last. A step that fails leaves the job FAILED, visible to admins, and the account
suspended; `retry_erasure` runs the steps not done yet. Nothing is reported done before every step is.
"""

import logging

from sqlalchemy import select

from app.auth.models import EndReason, User
from app.auth.services import end_other_sessions
from app.core import registry
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import ErasureJob, RunStatus

logger = logging.getLogger("caseinjob.privacy")

#: The last step: the account row itself (the "account" registry entry has no erase of its own).
ACCOUNT_STEP = "account"


def start_erasure(user: User, requested_by: str = "member") -> ErasureJob:
    """Suspend the account, end every session, then erase; returns the job (DONE, or FAILED to be retried)."""
    now = utcnow()
    user.is_suspended = True
    user.suspended_reason = "erasure"
    user.suspended_dt = now
    end_other_sessions(user, EndReason.ERASED)
    job = ErasureJob(user_id=user.id, requested_by=requested_by, status=RunStatus.RUNNING.value, steps={})
    db.session.add(job)
    db.session.flush()
    run_erasure(job)
    return job


def run_erasure(job: ErasureJob) -> bool:
    """Run every step not done yet; returns whether the erasure is complete."""
    job.attempts += 1
    job.last_attempt_dt = utcnow()
    user = db.session.get(User, job.user_id) if job.user_id else None
    steps = {key: dict(value) for key, value in (job.steps or {}).items()}
    if user is not None:
        for entry in registry.entries():
            if entry.erase is None or steps.get(entry.key, {}).get("status") == RunStatus.DONE.value:
                continue
            steps[entry.key] = _run_step(job, entry.key, lambda erase=entry.erase: erase(user), steps.get(entry.key))
        if all(step["status"] == RunStatus.DONE.value for step in steps.values()):
            job.user_id = None
            steps[ACCOUNT_STEP] = _run_step(job, ACCOUNT_STEP, lambda: _delete_account(user), steps.get(ACCOUNT_STEP))
            if steps[ACCOUNT_STEP]["status"] != RunStatus.DONE.value:
                job.user_id = user.id
    job.steps = steps
    if user is None or all(step["status"] == RunStatus.DONE.value for step in steps.values()):
        job.status = RunStatus.DONE.value
        job.completed_dt = utcnow()
        return True
    job.status = RunStatus.FAILED.value
    return False


def _run_step(job: ErasureJob, key: str, action, previous: dict | None) -> dict:
    attempts = (previous or {}).get("attempts", 0) + 1
    try:
        with db.session.begin_nested():
            rows = action()
    except Exception as error:  # noqa: BLE001 (recorded as failed and retried; never reported done)
        logger.error("erasure %s: step %r failed (attempt %s): %r", job.public_id, key, attempts, error)
        return {"status": RunStatus.FAILED.value, "error": type(error).__name__, "attempts": attempts}
    return {"status": RunStatus.DONE.value, "rows": rows if isinstance(rows, int) else None, "attempts": attempts}


def _delete_account(user: User) -> int:
    db.session.delete(user)
    db.session.flush()
    return 1


def retry_failed_erasures() -> tuple[int, int]:
    """Run every failed erasure again; returns (completed, still failing)."""
    done = failing = 0
    for job in db.session.scalars(
        select(ErasureJob).where(ErasureJob.status.in_([RunStatus.FAILED.value, RunStatus.RUNNING.value]))
    ):
        if run_erasure(job):
            done += 1
        else:
            failing += 1
    return done, failing


def find_job(public_id: str) -> ErasureJob | None:
    return db.session.scalar(select(ErasureJob).where(ErasureJob.public_id == public_id))


def pending_erasure(user: User) -> ErasureJob | None:
    return db.session.scalar(
        select(ErasureJob).where(ErasureJob.user_id == user.id, ErasureJob.status != RunStatus.DONE.value)
    )


def failed_jobs() -> list[ErasureJob]:
    return list(
        db.session.scalars(
            select(ErasureJob).where(ErasureJob.status != RunStatus.DONE.value).order_by(ErasureJob.requested_dt)
        )
    )
