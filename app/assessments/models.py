"""Tests (versioned), sections and items with content per language, accommodations, assignments,
attempts, answers and results."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.columns import IdMixin, PublicIdMixin
from app.core.enums import LabelledEnum
from app.core.timeutil import utcnow
from app.extensions import db


class TestKind(LabelledEnum):
    APTITUDE = "aptitude", _l("Aptitude")
    PERSONALITY = "personality", _l("Personality")
    SKILLS = "skills", _l("Skills")


class ItemKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    NUMERIC = "numeric"
    AGREEMENT = "agreement"


class AssignmentStatus(LabelledEnum):
    ASSIGNED = "assigned", _l("Not started")
    STARTED = "started", _l("In progress")
    COMPLETED = "completed", _l("Completed")


def localised(texts: dict | None, lang: str) -> str:
    """The text of a content column in `lang`, falling back to the other language."""
    texts = texts or {}
    return texts.get(lang) or texts.get("en") or texts.get("fr") or ""


class Test(PublicIdMixin, db.Model):
    """One version of a test. A published version never changes: editing makes a new version (same slug)."""

    __tablename__ = "assessment_test"
    __test__ = False  # not a pytest test class, whatever its name
    __table_args__ = (
        UniqueConstraint("slug", "version", name="uq_assessment_test_slug_version"),
        CheckConstraint("time_limit_minutes > 0", name="positive_limit"),
    )

    #: What the versions of one test share.
    slug: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(20))
    #: {"fr": ..., "en": ...}: test content is data, not gettext messages.
    title: Mapped[dict] = mapped_column(JSON, default=dict)
    instructions: Mapped[dict] = mapped_column(JSON, default=dict)
    time_limit_minutes: Mapped[int] = mapped_column(default=20)
    #: Personality tests: {trait: {"fr": name, "en": name, "levels": {"low"|"medium"|"high": {"fr", "en"}}}}, the
    #: level descriptions being optional (bank/README.md).
    traits: Mapped[dict] = mapped_column(JSON, default=dict)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    published_dt: Mapped[datetime | None]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    sections: Mapped[list["Section"]] = relationship(
        back_populates="test", cascade="all, delete-orphan", order_by="Section.position"
    )
    items: Mapped[list["Item"]] = relationship(
        back_populates="test", cascade="all, delete-orphan", order_by="[Item.section_position, Item.position]"
    )

    @property
    def is_published(self) -> bool:
        return self.published_dt is not None


class Section(IdMixin, db.Model):
    __tablename__ = "assessment_section"

    test_id: Mapped[int] = mapped_column(ForeignKey("assessment_test.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[dict] = mapped_column(JSON, default=dict)

    test: Mapped[Test] = relationship(back_populates="sections")


class Item(PublicIdMixin, db.Model):
    __tablename__ = "assessment_item"
    __table_args__ = (CheckConstraint("tolerance >= 0", name="tolerance_not_negative"),)

    test_id: Mapped[int] = mapped_column(ForeignKey("assessment_test.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("assessment_section.id", ondelete="CASCADE"), index=True)
    #: Copies of the section's position, so that a test's items sort without a join.
    section_position: Mapped[int]
    position: Mapped[int]
    #: An ItemKind: the scoring registry knows how to score it.
    type: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[dict] = mapped_column(JSON, default=dict)
    #: [{"fr": ..., "en": ...}, ...] for choice items.
    options: Mapped[list] = mapped_column(JSON, default=list)
    #: The correct option indexes (choice items) or the expected number (numeric items).
    key: Mapped[list | float | None] = mapped_column(JSON)
    tolerance: Mapped[float] = mapped_column(default=0.0)
    points: Mapped[int] = mapped_column(default=1)
    #: Agreement items: the trait they measure, and whether agreeing means less of it.
    trait: Mapped[str | None] = mapped_column(String(40))
    is_reverse: Mapped[bool] = mapped_column(default=False)

    test: Mapped[Test] = relationship(back_populates="items")
    section: Mapped[Section] = relationship()


class AccommodationSetting(IdMixin, db.Model):
    """Extra time a candidate declared once (or an admin set); it applies to every timed test."""

    __tablename__ = "accommodation_setting"
    __table_args__ = (CheckConstraint("time_factor >= 1 AND time_factor <= 3", name="factor_range"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    time_factor: Mapped[float] = mapped_column(default=1.0)
    #: Private: never shown to clients, who see only that an accommodation applied.
    note: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Assignment(PublicIdMixin, db.Model):
    """A client asks a candidate (a member, or an e-mail invited to register) to take a test version."""

    __tablename__ = "assessment_assignment"
    __table_args__ = (
        # The client's list, newest first, in index order; with the last three columns, its count, its page of
        # ids and its tests are read from the index alone (the count checks each candidate's disclosure by her
        # id: without it in the index, 2,000 rows of the table read again). Also every other lookup by client_id.
        Index(
            "ix_assessment_assignment_client_created",
            "client_id",
            "created_dt",
            "id",
            "result_shared_dt",
            "test_id",
            "candidate_id",
        ),
    )

    client_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    test_id: Mapped[int] = mapped_column(ForeignKey("assessment_test.id", ondelete="RESTRICT"))
    due_dt: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default=AssignmentStatus.ASSIGNED.value)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the result was made available to the client: the client may see it for two years from then.
    result_shared_dt: Mapped[datetime | None] = mapped_column(index=True)

    test: Mapped[Test] = relationship()
    client: Mapped[User] = relationship(foreign_keys=[client_id])
    candidate: Mapped[User | None] = relationship(foreign_keys=[candidate_id])


class Attempt(PublicIdMixin, db.Model):
    """One sitting of a test version. The deadline is computed on the server when it starts."""

    __tablename__ = "assessment_attempt"
    __table_args__ = (
        CheckConstraint("deadline_dt > started_dt", name="deadline_after_start"),
        # The member's attempts, soonest deadline first (the home page's open practice tests). Without it SQLite,
        # which keeps no statistics, read the open practice attempts through the unique index on assignment_id
        # ("IS NULL" looks like one row to it): every member's, 30 ms on the benchmark's data.
        Index("ix_assessment_attempt_candidate_deadline", "candidate_id", "deadline_dt"),
    )

    candidate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    test_id: Mapped[int] = mapped_column(ForeignKey("assessment_test.id", ondelete="RESTRICT"), index=True)
    #: One attempt per assignment; practice attempts have none.
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_assignment.id", ondelete="SET NULL"), unique=True
    )
    started_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: started + limit × time_factor, fixed at the start.
    deadline_dt: Mapped[datetime]
    time_factor: Mapped[float] = mapped_column(default=1.0)
    #: The page the candidate is on (0-based), so that the attempt resumes there.
    page: Mapped[int] = mapped_column(default=0)
    submitted_dt: Mapped[datetime | None]
    #: True when the server submitted it at the deadline.
    is_timed_out: Mapped[bool] = mapped_column(default=False)

    test: Mapped[Test] = relationship()
    candidate: Mapped[User] = relationship()
    answers: Mapped[list["Answer"]] = relationship(back_populates="attempt", cascade="all, delete-orphan")
    gaps: Mapped[list["AutosaveGap"]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan", order_by="AutosaveGap.started_dt"
    )


class AutosaveGap(IdMixin, db.Model):
    """A stretch of time during which the candidate's answers could not be saved (offline, server unreachable).

    The page reports it once saving works again; the result page shows it to the candidate.
    """

    __tablename__ = "assessment_autosave_gap"
    __table_args__ = (CheckConstraint("ended_dt >= started_dt", name="gap_ends_after_start"),)

    attempt_id: Mapped[int] = mapped_column(ForeignKey("assessment_attempt.id", ondelete="CASCADE"), index=True)
    started_dt: Mapped[datetime]
    ended_dt: Mapped[datetime]
    #: How many answers waited in the browser during the gap.
    pending_answers: Mapped[int] = mapped_column(default=0)

    attempt: Mapped[Attempt] = relationship(back_populates="gaps")


class Answer(IdMixin, db.Model):
    __tablename__ = "assessment_answer"
    __table_args__ = (UniqueConstraint("attempt_id", "item_id", name="uq_assessment_answer_attempt_item"),)

    attempt_id: Mapped[int] = mapped_column(ForeignKey("assessment_attempt.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_item.id", ondelete="CASCADE"))
    #: An option index, a list of them, a number, or 1..5.
    value: Mapped[int | float | list | None] = mapped_column(JSON)
    saved_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: Seconds from the moment the item's page was shown to this answer, for the authors' median time.
    seconds: Mapped[float | None]

    attempt: Mapped[Attempt] = relationship(back_populates="answers")
    item: Mapped[Item] = relationship()


class Result(PublicIdMixin, db.Model):
    """The score of a submitted attempt. Erasure unlinks it from the attempt, so benchmarks keep their counts."""

    __tablename__ = "assessment_result"

    attempt_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_attempt.id", ondelete="SET NULL"), unique=True
    )
    test_id: Mapped[int] = mapped_column(ForeignKey("assessment_test.id", ondelete="RESTRICT"), index=True)
    raw_score: Mapped[float] = mapped_column(default=0.0)
    max_score: Mapped[float] = mapped_column(default=0.0)
    percentage: Mapped[float | None]
    #: {trait: mean keyed answer, 1..5}, personality tests only.
    trait_scores: Mapped[dict] = mapped_column(JSON, default=dict)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    attempt: Mapped[Attempt | None] = relationship()
    test: Mapped[Test] = relationship()


class TestFeedback(IdMixin, db.Model):
    """A candidate's rating (1 to 5) and optional comment on a test they took; authors see them aggregated."""

    __tablename__ = "assessment_feedback"
    __test__ = False  # not a pytest test class, whatever its name
    __table_args__ = (CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),)

    test_id: Mapped[int] = mapped_column(ForeignKey("assessment_test.id", ondelete="CASCADE"), index=True)
    #: One per attempt; erasure unlinks it (and blanks the comment) so that the averages keep their counts.
    attempt_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_attempt.id", ondelete="SET NULL"), unique=True
    )
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)


