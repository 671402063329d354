"""Policy versions and acceptances, consents and objections, privacy requests, erasure and export runs."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.columns import IdMixin, PublicIdMixin, one_of
from app.core.enums import LabelledEnum, label_property
from app.core.registry import LegalBasis
from app.core.timeutil import utcnow
from app.extensions import db


class PolicyVersion(IdMixin, db.Model):
    __tablename__ = "policy_version"

    version: Mapped[str] = mapped_column(String(10), unique=True)
    effective_date: Mapped[date]
    #: A material change must be accepted again (or the account closed) once it takes effect.
    is_material: Mapped[bool] = mapped_column(default=False)
    #: The template holding the text, one {% trans %} per paragraph.
    template: Mapped[str] = mapped_column(String(100))
    summary_en: Mapped[str] = mapped_column(Text, default="")
    summary_fr: Mapped[str] = mapped_column(Text, default="")
    published_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: When members were told of a material change by e-mail (None: not yet, or not material).
    notice_sent_dt: Mapped[datetime | None]

    def summary(self, locale: str) -> str:
        return self.summary_fr if locale == "fr" else self.summary_en


class PolicyAcceptance(IdMixin, db.Model):
    __tablename__ = "policy_acceptance"
    __table_args__ = (UniqueConstraint("user_id", "policy_version_id", name="uq_policy_acceptance_user_version"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_version.id", ondelete="RESTRICT"))
    accepted_dt: Mapped[datetime] = mapped_column(default=utcnow)
    ip_address: Mapped[str | None] = mapped_column(String(45))

    policy_version: Mapped[PolicyVersion] = relationship(lazy="joined")


# --- consents and objections -------------------------------------------------------------------------


class ConsentPurpose(enum.StrEnum):
    """What a member may agree to. Each purpose is off until the member turns it on."""

    MARKETING = "marketing"
    SHARE_RESULTS = "share_results"
    SURVEYS = "surveys"
    RESEARCH = "research"
    JOB_OPPORTUNITIES = "job_opportunities"

    @property
    def label(self) -> str:
        return str(CONSENT_TEXTS[self][0])

    @property
    def purpose(self) -> str:
        return str(CONSENT_TEXTS[self][1])

    @property
    def legal_basis(self) -> LegalBasis:
        return LegalBasis.CONSENT

    @property
    def is_direct_marketing(self) -> bool:
        """An objection to direct marketing stops these, whatever the consent says."""
        return self in DIRECT_MARKETING


CONSENT_TEXTS = {
    ConsentPurpose.MARKETING: (
        _l("News and offers by e-mail"),
        _l("We send you news about the portal and its services, at most a few times a month."),
    ),
    ConsentPurpose.SHARE_RESULTS: (
        _l("Let employers that match my skills find me"),
        _l(
            "Employers other than the one that assigned you a test can find you by your skills and test results, "
            "and see them."
        ),
    ),
    ConsentPurpose.SURVEYS: (
        _l("Surveys"),
        _l("We invite you to answer surveys about the services; answering is always optional."),
    ),
    ConsentPurpose.RESEARCH: (
        _l("Research and statistics using my data"),
        _l(
            "We may use your personal data, not only anonymised figures, in research projects and statistics "
            "that improve the services."
        ),
    ),
    ConsentPurpose.JOB_OPPORTUNITIES: (
        _l("Job opportunities"),
        _l("We, or an employer through us, may contact you about jobs that match your profile or results."),
    ),
}
DIRECT_MARKETING = frozenset({ConsentPurpose.MARKETING, ConsentPurpose.JOB_OPPORTUNITIES, ConsentPurpose.SURVEYS})


class ConsentSource(LabelledEnum):
    DASHBOARD = "dashboard", _l("Privacy dashboard")
    UNSUBSCRIBE_LINK = "unsubscribe_link", _l("Unsubscribe link in an e-mail")
    OBJECTION = "objection", _l("Objection to direct marketing")
    RESTRICTION = "restriction", _l("Restriction of processing")


class Consent(IdMixin, db.Model):
    """The member's current choice for one purpose; ConsentEvent keeps the history."""

    __tablename__ = "consent"
    __table_args__ = (UniqueConstraint("user_id", "purpose", name="uq_consent_user_purpose"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    is_granted: Mapped[bool] = mapped_column(default=False)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentEvent(PublicIdMixin, db.Model):
    """One grant or withdrawal, with the time, the policy version in force and where it came from."""

    __tablename__ = "consent_event"
    __table_args__ = (Index("ix_consent_event_user_dt", "user_id", "created_dt"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(30))
    is_granted: Mapped[bool]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    policy_version_id: Mapped[int | None] = mapped_column(ForeignKey("policy_version.id", ondelete="RESTRICT"))
    source: Mapped[str] = mapped_column(String(20))
    ip_address: Mapped[str | None] = mapped_column(String(45))

    policy_version: Mapped[PolicyVersion | None] = relationship(lazy="joined")

    purpose_label = label_property("purpose", ConsentPurpose)
    source_label = label_property("source", ConsentSource)


class ObjectionTopic(LabelledEnum):
    """What a member may object to: direct marketing (absolute), or a processing on legitimate interest."""

    DIRECT_MARKETING = "direct_marketing", _l("Direct marketing (news, surveys, job opportunities)")
    STATISTICS = "statistics", _l("Use of my data in aggregated statistics, benchmarks and sponsors' figures")
    SECURITY_RECORDS = "security_records", _l("Sign-in and security records")
    ACCESS_LOG = "access_log", _l("The log of who viewed my data")

    @property
    def is_absolute(self) -> bool:
        return self == ObjectionTopic.DIRECT_MARKETING


class ObjectionStatus(LabelledEnum):
    #: In effect at once, waiting for an administrator's review.
    IN_EFFECT = "in_effect", _l("In effect, under review")
    #: Upheld after review (and always, at once, for direct marketing).
    UPHELD = "upheld", _l("In effect")
    #: Compelling legitimate grounds override it; the member is told why.
    OVERRIDDEN = "overridden", _l("Not upheld")
    WITHDRAWN = "withdrawn", _l("Withdrawn")

    @property
    def is_active(self) -> bool:
        return self in (ObjectionStatus.IN_EFFECT, ObjectionStatus.UPHELD)


class Objection(PublicIdMixin, db.Model):
    __tablename__ = "objection"
    __table_args__ = (one_of("status", ObjectionStatus),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(30))
    #: The member's grounds, in their words (optional for direct marketing).
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=ObjectionStatus.IN_EFFECT.value)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_dt: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    #: What the reviewer told the member.
    review_note: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User", foreign_keys=[user_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])

    topic_label = label_property("topic", ObjectionTopic)
    status_label = label_property("status", ObjectionStatus)

    @property
    def is_active(self) -> bool:
        return ObjectionStatus(self.status).is_active


# --- privacy requests --------------------------------------------------------------------------------


class RequestKind(LabelledEnum):
    QUESTION = "question", _l("A question to the data-protection contact")
    COMPLAINT = "complaint", _l("A complaint")
    RECTIFICATION = "rectification", _l("Correct data I cannot edit myself")
    SPONSOR_DATA_CORRECTION = "sponsor_data_correction", _l("Correct data a sponsor provided about me")
    ACCESS = "access", _l("Access to my data")
    ERASURE = "erasure", _l("Erasure of my data")
    RESTRICTION = "restriction", _l("Restriction of processing")
    OBJECTION = "objection", _l("Objection to a processing")
    SCORE_CONTEST = "score_contest", _l("Contest of a test score")
    OTHER = "other", _l("Something else")


#: Requests to correct data: once done, the data is corrected.
CORRECTION_KINDS = frozenset({RequestKind.RECTIFICATION.value, RequestKind.SPONSOR_DATA_CORRECTION.value})


class RequestStatus(LabelledEnum):
    RECEIVED = "received", _l("Received")
    IN_PROGRESS = "in_progress", _l("In progress")
    DONE = "done", _l("Answered")
    REFUSED = "refused", _l("Refused, with reasons")

    @property
    def is_open(self) -> bool:
        return self in (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS)


class PrivacyRequest(PublicIdMixin, db.Model):
    """A request, question or complaint to the data-protection contact, answered within one month."""

    __tablename__ = "privacy_request"
    __table_args__ = (
        one_of("status", RequestStatus),
        Index("ix_privacy_request_status_due", "status", "due_date"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    received_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: One month after receipt; an extension of up to two more months must be explained to the member.
    due_date: Mapped[date]
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.RECEIVED.value)
    #: The answer the member reads.
    outcome: Mapped[str] = mapped_column(Text, default="")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    handled_dt: Mapped[datetime | None]

    user = relationship("User", foreign_keys=[user_id])
    handled_by = relationship("User", foreign_keys=[handled_by_id])

    kind_label = label_property("kind", RequestKind)

    @property
    def status_label(self) -> str:
        if self.status == RequestStatus.DONE and self.kind in CORRECTION_KINDS:
            return str(_l("Corrected"))  # the member asked for a change: say it was made, not only answered
        return RequestStatus(self.status).label

    @property
    def is_open(self) -> bool:
        return RequestStatus(self.status).is_open

    def is_overdue(self, today: date) -> bool:
        return self.is_open and today > self.due_date


# --- erasure and export runs -------------------------------------------------------------------------


class RunStatus(LabelledEnum):
    RUNNING = "running", _l("Running")
    DONE = "done", _l("Done")
    FAILED = "failed", _l("Failed, to be retried")
    #: An erasure that erased everything but the data under a legal hold; it finishes when the hold is lifted.
    HELD = "held", _l("Waiting for a legal hold to end")


class ErasureJob(PublicIdMixin, db.Model):
    """An account erasure, step by step (one step per registry entry, then the account row).

    It names nobody: once the account row is gone, `user_id` is null and nothing links the job to the member.
    A failed step leaves the job FAILED (and the account suspended) until a retry completes it.
    """

    __tablename__ = "erasure_job"

    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    #: "member", "retention" (unverified account) or "admin".
    requested_by: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.RUNNING.value, index=True)
    #: {entry key: {"status": done|failed, "rows": n, "error": exception class, "attempts": n}}
    steps: Mapped[dict] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    requested_dt: Mapped[datetime] = mapped_column(default=utcnow)
    last_attempt_dt: Mapped[datetime | None]
    completed_dt: Mapped[datetime | None]

    status_label = label_property("status", RunStatus)


class ExportRun(PublicIdMixin, db.Model):
    """One download of the member's data; a step that failed is shown to admins, never served as complete."""

    __tablename__ = "export_run"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=RunStatus.RUNNING.value, index=True)
    steps: Mapped[dict] = mapped_column(JSON, default=dict)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    size_bytes: Mapped[int | None]

    status_label = label_property("status", RunStatus)


# --- legal holds -------------------------------------------------------------------------------------


class HoldLift(enum.StrEnum):
    ADMIN = "admin"
    EXPIRED = "expired"


class LegalHold(PublicIdMixin, db.Model):
    """Data an admin must keep, for a legal claim or an authority's request, until a date: erasure keeps
    exactly the registry entries in `scope` (and the account that links them) until the hold is lifted."""

    __tablename__ = "legal_hold"
    __table_args__ = (one_of("lifted_reason", HoldLift, nullable=True, name="known_lift"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: Why, as the member reads it (the claim or the authority's request).
    reason: Mapped[str] = mapped_column(Text)
    #: The registry entry keys kept ("assessment_results", "emails"...).
    scope: Mapped[list] = mapped_column(JSON, default=list)
    #: The hold ends at the end of this day (the purge lifts it), unless an admin lifts it first.
    until_date: Mapped[date]
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    placed_dt: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_dt: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    lifted_reason: Mapped[str | None] = mapped_column(String(10))

    user = relationship("User", foreign_keys=[user_id])

    @property
    def is_active(self) -> bool:
        return self.lifted_dt is None
