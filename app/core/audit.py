"""The audit log of security events: logins, password and e-mail changes, role changes, suspensions.

One table serves both the admins' audit log and each member's login history (the privacy dashboard).
"""

import logging
from datetime import datetime

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.enums import LabelledEnum
from app.core.timeutil import utcnow
from app.extensions import db

logger = logging.getLogger("caseinjob.audit")


class EventKind(LabelledEnum):
    LOGIN_SUCCESS = "login_success"
    LOGIN_FAILURE = "login_failure"
    LOGIN_BLOCKED = "login_blocked"
    LOGOUT = "logout"
    REGISTERED = "registered"
    EMAIL_VERIFIED = "email_verified"
    EMAIL_CHANGED = "email_changed"
    PHONE_VERIFIED = "phone_verified"
    PHONE_CHANGED = "phone_changed"
    PHONE_REMOVED = "phone_removed"
    USERNAME_CHANGED = "username_changed"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    TOTP_ENABLED = "totp_enabled"
    TOTP_DISABLED = "totp_disabled"
    RECOVERY_CODE_USED = "recovery_code_used"
    SESSION_ENDED = "session_ended"
    ROLE_GRANTED = "role_granted"
    ROLE_REMOVED = "role_removed"
    ACCOUNT_SUSPENDED = "account_suspended"
    ACCOUNT_REINSTATED = "account_reinstated"
    ACCESS_REFUSED = "access_refused"
    PROCESSING_RESTRICTED = "processing_restricted"
    RESTRICTION_LIFTED = "restriction_lifted"
    DATA_EXPORTED = "data_exported"
    LEGAL_HOLD_PLACED = "legal_hold_placed"
    LEGAL_HOLD_LIFTED = "legal_hold_lifted"

    @classmethod
    def labels(cls) -> dict:
        return {
            cls.LOGIN_SUCCESS: _l("Signed in"),
            cls.LOGIN_FAILURE: _l("Failed sign-in"),
            cls.LOGIN_BLOCKED: _l("Sign-in refused (suspended account)"),
            cls.LOGOUT: _l("Signed out"),
            cls.REGISTERED: _l("Account created"),
            cls.EMAIL_VERIFIED: _l("E-mail address verified"),
            cls.EMAIL_CHANGED: _l("E-mail address changed"),
            cls.PHONE_VERIFIED: _l("Mobile phone number verified"),
            cls.PHONE_CHANGED: _l("Mobile phone number changed"),
            cls.PHONE_REMOVED: _l("Mobile phone number removed"),
            cls.USERNAME_CHANGED: _l("Username changed"),
            cls.PASSWORD_CHANGED: _l("Password changed"),
            cls.PASSWORD_RESET: _l("Password reset"),
            cls.TOTP_ENABLED: _l("Two-step verification turned on"),
            cls.TOTP_DISABLED: _l("Two-step verification turned off"),
            cls.RECOVERY_CODE_USED: _l("Recovery code used"),
            cls.SESSION_ENDED: _l("Session ended"),
            cls.ROLE_GRANTED: _l("Role granted"),
            cls.ROLE_REMOVED: _l("Role removed"),
            cls.ACCOUNT_SUSPENDED: _l("Account suspended"),
            cls.ACCOUNT_REINSTATED: _l("Account reinstated"),
            cls.ACCESS_REFUSED: _l("Access refused"),
            cls.PROCESSING_RESTRICTED: _l("Processing restricted"),
            cls.RESTRICTION_LIFTED: _l("Restriction of processing lifted"),
            cls.DATA_EXPORTED: _l("Data exported"),
            cls.LEGAL_HOLD_PLACED: _l("Legal hold placed on the member's data"),
            cls.LEGAL_HOLD_LIFTED: _l("Legal hold lifted"),
        }


#: The kinds that make up a member's login history (kept 12 months, see the retention settings).
LOGIN_KINDS = (EventKind.LOGIN_SUCCESS, EventKind.LOGIN_FAILURE, EventKind.LOGIN_BLOCKED)


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_user_kind_dt", "user_id", "kind", "created_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    #: Whom the event is about (the member who signed in, whose role changed...).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    #: Who did it, when someone else did (an admin granting a role).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    #: Small structured details (the role granted, the reason); never a password or token.
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    @property
    def kind_label(self) -> str:
        try:
            return EventKind(self.kind).label
        except ValueError:
            return self.kind


def client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def client_user_agent() -> str | None:
    if not has_request_context():
        return None
    return (request.user_agent.string or "")[:300] or None


def record_event(kind: EventKind, *, user_id: int | None = None, actor_id: int | None = None, **details) -> AuditEvent:
    """Add an audit row (flushed with the caller's transaction) and a log line that cannot be forged."""
    event = AuditEvent(
        kind=kind.value,
        user_id=user_id,
        actor_id=actor_id,
        ip_address=client_ip(),
        user_agent=client_user_agent(),
        details={key: value for key, value in details.items() if value is not None},
    )
    db.session.add(event)
    # %r quotes control characters, so a newline in a name cannot start a fake log line.
    logger.info("audit %s user=%r actor=%r ip=%r details=%r", kind.value, user_id, actor_id, event.ip_address, details)
    return event
