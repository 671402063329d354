"""Sponsors: organisations (schools, employers), their admins, cohorts, invitations, enrolments, the data
they provide about their members, the allowance their seats pay for, and correction requests."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.columns import PublicIdMixin, one_of
from app.core.enums import LabelledEnum, label_property
from app.core.timeutil import utcnow
from app.extensions import db

#: The languages of invitations and of an organisation's default (a schema check lists them).
LOCALES = ("fr", "en")


class OrganisationKind(LabelledEnum):
    SCHOOL = "school", _l("School")
    EMPLOYER = "employer", _l("Employer")


class UsageKind(LabelledEnum):
    """The work a seat pays for."""

    SIMULATION = "simulation", _l("Interview simulations")
    PRACTICE_TEST = "practice_test", _l("Practice tests")


class Organisation(PublicIdMixin, db.Model):
    """A school or an employer that buys the service for its students, staff or alumni."""

    __tablename__ = "sponsor_organisation"
    __table_args__ = (
        one_of("kind", OrganisationKind),
        CheckConstraint("seats >= 0", name="seats_not_negative"),
        one_of("default_locale", LOCALES, name="known_locale"),
        CheckConstraint("simulation_allowance IS NULL OR simulation_allowance >= 0", name="simulations_not_negative"),
        CheckConstraint(
            "practice_test_allowance IS NULL OR practice_test_allowance >= 0", name="practice_tests_not_negative"
        ),
    )

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    #: The language of invitations when neither the import nor the invitee's account says otherwise.
    default_locale: Mapped[str] = mapped_column(String(5), default="fr")
    #: How many members may be enrolled at once; a seat is taken when an invitation is accepted.
    seats: Mapped[int] = mapped_column(default=0)
    #: Interview simulations the sponsor pays for, in all (None: no limit).
    simulation_allowance: Mapped[int | None]
    #: Practice tests the sponsor pays for, in all (None: no limit).
    practice_test_allowance: Mapped[int | None]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)

    kind_label = label_property("kind", OrganisationKind)

    @property
    def is_school(self) -> bool:
        return self.kind == OrganisationKind.SCHOOL.value

    def allowance(self, kind: UsageKind) -> int | None:
        return self.simulation_allowance if kind == UsageKind.SIMULATION else self.practice_test_allowance


class SponsorAdmin(PublicIdMixin, db.Model):
    """A member who manages an organisation's seats, enrolments and figures."""

    __tablename__ = "sponsor_admin"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id", name="uq_sponsor_admin_organisation_user"),)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("sponsor_organisation.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    added_dt: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Cohort(PublicIdMixin, db.Model):
    """A class, a year or a department within an organisation."""

    __tablename__ = "sponsor_cohort"
    __table_args__ = (UniqueConstraint("organisation_id", "name", name="uq_sponsor_cohort_organisation_name"),)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("sponsor_organisation.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class InvitationRole(enum.StrEnum):
    MEMBER = "member"
    ADMIN = "admin"


class Invitation(PublicIdMixin, db.Model):
    """An invitation to join an organisation, as a member or as one of its admins.

    The sponsor-provided data travels with it until acceptance, when it moves to the enrolment and the
    invitation is deleted (revoking deletes it too). The link carries a random token; only its hash is stored.
    """

    __tablename__ = "sponsor_invitation"
    __table_args__ = (
        one_of("role", InvitationRole),
        one_of("locale", LOCALES),
        Index("ix_sponsor_invitation_organisation_role", "organisation_id", "role"),
        Index("ix_sponsor_invitation_email", "email"),
    )

    organisation_id: Mapped[int] = mapped_column(ForeignKey("sponsor_organisation.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10), default=InvitationRole.MEMBER.value)
    #: Lower-cased, as app.auth.services.normalise_email returns it.
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    #: The language of the invitation e-mail and of the page it opens.
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("sponsor_cohort.id", ondelete="SET NULL"))
    #: School: the grade or year of study.
    grade: Mapped[str] = mapped_column(String(100), default="")
    #: Employer: the level of hierarchy, and an optional recommendation.
    hierarchy_level: Mapped[str] = mapped_column(String(100), default="")
    recommendation: Mapped[str] = mapped_column(Text, default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    expires_dt: Mapped[datetime]
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)

    organisation: Mapped[Organisation] = relationship()
    cohort: Mapped[Cohort | None] = relationship()

    @property
    def is_admin_invitation(self) -> bool:
        return self.role == InvitationRole.ADMIN.value

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_dt


class EndReason(LabelledEnum):
    LEFT = "left", _l("You left")
    REMOVED = "removed", _l("Ended by the organisation")


class Enrolment(PublicIdMixin, db.Model):
    """A member sponsored by an organisation, with the data the organisation provided about them.

    An active enrolment (ended_dt is null) takes a seat. The provided data is kept until the enrolment ends,
    plus SPONSOR_DATA_RETENTION (one year by default), then deleted.
    """

    __tablename__ = "sponsor_enrolment"
    __table_args__ = (
        UniqueConstraint("organisation_id", "user_id", name="uq_sponsor_enrolment_organisation_user"),
        one_of("end_reason", EndReason, nullable=True),
        Index("ix_sponsor_enrolment_organisation_ended", "organisation_id", "ended_dt"),
    )

    organisation_id: Mapped[int] = mapped_column(ForeignKey("sponsor_organisation.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("sponsor_cohort.id", ondelete="SET NULL"))
    #: The names the organisation gave (the member's account keeps their own).
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    grade: Mapped[str] = mapped_column(String(100), default="")
    hierarchy_level: Mapped[str] = mapped_column(String(100), default="")
    recommendation: Mapped[str] = mapped_column(Text, default="")
    #: When the organisation provided the data, and when it last corrected it.
    provided_dt: Mapped[datetime] = mapped_column(default=utcnow)
    updated_dt: Mapped[datetime | None]
    started_dt: Mapped[datetime] = mapped_column(default=utcnow)
    ended_dt: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(10))

    organisation: Mapped[Organisation] = relationship()
    cohort: Mapped[Cohort | None] = relationship()
    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.ended_dt is None

    @property
    def end_reason_label(self) -> str:
        return EndReason(self.end_reason).label if self.end_reason else ""


class Usage(PublicIdMixin, db.Model):
    """One piece of work (a simulation request, a practice test) paid for by a sponsor's allowance.

    When the member's data is erased or its retention ends, the row stays without the member, so the
    sponsor's consumption stays right.
    """

    __tablename__ = "sponsor_usage"
    __table_args__ = (
        one_of("kind", UsageKind),
        Index("ix_sponsor_usage_organisation_kind", "organisation_id", "kind"),
    )

    organisation_id: Mapped[int] = mapped_column(ForeignKey("sponsor_organisation.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("sponsor_enrolment.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    @property
    def organisation_name(self) -> str:
        """The paying organisation's name (simulations keep it on the request)."""
        return self.organisation.name


class ImportBatch(PublicIdMixin, db.Model):
    """A checked CSV file waiting for the admin's go-ahead; deleted once imported, or after a day."""

    __tablename__ = "sponsor_import"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("sponsor_organisation.id", ondelete="CASCADE"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    row_count: Mapped[int] = mapped_column(default=0)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class CorrectionStatus(LabelledEnum):
    OPEN = "open", _l("Open")
    DONE = "done", _l("Corrected")
    REFUSED = "refused", _l("Refused, with reasons")


class CorrectionRequest(PublicIdMixin, db.Model):
    """A member asks the organisation to correct the data it provided; the privacy queue has it too."""

    __tablename__ = "sponsor_correction_request"
    __table_args__ = (one_of("status", CorrectionStatus),)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("sponsor_organisation.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("sponsor_enrolment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    privacy_request_id: Mapped[int | None] = mapped_column(ForeignKey("privacy_request.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=CorrectionStatus.OPEN.value)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_dt: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    #: What the correction changed, told to the member: [{"field": "grade", "old": "L3", "new": "M1"}].
    changes: Mapped[list] = mapped_column(JSON, default=list)
    #: Why the organisation (or our data-protection contact) did not make the correction.
    refusal_reason: Mapped[str] = mapped_column(Text, default="")

    enrolment: Mapped[Enrolment] = relationship()

    status_label = label_property("status", CorrectionStatus)

    @property
    def is_open(self) -> bool:
        return self.status == CorrectionStatus.OPEN.value
