"""Candidate and interviewer profiles, their entries, and the files members upload (photo, CV)."""

import enum
from datetime import datetime, time

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.columns import IdMixin, PublicIdMixin
from app.core.timeutil import utcnow
from app.extensions import db
from app.profiles.choices import Section, Visibility


def _user_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)


class CandidateProfile(IdMixin, db.Model):
    """One per candidate: headline, skills and goals, and who may see each section."""

    __tablename__ = "candidate_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    headline: Mapped[str] = mapped_column(String(160), default="")
    #: Free-text skills, in the member's words, in the order given.
    skills: Mapped[list] = mapped_column(JSON, default=list)
    target_sectors: Mapped[list] = mapped_column(JSON, default=list)
    target_company_types: Mapped[list] = mapped_column(JSON, default=list)
    target_roles: Mapped[list] = mapped_column(JSON, default=list)
    #: {section: visibility}; a missing section is visible to the member's interviewers and clients.
    visibility: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def visibility_of(self, section: Section) -> Visibility:
        return Visibility(self.visibility.get(section.value, Visibility.CONNECTIONS.value))

    def is_shared(self, section: Section) -> bool:
        return self.visibility_of(section) == Visibility.CONNECTIONS


class EducationEntry(PublicIdMixin, db.Model):
    __tablename__ = "education_entry"
    __table_args__ = (CheckConstraint("end_year IS NULL OR end_year >= start_year", name="years_in_order"),)

    user_id: Mapped[int] = _user_fk()
    position: Mapped[int] = mapped_column(default=0)
    school: Mapped[str] = mapped_column(String(160))
    degree: Mapped[str] = mapped_column(String(160))
    field: Mapped[str] = mapped_column(String(160), default="")
    start_year: Mapped[int]
    end_year: Mapped[int | None]
    grade: Mapped[str] = mapped_column(String(120), default="")


class ExperienceEntry(PublicIdMixin, db.Model):
    __tablename__ = "experience_entry"

    user_id: Mapped[int] = _user_fk()
    position: Mapped[int] = mapped_column(default=0)
    employer: Mapped[str] = mapped_column(String(160))
    title: Mapped[str] = mapped_column(String(160))
    #: First day of the start and end months; no end means "until now".
    start_month: Mapped[datetime]
    end_month: Mapped[datetime | None]
    description: Mapped[str] = mapped_column(Text, default="")


class SpokenLanguage(PublicIdMixin, db.Model):
    __tablename__ = "spoken_language"
    __table_args__ = (UniqueConstraint("user_id", "language", name="uq_spoken_language_user_language"),)

    user_id: Mapped[int] = _user_fk()
    language: Mapped[str] = mapped_column(String(5))
    level: Mapped[str] = mapped_column(String(10))


class InterviewerProfile(IdMixin, db.Model):
    """What an interviewer offers; matching reads it."""

    __tablename__ = "interviewer_profile"
    __table_args__ = (CheckConstraint("weekly_capacity BETWEEN 0 AND 40", name="capacity_range"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    current_employer: Mapped[str] = mapped_column(String(160), default="")
    former_employers: Mapped[list] = mapped_column(JSON, default=list)
    sectors: Mapped[list] = mapped_column(JSON, default=list)
    company_types: Mapped[list] = mapped_column(JSON, default=list)
    interview_types: Mapped[list] = mapped_column(JSON, default=list)
    modes: Mapped[list] = mapped_column(JSON, default=list)
    #: Where face-to-face sessions take place (required when that mode is offered).
    city: Mapped[str] = mapped_column(String(120), default="")
    languages: Mapped[list] = mapped_column(JSON, default=list)
    weekly_capacity: Mapped[int] = mapped_column(default=2)
    is_accepting: Mapped[bool] = mapped_column(default=False, index=True)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AvailabilitySlot(PublicIdMixin, db.Model):
    """A weekly window, in the interviewer's own time zone (their account's)."""

    __tablename__ = "availability_slot"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="times_in_order"),
    )

    user_id: Mapped[int] = _user_fk()
    weekday: Mapped[int]  # 0 = Monday
    start_time: Mapped[time]
    end_time: Mapped[time]


class FileKind(enum.StrEnum):
    PHOTO = "photo"
    CV = "cv"


class UploadedFile(PublicIdMixin, db.Model):
    """A photo or CV; its bytes live encrypted in storage under `storage_name`."""

    __tablename__ = "uploaded_file"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_uploaded_file_user_kind"),)

    user_id: Mapped[int] = _user_fk()
    kind: Mapped[str] = mapped_column(String(10))
    storage_name: Mapped[str] = mapped_column(String(32), unique=True)
    #: The name the member's file had, shown as a label only, never used as a path.
    label: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    uploaded_dt: Mapped[datetime] = mapped_column(default=utcnow)
