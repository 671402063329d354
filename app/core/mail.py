"""Outgoing mail: an outbox table filled in the caller's transaction, and a sender that delivers it.

Messages are written in the recipient's language, with a text and an HTML part, and links that are
absolute against BASE_URL. They leave after the commit: from a thread under `make run`, from
`flask mail send` (cron or a worker) in production. Failures are retried with a growing delay.
"""

import base64
import enum
import logging
import smtplib
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from sqlalchemy import JSON, ForeignKey, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.core import secure_delete
from app.core.observability import register_gauge
from app.core.timeutil import utcnow
from app.extensions import db

logger = logging.getLogger("caseinjob.mail")

#: A message still "sending" after this long belonged to a sender that died; it is tried again.
STALE_CLAIM = timedelta(minutes=10)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: The member the message is for, when it is for a member; erasure deletes their messages.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    #: A service message (account, security, results) or a marketing or news one (carries unsubscribe).
    is_service: Mapped[bool] = mapped_column(default=True)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    #: [{"filename", "content_type", "data" (base64)}], for calendar invitations and the like.
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_dt: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_dt: Mapped[datetime | None]
    sent_dt: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    #: Deleted once delivered: the last word to a member whose account is erased (nothing of her may stay).
    erase_after_sending: Mapped[bool] = mapped_column(default=False)


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link to the portal for an e-mail, built against BASE_URL (no request needed)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def render_email(
    *,
    to: str,
    template: str,
    locale: str,
    subject,
    user_id: int | None = None,
    is_service: bool = True,
    headers: dict | None = None,
    attachments: list[Attachment] | None = None,
    erase_after_sending: bool = False,
    **context,
) -> OutboxMessage:
    """The outbox row for `<template>.txt` and `.html`, rendered in the recipient's language (not added).

    :param template: a name under templates/email/ ("verify_email"), or a feature's own path with a
        slash ("sponsors/email/invitation").
    :param subject: a lazy string (or a callable taking no argument), rendered in `locale`.
    :param erase_after_sending: delete the row once delivered (the erasure confirmation).
    :param is_service: False for news, surveys and offers; those must carry List-Unsubscribe headers, so
        queue them through app.privacy.consents.queue_marketing_email, which checks consent first.
    """
    if not is_service and "List-Unsubscribe" not in (headers or {}):
        raise ValueError("an e-mail that is not a service message must carry an unsubscribe link and headers")
    path = template if "/" in template else f"email/{template}"
    with force_locale(locale):
        context.update(locale=locale, portal_name=current_app.config["PORTAL_NAME"])
        rendered_subject = str(subject() if callable(subject) else subject)
        return OutboxMessage(
            user_id=user_id,
            to_address=to,
            subject=rendered_subject,
            body_text=render_template(f"{path}.txt", subject=rendered_subject, **context),
            body_html=render_template(f"{path}.html", subject=rendered_subject, **context),
            is_service=is_service,
            erase_after_sending=erase_after_sending,
            headers=headers or {},
            attachments=[
                {
                    "filename": item.filename,
                    "content_type": item.content_type,
                    "data": base64.b64encode(item.data).decode(),
                }
                for item in attachments or []
            ],
        )


def queue_email(**kwargs) -> OutboxMessage:
    """Render an e-mail (see `render_email`) and add it to the outbox; it leaves after the commit."""
    message = render_email(**kwargs)
    db.session.add(message)
    return message


def queue_member_email(member, template: str, subject, *, locale: str | None = None, **context) -> OutboxMessage:
    """queue_email to a member: to her address, in her language unless `locale` says otherwise, tied to her id
    (so that erasure deletes it), and with her as `user` in the template."""
    return queue_email(
        to=member.email,
        template=template,
        locale=member.locale if locale is None else locale,
        subject=subject,
        user_id=member.id,
        user=member,
        **context,
    )


