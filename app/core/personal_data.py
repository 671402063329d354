"""Personal data that core stores: the audit log (sign-ins included) and the e-mails sent to a member.

It also holds the helpers that the features' personal_data.py modules build their entries with."""

import base64
import functools
import html
import re
from collections.abc import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, delete, func, or_, select, update

from app.core import prebuilt
from app.core.access_log import AccessedData, AccessLogEntry, AccessReason
from app.core.audit import LOGIN_KINDS, AuditEvent
from app.core.mail import OutboxMessage, OutboxStatus
from app.core.registry import LegalBasis, PersonalDataEntry, register
from app.core.sms import FINISHED_STATUSES, SmsMessage
from app.extensions import db

# --- helpers for the features' entries ---------------------------------------------------------------------
# Most personal data is a table whose rows belong to one member through one column (user_id, candidate_id...):
# these helpers write its export, erasure and count once, so that an entry states only its model, its
# columns and what it tells the member.

#: The retention of most entries.
AS_LONG_AS_THE_ACCOUNT = _l("As long as your account exists")


def iso(value) -> str | None:
    """A date or time as the export writes it (ISO 8601), None when there is none."""
    return value.isoformat() if value else None


def rows_of_member(model, *order_by, owner: str = "user_id"):
    """The select of a member's rows of `model`, linked to her by the column named `owner`, in the order given
    (by default the order they were added in), the member as the bound parameter `member_id`: built once, it
    costs a third of one built for each read (app.core.prebuilt)."""
    return select(model).where(getattr(model, owner) == bindparam("member_id")).order_by(*(order_by or (model.id,)))


@functools.cache
def _in_order_added(model, owner: str):
    return rows_of_member(model, owner=owner)


def member_rows(model, user, owner: str = "user_id"):
    """The member's rows of `model`, in the order they were added in (see rows_of_member)."""
    return db.session.scalars(_in_order_added(model, owner), {"member_id": user.id})


def delete_member_rows(model, user, owner: str = "user_id", **execution_options) -> int:
    """Delete the member's rows of `model`, and say how many went."""
    statement = delete(model).where(getattr(model, owner) == user.id)
    return db.session.execute(statement, execution_options=execution_options).rowcount


def unlink_member(model, column: str, user) -> int:
    """Rows that name the member only in `column` (who decided, who set it) stay for the others, without her."""
    statement = update(model).where(getattr(model, column) == user.id).values({column: None})
    return db.session.execute(statement).rowcount


def exports_rows(model, to_row: Callable, *order_by, owner: str = "user_id") -> Callable:
    """An entry's `export`: each of the member's rows of `model`, written by `to_row`."""

    statement = rows_of_member(model, *order_by, owner=owner)

    def export(user) -> list[dict]:
        return [to_row(row) for row in db.session.scalars(statement, {"member_id": user.id})]

    return export


def erases_rows(*models, owner: str = "user_id", **execution_options) -> Callable:
    """An entry's `erase`: delete the member's rows of each model in turn (a child table before its parent)."""

    def erase(user) -> int:
        return sum(delete_member_rows(model, user, owner, **execution_options) for model in models)

    return erase


def counts_rows(model, owner: str = "user_id") -> Callable:
    """An entry's `count_query`: how many rows of `model` are the member's."""
    return lambda user: select(func.count(model.id)).where(getattr(model, owner) == user.id)


def member_table_entry(model, *, to_row: Callable, order_by: tuple = (), owner: str = "user_id", **fields):
    """The entry of a table whose rows are the member's through `owner`: exported row by row with `to_row`,
    deleted on erasure, counted on the dashboard. `fields` say the rest, and replace any of these defaults."""
    defaults = {
        "tables": (model.__tablename__,),
        "export": exports_rows(model, to_row, *order_by, owner=owner),
        "erase": erases_rows(model, owner=owner),
        "count_query": counts_rows(model, owner),
    }
    return PersonalDataEntry(**(defaults | fields))


# --- core's own entries ------------------------------------------------------------------------------------


def _event_row(event) -> dict:
    """An AuditEvent, or a row of its columns, as the export writes it."""
    return {
        "when": iso(event.created_dt),
        "event": event.kind,
        "ip_address": event.ip_address,
        "device": event.user_agent,
        "details": event.details,
    }


#: The dashboard lists the latest sign-ins only; the export has them all.
LOGINS_SHOWN = 50


