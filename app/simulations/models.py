"""Interview requests, their time windows, invitations to interviewers, sessions and feedback."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.columns import IdMixin, PublicIdMixin
from app.core.enums import LabelledEnum
from app.core.timeutil import utcnow
from app.extensions import db


class RequestStatus(LabelledEnum):
    OPEN = "open", _l("Looking for an interviewer")  # looking for an interviewer
    SCHEDULED = "scheduled", _l("Scheduled")  # an interviewer accepted: there is a session
    CANCELLED = "cancelled", _l("Cancelled")
    CLOSED = "closed", _l("Closed")  # the session took place (or was cancelled after scheduling)


class InvitationStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting for an answer")
    ACCEPTED = "accepted", _l("Accepted")
    DECLINED = "declined", _l("Declined")
    EXPIRED = "expired", _l("Expired")
    TOO_LATE = "too_late", _l("Another interviewer accepted first")  # another interviewer accepted first
    WITHDRAWN = "withdrawn", _l("Withdrawn")  # the candidate cancelled the request


class SessionStatus(LabelledEnum):
    SCHEDULED = "scheduled", _l("Scheduled")
    COMPLETED = "completed", _l("Completed")
    CANCELLED = "cancelled", _l("Cancelled")
    NO_SHOW_CANDIDATE = "no_show_candidate", _l("The candidate did not come")
    NO_SHOW_INTERVIEWER = "no_show_interviewer", _l("The interviewer did not come")


class SimulationRequest(PublicIdMixin, db.Model):
    __tablename__ = "simulation_request"
    __table_args__ = (Index("ix_simulation_request_candidate_created", "candidate_id", "created_dt"),)

    candidate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(120), default="")
    interview_type: Mapped[str] = mapped_column(String(20))
    sector: Mapped[str] = mapped_column(String(30), default="")
    company_type: Mapped[str] = mapped_column(String(30), default="")
    language: Mapped[str] = mapped_column(String(5))
    #: What the candidate wants to practise, in their words.
    goal: Mapped[str] = mapped_column(Text, default="")
    #: The candidate's time zone when they asked: windows are shown to them in it.
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.OPEN.value, index=True)
    #: Let the portal invite the next best interviewer when an invitation expires or is declined.
    is_auto_invite: Mapped[bool] = mapped_column(default=True)
    #: The organisation that paid, by name, when a sponsor's seat paid for the request.
    paid_by: Mapped[str | None] = mapped_column(String(200))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_dt: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))

    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])
    windows: Mapped[list["TimeWindow"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="TimeWindow.start_dt", lazy="selectin"
    )
    invitations: Mapped[list["SimulationInvitation"]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="SimulationInvitation.id"
    )


class TimeWindow(PublicIdMixin, db.Model):
    __tablename__ = "time_window"
    __table_args__ = (CheckConstraint("end_dt > start_dt", name="in_order"),)

    request_id: Mapped[int] = mapped_column(ForeignKey("simulation_request.id", ondelete="CASCADE"), index=True)
    start_dt: Mapped[datetime]  # UTC
    end_dt: Mapped[datetime]

    request: Mapped[SimulationRequest] = relationship(back_populates="windows")


class SimulationInvitation(PublicIdMixin, db.Model):
    __tablename__ = "simulation_invitation"
    __table_args__ = (
        UniqueConstraint("request_id", "interviewer_id", name="uq_simulation_invitation_request_interviewer"),
        Index("ix_simulation_invitation_interviewer_status", "interviewer_id", "status"),
        # Every request page first expires the pending invitations past their time: without this, a full scan.
        Index("ix_simulation_invitation_status_expires", "status", "expires_dt"),
    )

    request_id: Mapped[int] = mapped_column(ForeignKey("simulation_request.id", ondelete="CASCADE"), index=True)
    interviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=InvitationStatus.PENDING.value)
    #: The match as it was when the invitation was sent: score and reasons, for the record.
    score: Mapped[int] = mapped_column(default=0)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    expires_dt: Mapped[datetime]
    responded_dt: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(String(500))

    request: Mapped[SimulationRequest] = relationship(back_populates="invitations")
    interviewer: Mapped[User] = relationship(foreign_keys=[interviewer_id])


class InterviewSession(PublicIdMixin, db.Model):
    """The interview itself. One per request: the unique constraint makes the first acceptance win."""

    __tablename__ = "interview_session"

    request_id: Mapped[int] = mapped_column(ForeignKey("simulation_request.id", ondelete="CASCADE"), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    interviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    start_dt: Mapped[datetime]  # UTC
    end_dt: Mapped[datetime]
    #: A video link, a phone number or an address, as the mode requires.
    meeting_details: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(30), default=SessionStatus.SCHEDULED.value, index=True)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    reminded_dt: Mapped[datetime | None]
    feedback_reminded_dt: Mapped[datetime | None]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[SimulationRequest] = relationship()
    candidate: Mapped[User] = relationship(foreign_keys=[candidate_id])
    interviewer: Mapped[User | None] = relationship(foreign_keys=[interviewer_id])
    feedback: Mapped["Feedback | None"] = relationship(
        back_populates="session", uselist=False, cascade="all, delete-orphan"
    )


class Feedback(IdMixin, db.Model):
    """The interviewer's structured assessment, and the candidate's rating of the session."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("candidate_rating IS NULL OR candidate_rating BETWEEN 1 AND 5", name="rating_range"),
    )

    session_id: Mapped[int] = mapped_column(ForeignKey("interview_session.id", ondelete="CASCADE"), unique=True)
    #: {criterion: 1..5}, criteria depending on the interview type.
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    strengths: Mapped[str] = mapped_column(Text, default="")
    improvements: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")
    resources: Mapped[str] = mapped_column(Text, default="")
    submitted_dt: Mapped[datetime | None]
    candidate_rating: Mapped[int | None]
    candidate_comment: Mapped[str | None] = mapped_column(Text)
    rated_dt: Mapped[datetime | None]
    #: The candidate chose to share this feedback with their sponsor.
    is_shared_with_sponsor: Mapped[bool] = mapped_column(default=False)

    session: Mapped[InterviewSession] = relationship(back_populates="feedback")


class SessionMessage(PublicIdMixin, db.Model):
    """A message between the candidate and the interviewer of a session; only the two of them read it."""

    __tablename__ = "session_message"
    __table_args__ = (Index("ix_session_message_session_created", "session_id", "created_dt"),)

    session_id: Mapped[int] = mapped_column(ForeignKey("interview_session.id", ondelete="CASCADE"))
    #: Erasing the author deletes her messages (the registry's entry does, the cascade backs it up).
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