class ScoreContest(IdMixin, db.Model):
    """A candidate contests a score. It is a privacy request of kind "score_contest" (due date, answer, admin
    queue); this row links it to the result."""

    __tablename__ = "assessment_score_contest"

    result_id: Mapped[int] = mapped_column(ForeignKey("assessment_result.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("privacy_request.id", ondelete="CASCADE"), unique=True)

    result: Mapped[Result] = relationship()
    request = relationship("PrivacyRequest")


class ScoreCorrection(IdMixin, db.Model):
    """An upheld contest's change to the scoring of one attempt: questions set aside (they leave the maximum), or
    one question's key corrected. The result row then holds the new score; this row keeps the score before and
    after, for the note shown to the candidate and the client. Several corrections of a result add up."""

    __tablename__ = "assessment_score_correction"

    result_id: Mapped[int] = mapped_column(ForeignKey("assessment_result.id", ondelete="CASCADE"), index=True)
    #: The member the result is about: erasure finds her corrections by it once results are unlinked.
    candidate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: The contest it upheld; the correction outlives the request when the request is deleted.
    contest_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_score_contest.id", ondelete="SET NULL"), unique=True
    )
    #: Ids of the items set aside for this attempt.
    set_aside: Mapped[list] = mapped_column(JSON, default=list)
    #: The item whose key is corrected for this attempt, and its corrected key (option indexes).
    key_item_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_item.id", ondelete="SET NULL"), index=True)
    corrected_key: Mapped[list | None] = mapped_column(JSON)
    old_raw: Mapped[float]
    old_max: Mapped[float]
    old_percentage: Mapped[float | None]
    new_raw: Mapped[float]
    new_max: Mapped[float]
    new_percentage: Mapped[float | None]
    corrected_dt: Mapped[datetime] = mapped_column(default=utcnow)

    result: Mapped[Result] = relationship()
