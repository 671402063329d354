"""Account erasure, carried out from the personal-data registry.

The account is suspended and every session ends at once; then each registry entry's erase() runs in its
own savepoint (deleting rows and stored files, or anonymising what must stay in aggregates), and the
account row goes last. A step that fails leaves the job FAILED, visible to admins, and the account
suspended; `retry_erasure` runs the steps not done yet. Nothing is reported done before every step is.
Entries under a legal hold (privacy.holds) wait, with the account, until the hold is lifted (job HELD).
The member is told by e-mail when it is done, or what is kept and why; after the commit, the caller calls
`wipe_freed_pages` so that no copy of the erased rows stays in SQLite's write-ahead log.
"""

import logging

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import EndReason, User
from app.auth.services import end_other_sessions
from app.core import registry, secure_delete
from app.core.mail import absolute_url, queue_email
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy import holds
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
    """Run every step not done yet; returns whether the erasure is complete.

    Entries under a legal hold are left for later (their step is "held") together with the account row that
    links them, and the job waits as HELD; lifting the hold runs the job again.
    """
    job.attempts += 1
    job.last_attempt_dt = utcnow()
    user = db.session.get(User, job.user_id) if job.user_id else None
    steps = {key: dict(value) for key, value in (job.steps or {}).items()}
    was_held = job.status == RunStatus.HELD.value
    if user is not None:
        held = holds.held_keys(user)
        for entry in registry.entries():
            if entry.erase is None or steps.get(entry.key, {}).get("status") == RunStatus.DONE.value:
                continue
            if entry.key in held:
                steps[entry.key] = {
                    "status": RunStatus.HELD.value,
                    "attempts": steps.get(entry.key, {}).get("attempts", 0),
                }
                continue
            steps[entry.key] = _run_step(job, entry.key, lambda erase=entry.erase: erase(user), steps.get(entry.key))
        if held and not _failed(steps):
            if holds.ACCOUNT_ENTRY not in held and steps.get(ACCOUNT_DETAILS_STEP, {}).get("status") != "done":
                previous = steps.get(ACCOUNT_DETAILS_STEP)
                steps[ACCOUNT_DETAILS_STEP] = _run_step(
                    job, ACCOUNT_DETAILS_STEP, lambda: _reduce_account(user), previous
                )
            job.steps = steps
            if not _failed(steps):
                job.status = RunStatus.HELD.value
                if not was_held and job.requested_by != "retention":
                    _tell_member(user.email, user.locale, job, held_for=user)
                return False
        elif not _failed(steps):
            address, locale = user.email, user.locale
            job.user_id = None
            steps[ACCOUNT_STEP] = _run_step(job, ACCOUNT_STEP, lambda: _delete_account(user), steps.get(ACCOUNT_STEP))
            if steps[ACCOUNT_STEP]["status"] != RunStatus.DONE.value:
                job.user_id = user.id
            elif job.requested_by != "retention":
                _tell_member(address, locale, job)
    job.steps = steps
    if user is None or all(step["status"] == RunStatus.DONE.value for step in steps.values()):
        job.status = RunStatus.DONE.value
        job.completed_dt = utcnow()
        return True
    job.status = RunStatus.FAILED.value
    return False


def _failed(steps: dict) -> bool:
    return any(step["status"] == RunStatus.FAILED.value for step in steps.values())


#: While a hold keeps data, the account row stays to link it; this step clears what the link does not need.
ACCOUNT_DETAILS_STEP = "account_details"


def _reduce_account(user: User) -> int:
    """Keep only the name and e-mail address on an account kept for a legal hold: they link the held data to
    the member and let us tell her when it is erased."""
    user.phone = None
    user.phone_verified_dt = None
    user.username = None
    user.company = None
    user.totp_secret_encrypted = None
    user.totp_enabled_dt = None
    db.session.flush()
    return 1


def _tell_member(address: str | None, locale: str, job: ErasureJob, held_for: User | None = None) -> None:
    """The erasure confirmation, in her language: done, or (`held_for` her kept account) what legal holds keep,
    why and until when. It names her, so it is deleted from the outbox once delivered."""
    if not address:
        return
    locale = locale if locale in ("fr", "en") else "fr"
    with force_locale(locale):
        kept = holds.member_view(held_for) if held_for is not None else []
    queue_email(
        to=address,
        template="privacy/email/erasure",
        locale=locale,
        subject=_l("Your data is kept under a legal hold") if kept else _l("Your account is closed"),
        kept=kept,
        erase_after_sending=True,
        link=absolute_url("privacy.erasure_status", lang_code=locale, public_id=job.public_id),
    )


def wipe_freed_pages() -> None:
    """After an erasure is committed: no copy of the erased rows may stay in SQLite's write-ahead log."""
    secure_delete.wipe_freed_pages()


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
    """Erasures to retry (those waiting for a legal hold are on the holds page)."""
    return list(
        db.session.scalars(
            select(ErasureJob)
            .where(ErasureJob.status.in_([RunStatus.FAILED.value, RunStatus.RUNNING.value]))
            .order_by(ErasureJob.requested_dt)
        )
    )


def held_erasure(user_id: int) -> ErasureJob | None:
    """The member's erasure waiting for a legal hold to end, if she asked for one."""
    return db.session.scalar(
        select(ErasureJob).where(ErasureJob.user_id == user_id, ErasureJob.status == RunStatus.HELD.value)
    )


def held_jobs() -> list[ErasureJob]:
    """Erasures waiting for a legal hold to end."""
    return list(db.session.scalars(select(ErasureJob).where(ErasureJob.status == RunStatus.HELD.value)))


def held_member(job: ErasureJob) -> User | None:
    """The account kept while the job waits for a legal hold (None once erased, or for any other status)."""
    if job.status != RunStatus.HELD.value or job.user_id is None:
        return None
    return db.session.get(User, job.user_id)
