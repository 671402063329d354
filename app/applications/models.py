"""Applications for a role that a member cannot give herself: interviewer or client."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import Role, User
from app.core.columns import PublicIdMixin, one_of
from app.core.enums import LabelledEnum, label_property
from app.core.timeutil import utcnow
from app.extensions import db

#: The roles one applies for; the others are given by an organisation (sponsor) or an operator (admin, author).
APPLICABLE_ROLES = (Role.INTERVIEWER, Role.CLIENT)


class ApplicationStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting for review")
    ACCEPTED = "accepted", _l("Accepted")
    REFUSED = "refused", _l("Refused")


class RoleApplication(PublicIdMixin, db.Model):
    __tablename__ = "role_application"
    __table_args__ = (
        one_of("role", APPLICABLE_ROLES),
        one_of("status", ApplicationStatus),
        Index("ix_role_application_user_role", "user_id", "role"),
        Index("ix_role_application_status_created", "status", "created_dt"),  # the admins' queue
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ApplicationStatus.PENDING.value)
    #: An interviewer's experience, in her words; becomes her profile's "About you" when accepted.
    experience: Mapped[str] = mapped_column(Text, default="")
    #: Codes from app.profiles.choices, copied to the interviewer profile when accepted.
    sectors: Mapped[list] = mapped_column(JSON, default=list)
    company_types: Mapped[list] = mapped_column(JSON, default=list)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    #: A client's organisation, its website, and why it wants to assess candidates.
    organisation: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    motivation: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    decided_dt: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    #: Why it was refused, sent to the applicant.
    refusal_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    role_label = label_property("role", Role)
    status_label = label_property("status", ApplicationStatus)
