"""Matching results, computed once and shared by the web processes until something they depend on changes.

Ranking reads every interviewer who could take a request (thousands at volume) and scores each: far too
much for every view of the request page. The result is kept in the cache (`app.extensions.cache`) under a
key made of the request, a fingerprint of the candidate's profile, the interviewers it already invited, and a
*generation* that changes whenever a commit touches what matching reads of the interviewers: their profiles,
weekly slots, roles, interview sessions (the week's load), or a member's suspension, restriction or time zone.
`MATCHING_CACHE_SECONDS` bounds what no commit announces (changes made by bulk statements, the load window
moving with the clock).
"""

import time
from collections.abc import Callable

from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.auth.models import User, UserRole
from app.extensions import cache
from app.profiles.models import AvailabilitySlot, InterviewerProfile
from app.simulations.models import InterviewSession

GENERATION_KEY = "matching:generation"
#: Rows whose every change can change a ranking.
POOL_MODELS = (InterviewerProfile, AvailabilitySlot, UserRole, InterviewSession)
#: The member columns matching reads (a sign-in changes a member too, and must not empty the cache).
USER_COLUMNS = ("is_suspended", "is_processing_restricted", "timezone")
_CHANGED = "matching_pool_changed"


def cached(request_id: int, invited: set[int], compute: Callable[[], object], variant: str = "-") -> object:
    """The value `compute()` gave for this request and these invitations, unless the pool changed since.

    `variant` names the rest of what the value depends on (the candidate's profile, as a fingerprint): a new
    profile makes a new key, so that one candidate's edits leave every other ranking in the cache."""
    key = f"matching:{request_id}:{variant}:{generation()}:{','.join(map(str, sorted(invited)))}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=current_app.config["MATCHING_CACHE_SECONDS"])
    return value


def generation() -> int:
    return cache.get(GENERATION_KEY) or 0


def pool_changed() -> None:
    """Every cached ranking is stale from now on (the old entries expire on their own)."""
    # A new value, not an increment: two processes bumping at once must not both write the same number.
    cache.set(GENERATION_KEY, time.time_ns(), timeout=0)


def _touches_pool(session: Session) -> bool:
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, POOL_MODELS):
            return True
        if isinstance(instance, User):
            state = inspect(instance)
            if instance in session.new or instance in session.deleted:
                return True
            if any(state.attrs[name].history.has_changes() for name in USER_COLUMNS):
                return True
    return False


@event.listens_for(Session, "before_flush")
def _note_pool_changes(session: Session, flush_context, instances) -> None:
    if _touches_pool(session):
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _announce_pool_changes(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context():
        pool_changed()


@event.listens_for(Session, "after_soft_rollback")
def _forget_pool_changes(session: Session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_CHANGED, None)
