"""Legal holds: an admin keeps part of a member's data for a legal claim or an authority's request.

A hold names registry entries (its scope), a reason the member reads, and a last day. While it is active,
erasure erases everything else, keeps the held entries and the account that links them, and tells the member
what is kept, why and until when; lifting the hold (an admin, or the purge once the day has passed) finishes
the erasure. Placing and lifting are written to the audit log.
"""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.core import registry
from app.core.audit import EventKind, record_event
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import HoldLift, LegalHold
from app.privacy.services import PrivacyError

#: The hold's own record: kept while a hold is active, whatever its scope.
HOLDS_ENTRY = "legal_holds"
#: The account row always stays while something is held (the held data refers to it), reduced to the name
#: and e-mail address unless this entry itself is held.
ACCOUNT_ENTRY = "account"


def holdable_entries() -> list[registry.PersonalDataEntry]:
    """The registry entries a hold can keep."""
    return [entry for entry in registry.entries() if entry.key != HOLDS_ENTRY]


def active_holds(user: User) -> list[LegalHold]:
    return list(
        db.session.scalars(
            select(LegalHold)
            .where(LegalHold.user_id == user.id, LegalHold.lifted_dt.is_(None))
            .order_by(LegalHold.until_date, LegalHold.id)
        )
    )


def held_keys(user: User) -> set[str]:
    """The registry entries that erasure must keep now (empty when nothing is held)."""
    holds = active_holds(user)
    if not holds:
        return set()
    return {key for hold in holds for key in hold.scope} | {HOLDS_ENTRY}


def keys_held_for_anyone() -> set[str]:
    """The registry entries some active hold keeps: the retention purge leaves them alone meanwhile (entries
    purge in bulk, by date; holding back one category for a while is safer than deleting what a claim needs)."""
    scopes = db.session.scalars(select(LegalHold.scope).where(LegalHold.lifted_dt.is_(None)))
    return {key for scope in scopes for key in scope}


def scope_categories(hold: LegalHold) -> list[str]:
    """The categories a hold keeps, as the member reads them (in the current language)."""
    return [str(entry.category) for key in hold.scope if (entry := registry.find(key)) is not None]


def find_hold(public_id: str) -> LegalHold | None:
    return db.session.scalar(select(LegalHold).where(LegalHold.public_id == public_id))


def find_member(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def place_hold(member: User | None, *, reason: str, scope: list[str], until: date | None, admin: User) -> LegalHold:
    """Keep `scope` of the member's data until `until`; recorded in the audit log."""
    if member is None:
        raise PrivacyError(_l("No member has this e-mail address."), field="email")
    known = {entry.key for entry in holdable_entries()}
    chosen = [key for key in dict.fromkeys(scope or []) if key in known]
    if not chosen:
        raise PrivacyError(_l("Choose at least one kind of data to keep."), field="scope")
    if until is None or until <= utcnow().date():
        raise PrivacyError(_l("Choose a day after today."), field="until_date")
    reason = (reason or "").strip()
    if not reason:
        raise PrivacyError(_l("This field is required."), field="reason")
    hold = LegalHold(user_id=member.id, reason=reason, scope=chosen, until_date=until, placed_by_id=admin.id)
    db.session.add(hold)
    db.session.flush()
    record_event(
        EventKind.LEGAL_HOLD_PLACED,
        user_id=member.id,
        actor_id=admin.id,
        hold=hold.public_id,
        scope=",".join(chosen),
        until=until.isoformat(),
    )
    return hold


def lift_hold(hold: LegalHold, *, admin: User | None = None, now: datetime | None = None) -> bool:
    """End the hold (by an admin, or because its day has passed), then finish the member's erasure if she asked
    for one; returns whether that erasure is now complete (False when none was waiting)."""
    from app.privacy import erasure  # erasure imports this module

    if not hold.is_active:
        return False
    hold.lifted_dt = now or utcnow()
    hold.lifted_by_id = admin.id if admin is not None else None
    hold.lifted_reason = (HoldLift.ADMIN if admin is not None else HoldLift.EXPIRED).value
    record_event(
        EventKind.LEGAL_HOLD_LIFTED,
        user_id=hold.user_id,
        actor_id=admin.id if admin is not None else None,
        hold=hold.public_id,
        why=hold.lifted_reason,
    )
    db.session.flush()
    job = erasure.held_erasure(hold.user_id)
    return erasure.run_erasure(job) if job is not None else False


def _expired(now: datetime):
    return select(LegalHold).where(LegalHold.lifted_dt.is_(None), LegalHold.until_date < now.date())


def count_expired(now: datetime) -> int:
    """How many holds the next purge lifts (its dry run)."""
    return len(list(db.session.scalars(_expired(now))))


def lift_expired(now: datetime | None = None) -> int:
    """Lift every hold whose last day has passed (the purge runs this); returns how many."""
    now = now or utcnow()
    expired = list(db.session.scalars(_expired(now)))
    for hold in expired:
        lift_hold(hold, now=now)
    return len(expired)


def all_holds(*, active: bool) -> list[LegalHold]:
    """For the admins' page and the records of processing: active holds by last day, or lifted ones newest first."""
    query = select(LegalHold)
    if active:
        query = query.where(LegalHold.lifted_dt.is_(None)).order_by(LegalHold.until_date, LegalHold.id)
    else:
        query = query.where(LegalHold.lifted_dt.is_not(None)).order_by(LegalHold.lifted_dt.desc()).limit(50)
    return list(db.session.scalars(query))


def member_view(user: User) -> list[dict]:
    """What the member reads about her active holds: [{categories, reason, until}]."""
    return [
        {"categories": scope_categories(hold), "reason": hold.reason, "until": hold.until_date}
        for hold in active_holds(user)
    ]