def build_message(row: OutboxMessage, sender: str) -> EmailMessage:
    """The MIME message for an outbox row: text, HTML alternative, then attachments."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    for name, value in (row.headers or {}).items():
        message[name] = value
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    for item in row.attachments or []:
        maintype, _, subtype = item["content_type"].partition("/")
        message.add_attachment(
            base64.b64decode(item["data"]), maintype=maintype, subtype=subtype, filename=item["filename"]
        )
    return message


@dataclass
class DeliveryReport:
    """What one round of a sender did; the text message outbox (core.sms) counts the same way."""

    sent: int = 0
    failed: int = 0
    given_up: int = 0


def deliver_pending(limit: int = 100) -> DeliveryReport:
    """Send what is due in the outbox; each message is claimed first, so two senders never both send it."""
    report = DeliveryReport()
    erased = False
    now = utcnow()
    release_stale_claims(OutboxMessage, now)
    for message_id in _claim_due(now, limit):
        row = db.session.get(OutboxMessage, message_id)
        try:
            _transmit(build_message(row, current_app.config["MAIL_DEFAULT_SENDER"]))
        except (OSError, smtplib.SMTPException) as error:
            _record_failure(row, error, report)
        else:
            record_sent(row, report)
            if row.erase_after_sending:
                db.session.delete(row)
                erased = True
        db.session.commit()
    if erased:
        secure_delete.wipe_freed_pages()
    return report


def release_stale_claims(outbox, now: datetime) -> None:
    """Put back in the queue the rows of an outbox table (mail or SMS) whose sender died while sending them."""
    db.session.execute(
        update(outbox)
        .where(outbox.status == OutboxStatus.SENDING, outbox.claimed_dt < now - STALE_CLAIM)
        .values(status=OutboxStatus.PENDING)
    )
    db.session.commit()


def record_sent(row, report: DeliveryReport) -> None:
    """An outbox row (mail or SMS) delivered."""
    row.status = OutboxStatus.SENT
    row.sent_dt = utcnow()
    row.last_error = None
    report.sent += 1


def record_failed_attempt(row, error: Exception, report: DeliveryReport, max_attempts: int) -> bool:
    """An outbox row (mail or SMS) not delivered: tried again after a delay that doubles each time, or given up
    after `max_attempts`. True when given up. The error is kept by its type and text only."""
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:500]
    if row.attempts >= max_attempts:
        row.status = OutboxStatus.FAILED
        report.given_up += 1
        return True
    row.status = OutboxStatus.PENDING
    row.next_attempt_dt = utcnow() + timedelta(minutes=2**row.attempts)
    report.failed += 1
    return False


def _claim_due(now: datetime, limit: int) -> list[int]:
    """Mark up to `limit` due messages as being sent by this sender, and return them.

    Senders on several nodes run at once: on PostgreSQL, FOR UPDATE SKIP LOCKED hands each its own rows
    without waiting; the UPDATE's condition on the status makes the claim safe on SQLite too (which has no
    row locks: its single writer runs the claims one after the other)."""
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_dt <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = db.session.scalars(due).all()
    claimed = []
    if ids:
        claimed = db.session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENDING, claimed_dt=utcnow())
            .returning(OutboxMessage.id)
        ).all()
    db.session.commit()
    return sorted(claimed)


def _record_failure(row: OutboxMessage, error: Exception, report: DeliveryReport) -> None:
    record_failed_attempt(row, error, report, current_app.config["MAIL_MAX_ATTEMPTS"])
    logger.warning("mail %s not delivered (attempt %s): %r", row.id, row.attempts, row.last_error)


def _transmit(message: EmailMessage) -> None:
    config = current_app.config
    if config["MAIL_CONSOLE"]:
        print(f"\n----- e-mail -----\n{message.as_string()}\n------------------", flush=True)  # noqa: T201
    if not config["MAIL_SERVER"]:
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)


def start_background_sender(app: Flask, interval: float = 2.0) -> threading.Thread:
    """Deliver from a daemon thread, so that `make run` sends mail (and text messages, core.sms) within
    seconds with nothing else to start."""
    from app.core import sms

    def loop() -> None:
        while True:
            with app.app_context():
                try:
                    deliver_pending()
                    sms.deliver_pending()
                except Exception:  # keep the thread alive: the next round retries
                    logger.exception("background mail delivery failed")
                    db.session.rollback()
                finally:
                    db.session.remove()
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="mail-sender", daemon=True)
    thread.start()
    return thread


def start_sender_with_first_request(app: Flask) -> None:
    """Start the background sender when the app serves its first request, never in CLI commands."""
    lock = threading.Lock()
    started: list[threading.Thread] = []

    @app.before_request
    def _start_sender_once() -> None:
        if started:
            return
        with lock:
            if not started:
                started.append(start_background_sender(app))


def outbox_backlog() -> int:
    """Messages waiting to go out (pending or being sent): a growing figure means the sender is stuck."""
    waiting = (OutboxStatus.PENDING, OutboxStatus.SENDING)
    return db.session.scalar(select(func.count()).where(OutboxMessage.status.in_(waiting))) or 0


register_gauge("caseinjob_outbox_backlog", "E-mails waiting in the outbox.", outbox_backlog)
