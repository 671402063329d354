"""Who looked at a member's data: every view of another member's profile, CV or photo writes an entry.

The owner sees these entries on the privacy dashboard; features call `record_access` from their views.
"""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.timeutil import utcnow
from app.extensions import db


class AccessedData(enum.StrEnum):
    PROFILE = "profile"
    CV = "cv"
    PHOTO = "photo"
    TEST_RESULT = "test_result"

    @property
    def label(self) -> str:
        return str(ACCESSED_LABELS[self])


class AccessReason(enum.StrEnum):
    INTERVIEW_REQUEST = "interview_request"
    CLIENT_ASSIGNMENT = "client_assignment"
    ADMIN_REVIEW = "admin_review"
    RESULTS_SEARCH = "results_search"

    @property
    def label(self) -> str:
        return str(REASON_LABELS[self])


ACCESSED_LABELS = {
    AccessedData.PROFILE: _l("your profile"),
    AccessedData.CV: _l("your CV"),
    AccessedData.PHOTO: _l("your photo"),
    AccessedData.TEST_RESULT: _l("your test result"),
}
REASON_LABELS = {
    AccessReason.INTERVIEW_REQUEST: _l("an interviewer preparing or running your mock interview"),
    AccessReason.CLIENT_ASSIGNMENT: _l("an employer that assigned you a test"),
    AccessReason.ADMIN_REVIEW: _l("a Caseinjob administrator"),
    AccessReason.RESULTS_SEARCH: _l("an employer that found you by your test results, with your consent"),
}


class AccessLogEntry(db.Model):
    __tablename__ = "access_log_entry"
    __table_args__ = (Index("ix_access_log_entry_owner_dt", "owner_id", "created_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: Whose data was seen.
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: Who saw it; kept as a name too, so the entry still says who after that member leaves.
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    viewer_name: Mapped[str] = mapped_column(String(210))
    what: Mapped[str] = mapped_column(String(20))
    why: Mapped[str] = mapped_column(String(30))


def record_access(*, owner_id: int, viewer, what: AccessedData, why: AccessReason) -> AccessLogEntry:
    """Note that `viewer` saw `what` of the owner's data, and why (nothing is noted for the owner)."""
    entry = AccessLogEntry(
        owner_id=owner_id, viewer_id=viewer.id, viewer_name=viewer.full_name, what=what.value, why=why.value
    )
    db.session.add(entry)
    return entry
