"""Personal data that core stores: the audit log (sign-ins included) and the e-mails sent to a member."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from app.core.access_log import AccessedData, AccessLogEntry, AccessReason
from app.core.audit import LOGIN_KINDS, AuditEvent
from app.core.mail import OutboxMessage
from app.core.registry import LegalBasis, PersonalDataEntry, register
from app.extensions import db


def _iso(value):
    return value.isoformat() if value else None


def _event_row(event: AuditEvent) -> dict:
    return {
        "when": _iso(event.created_dt),
        "event": event.kind,
        "ip_address": event.ip_address,
        "device": event.user_agent,
        "details": event.details,
    }


def export_security_events(user) -> list[dict]:
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.user_id == user.id).order_by(AuditEvent.created_dt))
    return [_event_row(event) for event in events]


#: The dashboard lists the latest sign-ins only; the export has them all.
LOGINS_SHOWN = 50


def latest_logins(user) -> list[dict]:
    """The export's rows for the latest sign-ins only, oldest first like the export: an active member has
    thousands of security events, and the dashboard read them all on every view to show 50."""
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.user_id == user.id, AuditEvent.kind.in_([kind.value for kind in LOGIN_KINDS]))
        .order_by(AuditEvent.created_dt.desc(), AuditEvent.id.desc())
        .limit(LOGINS_SHOWN)
    )
    return [_event_row(event) for event in reversed(list(events))]


def erase_security_events(user) -> int:
    # Events where the member was only the actor keep the row, without the link to them.
    db.session.execute(AuditEvent.__table__.update().where(AuditEvent.actor_id == user.id).values(actor_id=None))
    return db.session.execute(delete(AuditEvent).where(AuditEvent.user_id == user.id)).rowcount


def purge_login_records(now) -> int:
    """Sign-in records (with IP address and device) older than LOGIN_RECORD_RETENTION, 12 months by default."""
    limit = now - current_app.config["LOGIN_RECORD_RETENTION"]
    kinds = [kind.value for kind in LOGIN_KINDS]
    return db.session.execute(
        delete(AuditEvent).where(AuditEvent.kind.in_(kinds), AuditEvent.created_dt < limit)
    ).rowcount


def count_security_events(user):
    return select(func.count(AuditEvent.id)).where(AuditEvent.user_id == user.id)


register(
    PersonalDataEntry(
        key="security_events",
        category=_l("Sign-ins and security events (with IP address and device)"),
        purpose=_l("Keeping your account secure, investigating fraud, showing you where you are signed in"),
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
        recipients=(_l("Caseinjob administrators"),),
        retention=_l("12 months for sign-in records; other security events as long as your account exists"),
        tables=("audit_event",),
        export=export_security_events,
        erase=erase_security_events,
        purge=purge_login_records,
        count_query=count_security_events,
        order=80,
        extra={"login_kinds": tuple(kind.value for kind in LOGIN_KINDS), "dashboard_export": latest_logins},
    )
)


def export_emails(user) -> list[dict]:
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.created_dt)
    )
    return [
        {
            "created": _iso(row.created_dt),
            "to": row.to_address,
            "subject": row.subject,
            "status": row.status,
            "sent": _iso(row.sent_dt),
            "text": row.body_text,
        }
        for row in rows
    ]


def erase_emails(user) -> int:
    return db.session.execute(delete(OutboxMessage).where(OutboxMessage.user_id == user.id)).rowcount


def count_emails(user):
    return select(func.count(OutboxMessage.id)).where(OutboxMessage.user_id == user.id)


register(
    PersonalDataEntry(
        key="emails",
        category=_l("E-mails we sent you"),
        purpose=_l("Delivering service messages, and news you agreed to receive"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("Our e-mail delivery provider"),),
        retention=_l("As long as your account exists"),
        tables=("outbox_message",),
        export=export_emails,
        erase=erase_emails,
        count_query=count_emails,
        order=90,
    )
)


def export_access_log(user) -> list[dict]:
    rows = db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.owner_id == user.id).order_by(AccessLogEntry.created_dt.desc())
    )
    return [
        {
            "when": _iso(row.created_dt),
            "viewer": row.viewer_name,
            "what": AccessedData(row.what).label,
            "why": AccessReason(row.why).label,
        }
        for row in rows
    ]


def erase_access_log(user) -> int:
    # The member's own log goes; in other members' logs, the member's name is replaced.
    db.session.execute(
        update(AccessLogEntry)
        .where(AccessLogEntry.viewer_id == user.id)
        .values(viewer_id=None, viewer_name=str(_l("A former member")))
    )
    return db.session.execute(delete(AccessLogEntry).where(AccessLogEntry.owner_id == user.id)).rowcount


register(
    PersonalDataEntry(
        key="access_log",
        category=_l("Who viewed your profile, CV or photo, when and why"),
        purpose=_l("Showing you who accessed your data, and checking that access was legitimate"),
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
        recipients=(_l("You"), _l("Caseinjob administrators")),
        retention=_l("As long as your account exists"),
        tables=("access_log_entry",),
        export=export_access_log,
        erase=erase_access_log,
        count_query=lambda user: select(func.count(AccessLogEntry.id)).where(AccessLogEntry.owner_id == user.id),
        order=85,
    )
)
