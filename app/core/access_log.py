"""Who looked at a member's data: every view of another member's profile, CV or photo writes an entry.

The owner sees these entries on the privacy dashboard; features call `record_access` from their views.
"""

from collections.abc import Callable
from datetime import datetime

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import IdMixin
from app.core.enums import LabelledEnum
from app.core.timeutil import utcnow
from app.extensions import db


class AccessedData(LabelledEnum):
    PROFILE = "profile", _l("your profile")
    CV = "cv", _l("your CV")
    PHOTO = "photo", _l("your photo")
    TEST_RESULT = "test_result", _l("your test result")


class AccessReason(LabelledEnum):
    INTERVIEW_REQUEST = "interview_request", _l("an interviewer preparing or running your mock interview")
    CLIENT_ASSIGNMENT = "client_assignment", _l("an employer that assigned you a test")
    ADMIN_REVIEW = "admin_review", _l("a Caseinjob administrator")
    RESULTS_SEARCH = "results_search", _l("an employer that found you by your test results, with your consent")


class AccessLogEntry(IdMixin, db.Model):
    __tablename__ = "access_log_entry"
    __table_args__ = (Index("ix_access_log_entry_owner_dt", "owner_id", "created_dt"),)

    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: Whose data was seen.
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: Who saw it; kept as a name too, so the entry still says who after that member leaves.
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    viewer_name: Mapped[str] = mapped_column(String(210))
    what: Mapped[str] = mapped_column(String(20))
    why: Mapped[str] = mapped_column(String(30))


#: Checks that may refuse a view, asked by every record_access: each answers (owner id, reason) -> allowed.
#: Privacy registers the one that enforces restriction and erasure (core knows no feature).
DisclosureCheck = Callable[[int, AccessReason], bool]
_disclosure_checks: list[DisclosureCheck] = []


def register_disclosure_check(check: DisclosureCheck) -> DisclosureCheck:
    if check not in _disclosure_checks:
        _disclosure_checks.append(check)
    return check


def may_access(owner_id: int, why: AccessReason) -> bool:
    """Whether someone may see the owner's data for this reason now (every registered check agrees)."""
    return all(check(owner_id, why) for check in _disclosure_checks)


def record_access(*, owner_id: int, viewer, what: AccessedData, why: AccessReason) -> AccessLogEntry:
    """Note that `viewer` saw `what` of the owner's data, and why (nothing is noted for the owner).

    Every page that shows another member's data calls this before showing it: a view the owner's choices
    forbid (restriction, erasure) stops here with a 404, whatever route it came from.
    """
    if not may_access(owner_id, why):
        abort(404)
    entry = AccessLogEntry(
        owner_id=owner_id, viewer_id=viewer.id, viewer_name=viewer.full_name, what=what.value, why=why.value
    )
    db.session.add(entry)
    return entry