def latest_logins(user) -> list[dict]:
    """The export's rows for the latest sign-ins only, oldest first like the export: an active member has
    thousands of security events, and the dashboard read them all on every view to show 50."""
    events = prebuilt.rows(_LATEST_LOGINS, member_id=user.id)
    return [_event_row(event) for event in reversed(events)]


#: The columns `_event_row` writes, as plain rows: the dashboard reads 50 of them on every view.
_LATEST_LOGINS = (
    select(AuditEvent.created_dt, AuditEvent.kind, AuditEvent.ip_address, AuditEvent.user_agent, AuditEvent.details)
    .where(AuditEvent.user_id == bindparam("member_id"), AuditEvent.kind.in_([kind.value for kind in LOGIN_KINDS]))
    .order_by(AuditEvent.created_dt.desc(), AuditEvent.id.desc())
    .limit(LOGINS_SHOWN)
)


def erase_security_events(user) -> int:
    # Events where the member was only the actor keep the row, without the link to them.
    unlink_member(AuditEvent, "actor_id", user)
    return delete_member_rows(AuditEvent, user)


def purge_login_records(now) -> int:
    """Sign-in records (with IP address and device) older than LOGIN_RECORD_RETENTION, 12 months by default."""
    limit = now - current_app.config["LOGIN_RECORD_RETENTION"]
    kinds = [kind.value for kind in LOGIN_KINDS]
    return db.session.execute(
        delete(AuditEvent).where(AuditEvent.kind.in_(kinds), AuditEvent.created_dt < limit)
    ).rowcount


register(
    member_table_entry(
        AuditEvent,
        to_row=_event_row,
        order_by=(AuditEvent.created_dt,),
        key="security_events",
        category=_l("Sign-ins and security events (with IP address and device)"),
        purpose=_l("Keeping your account secure, investigating fraud, showing you where you are signed in"),
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
        recipients=(_l("Caseinjob administrators"),),
        retention=_l("12 months for sign-in records; other security events as long as your account exists"),
        erase=erase_security_events,
        purge=purge_login_records,
        order=80,
        extra={"login_kinds": tuple(kind.value for kind in LOGIN_KINDS), "dashboard_export": latest_logins},
    )
)


def export_emails(user) -> list[dict]:
    rows = db.session.scalars(select(OutboxMessage).where(_addressed_to(user)).order_by(OutboxMessage.created_dt))
    return [
        {
            "created": iso(row.created_dt),
            "to": row.to_address,
            "subject": row.subject,
            "status": row.status,
            "sent": iso(row.sent_dt),
            "text": row.body_text,
        }
        for row in rows
    ]


def _addressed_to(user):
    """Messages for the member: linked to her account, or sent to her address before she had one (a sponsor's
    or a client's invitation)."""
    # Addresses are stored lower-cased on accounts; a NULL address matches nothing.
    return or_(OutboxMessage.user_id == user.id, func.lower(OutboxMessage.to_address) == user.email)


def member_identifiers(user) -> list[str]:
    """What names the member in a text someone else received: her full name, address, phone and username."""
    names = [user.full_name.strip(), user.email, user.phone, user.username]
    return sorted({name for name in names if name and len(name) >= 3}, key=len, reverse=True)


def _redact(text: str, pattern: re.Pattern, replacement: str) -> str:
    return pattern.sub(replacement, text) if text else text


def _redact_attachments(attachments: list, pattern: re.Pattern, replacement: str) -> list:
    """Calendar files and other text attachments name people too: their text is redacted like the body."""
    redacted = []
    for item in attachments or []:
        if item.get("content_type", "").startswith("text/"):
            data = base64.b64decode(item["data"]).decode("utf-8", "replace")
            item = {**item, "data": base64.b64encode(_redact(data, pattern, replacement).encode()).decode()}
        redacted.append(item)
    return redacted


