"""Outgoing text messages (SMS): an outbox table filled in the caller's transaction, and a sender.

It mirrors the mail outbox (core.mail): a message is written in the recipient's language, leaves after
the commit (from the development background sender, or `flask sms send` from cron or a worker), and a
failed delivery is retried with a growing delay. The text is deleted once delivered (or given up): it
usually holds a one-time code, and only the delivery record is kept.

Backends: a webhook when SMS_WEBHOOK_URL is set (the portal POSTs `{"to": "+33…", "text": "…"}` as JSON,
with `Authorization: Bearer SMS_WEBHOOK_TOKEN` when set), the console when SMS_CONSOLE is on
(development and tests). With neither, delivery fails and is retried, so that no code is lost or logged.
"""

import json
import logging
import urllib.error
import urllib.request
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import ForeignKey, String, Text, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.core.mail import DeliveryReport, OutboxStatus, record_failed_attempt, record_sent, release_stale_claims
from app.core.timeutil import utcnow
from app.extensions import db

logger = logging.getLogger("caseinjob.sms")

WEBHOOK_TIMEOUT_SECONDS = 10
#: Messages no longer waiting for delivery: their text is gone.
FINISHED_STATUSES = (OutboxStatus.SENT.value, OutboxStatus.FAILED.value)


class SmsMessage(db.Model):
    __tablename__ = "sms_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: The member the message is for; erasure deletes their messages.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: E.164 (+33612345678).
    to_number: Mapped[str] = mapped_column(String(20))
    #: None once delivered or given up: the text holds codes that must not stay at rest.
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_dt: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_dt: Mapped[datetime | None]
    sent_dt: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))


class SmsNotConfigured(RuntimeError):
    """No webhook and no console: the message waits until the operator configures a provider."""


class SmsDeliveryFailed(RuntimeError):
    pass


def queue_sms(*, to: str, text, locale: str, user_id: int | None = None) -> SmsMessage:
    """Add a text message to the outbox, rendered in the recipient's language; it leaves after the commit.

    :param text: a lazy string (`lazy_gettext("… %(code)s", code=code)`) or a callable taking no argument.
    """
    with force_locale(locale):
        body = str(text() if callable(text) else text)
    message = SmsMessage(user_id=user_id, to_number=to, body=body)
    db.session.add(message)
    return message


def deliver_pending(limit: int = 100) -> DeliveryReport:
    """Send what is due; each message is claimed first, so two senders never both send it."""
    report = DeliveryReport()
    now = utcnow()
    release_stale_claims(SmsMessage, now)
    due_ids = db.session.scalars(
        select(SmsMessage.id)
        .where(SmsMessage.status == OutboxStatus.PENDING, SmsMessage.next_attempt_dt <= now)
        .order_by(SmsMessage.id)
        .limit(limit)
    ).all()
    for message_id in due_ids:
        if not _claim(message_id):
            continue
        row = db.session.get(SmsMessage, message_id)
        try:
            _transmit(row.to_number, row.body or "")
        except (OSError, SmsDeliveryFailed, SmsNotConfigured) as error:
            _record_failure(row, error, report)
        else:
            record_sent(row, report)
            row.body = None
        db.session.commit()
    return report


def _claim(message_id: int) -> bool:
    result = db.session.execute(
        update(SmsMessage)
        .where(SmsMessage.id == message_id, SmsMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.SENDING, claimed_dt=utcnow())
    )
    db.session.commit()
    return result.rowcount == 1


def _record_failure(row: SmsMessage, error: Exception, report: DeliveryReport) -> None:
    # The error names the failure, never the text (it may hold a code) nor the webhook's address.
    if record_failed_attempt(row, error, report, current_app.config["SMS_MAX_ATTEMPTS"]):
        row.body = None  # given up: the code it held must not stay at rest
    logger.warning("sms %s not delivered (attempt %s): %r", row.id, row.attempts, row.last_error)


def _transmit(to: str, text: str) -> None:
    config = current_app.config
    if config["SMS_WEBHOOK_URL"]:
        _post_to_webhook(config["SMS_WEBHOOK_URL"], config["SMS_WEBHOOK_TOKEN"], to, text)
    elif config["SMS_CONSOLE"]:
        print(f"\n----- SMS to {to} -----\n{text}\n------------------", flush=True)  # noqa: T201
    else:
        raise SmsNotConfigured("no SMS provider: set SMS_WEBHOOK_URL")


def _post_to_webhook(url: str, token: str | None, to: str, text: str) -> None:
    """POST the message as JSON; anything but a 2xx answer is a failure, retried later."""
    headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 (the operator's configured provider, http or https)
        url, data=json.dumps({"to": to, "text": text}).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        raise SmsDeliveryFailed(f"the SMS provider answered {error.code}") from None
    except urllib.error.URLError as error:
        raise SmsDeliveryFailed(f"the SMS provider could not be reached ({error.reason})") from None
    if not 200 <= status < 300:
        raise SmsDeliveryFailed(f"the SMS provider answered {status}")