def redact_mentions(user) -> int:
    """Remove the member's name, address, phone and username from the messages other people received (a
    client told that she completed a test, an interviewer invited to her interview), found by content."""
    identifiers = member_identifiers(user)
    if not identifiers:
        return 0
    forms = {form for name in identifiers for form in (name, html.escape(name), html.escape(name, quote=False))}
    pattern = re.compile("|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True)), re.IGNORECASE)
    replacement = str(_l("a former member"))
    columns = (OutboxMessage.subject, OutboxMessage.body_text, OutboxMessage.body_html)
    mentions = or_(
        *(func.lower(column).contains(form.lower(), autoescape=True) for column in columns for form in forms)
    )
    count = 0
    for row in db.session.scalars(select(OutboxMessage).where(mentions)):
        row.subject = _redact(row.subject, pattern, replacement)[:300]
        row.body_text = _redact(row.body_text, pattern, replacement)
        row.body_html = _redact(row.body_html, pattern, replacement)
        row.attachments = _redact_attachments(row.attachments, pattern, replacement)
        count += 1
    db.session.flush()
    return count


def erase_emails(user) -> int:
    """Delete every message addressed to the member, then take her out of the messages others received."""
    deleted = db.session.execute(
        delete(OutboxMessage).where(_addressed_to(user)), execution_options={"synchronize_session": False}
    ).rowcount
    return deleted + redact_mentions(user)


def purge_emails(now) -> int:
    """After DELIVERED_EMAIL_RETENTION, a delivered (or abandoned) message keeps its date and subject only,
    and one to someone without an account (an invitation never taken up) goes altogether."""
    limit = now - current_app.config["DELIVERED_EMAIL_RETENTION"]
    done = OutboxMessage.status.in_([OutboxStatus.SENT.value, OutboxStatus.FAILED.value])
    old = and_(done, OutboxMessage.created_dt < limit)
    options = {"synchronize_session": False}
    count = db.session.execute(
        delete(OutboxMessage).where(old, OutboxMessage.user_id.is_(None)), execution_options=options
    ).rowcount
    emptied = or_(OutboxMessage.body_text != "", OutboxMessage.body_html != "")
    return (
        count
        + db.session.execute(
            update(OutboxMessage).where(old, emptied).values(body_text="", body_html="", headers={}, attachments=[]),
            execution_options=options,
        ).rowcount
    )


def count_emails(user):
    return select(func.count(OutboxMessage.id)).where(_addressed_to(user))


register(
    PersonalDataEntry(
        key="emails",
        category=_l("E-mails we sent you"),
        purpose=_l("Delivering service messages, and news you agreed to receive"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("Our e-mail delivery provider"),),
        retention=_l(
            "The text of a message 30 days after it was sent; its date and subject as long as your account exists"
        ),
        tables=("outbox_message",),
        export=export_emails,
        erase=erase_emails,
        purge=purge_emails,
        count_query=count_emails,
        order=90,
    )
)


def _access_row(row: AccessLogEntry) -> dict:
    return {
        "when": iso(row.created_dt),
        "viewer": row.viewer_name,
        "what": AccessedData(row.what).label,
        "why": AccessReason(row.why).label,
    }


def erase_access_log(user) -> int:
    # The member's own log goes; in other members' logs, the member's name is replaced.
    db.session.execute(
        update(AccessLogEntry)
        .where(AccessLogEntry.viewer_id == user.id)
        .values(viewer_id=None, viewer_name=str(_l("A former member")))
    )
    return delete_member_rows(AccessLogEntry, user, "owner_id")


register(
    member_table_entry(
        AccessLogEntry,
        to_row=_access_row,
        order_by=(AccessLogEntry.created_dt.desc(),),
        owner="owner_id",
        key="access_log",
        category=_l("Who viewed your profile, CV or photo, when and why"),
        purpose=_l("Showing you who accessed your data, and checking that access was legitimate"),
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
        recipients=(_l("You"), _l("Caseinjob administrators")),
        retention=AS_LONG_AS_THE_ACCOUNT,
        erase=erase_access_log,
        order=85,
    )
)


def _text_message_row(row: SmsMessage) -> dict:
    return {
        "created": iso(row.created_dt),
        "to": row.to_number,
        "status": row.status,
        "sent": iso(row.sent_dt),
        "text": row.body,
    }


def purge_text_messages(now) -> int:
    """Records of text messages older than SMS_RECORD_RETENTION. Their texts went at delivery (core.sms);
    any text still kept on a message that is no longer waiting goes too."""
    db.session.execute(
        update(SmsMessage)
        .where(SmsMessage.status.in_(FINISHED_STATUSES), SmsMessage.body.is_not(None))
        .values(body=None)
    )
    limit = now - current_app.config["SMS_RECORD_RETENTION"]
    return db.session.execute(delete(SmsMessage).where(SmsMessage.created_dt < limit)).rowcount


register(
    member_table_entry(
        SmsMessage,
        to_row=_text_message_row,
        order_by=(SmsMessage.created_dt, SmsMessage.id),
        key="text_messages",
        category=_l("Text messages we sent you (number, date, delivery; the text is deleted once delivered)"),
        purpose=_l("Sending you codes to verify your phone number or reset your password, and security notices"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("Our text message delivery provider"),),
        retention=_l("The text until it is delivered; the record of the message 3 months"),
        purge=purge_text_messages,
        order=91,
    )
)
