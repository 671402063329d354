"""The SMS outbox: the recipient's language, a webhook (JSON to a real local HTTP server) or the console,
retries with a growing delay, the text deleted once delivered, `flask sms send`, the registry entry."""

from datetime import timedelta

import pytest
from flask_babel import lazy_gettext as _l
from freezegun import freeze_time
from sqlalchemy import select

from app.config import settings_from_environment
from app.core import registry
from app.core.mail import OutboxStatus
from app.core.sms import SmsMessage, deliver_pending, queue_sms
from app.core.timeutil import utcnow
from app.extensions import db
from tests.e2e.catalog import translation
from tests.sms_sink import SmsWebhookSink

NUMBER = "+33612345678"


@pytest.fixture
def webhook(app):
    sink = SmsWebhookSink().start()
    app.config.update(SMS_WEBHOOK_URL=sink.url, SMS_WEBHOOK_TOKEN="provider-secret", SMS_CONSOLE=False)
    yield sink
    sink.stop()


def queue(app, text=None, *, locale="en", user_id=None) -> int:
    with app.test_request_context("/en/"):
        row = queue_sms(
            to=NUMBER, text=text or _l("Your code is %(code)s.", code="123456"), locale=locale, user_id=user_id
        )
        db.session.commit()
        return row.id


def sms_row(app, row_id) -> SmsMessage:
    with app.app_context():
        row = db.session.get(SmsMessage, row_id)
        db.session.expunge(row)
        return row


def deliver(app):
    with app.app_context():
        return deliver_pending()


@pytest.mark.promise("security-measures")
def test_the_webhook_receives_json_with_the_token_and_the_text_is_deleted_once_delivered(app, webhook):
    row_id = queue(app)
    report = deliver(app)
    assert report.sent == 1
    assert webhook.received == [{"to": NUMBER, "text": "Your code is 123456."}]
    assert webhook.headers[0]["Authorization"] == "Bearer provider-secret"
    assert webhook.headers[0]["Content-Type"].startswith("application/json")
    row = sms_row(app, row_id)
    assert row.status == OutboxStatus.SENT and row.sent_dt is not None
    assert row.body is None  # the code does not stay at rest once it left
    assert deliver(app).sent == 0  # sent once only


def test_a_failing_provider_is_retried_later_with_a_growing_delay(app, webhook):
    webhook.status = 500
    with freeze_time("2026-12-01 10:00:00") as clock:
        row_id = queue(app)
        report = deliver(app)
        assert (report.sent, report.failed) == (0, 1)
        row = sms_row(app, row_id)
        assert row.status == OutboxStatus.PENDING and row.attempts == 1
        assert row.next_attempt_dt == utcnow() + timedelta(minutes=2)
        assert "500" in row.last_error and "provider-secret" not in row.last_error
        assert row.body == "Your code is 123456."  # kept until it leaves

        webhook.status = 200
        assert deliver(app).sent == 0  # not due yet
        clock.tick(timedelta(minutes=1))
        webhook.status = 500
        clock.tick(timedelta(minutes=1, seconds=1))
        deliver(app)
        assert sms_row(app, row_id).next_attempt_dt == utcnow() + timedelta(minutes=4)  # the delay grows

        webhook.status = 200
        clock.tick(timedelta(minutes=5))
        assert deliver(app).sent == 1
    assert webhook.received == [{"to": NUMBER, "text": "Your code is 123456."}]
    assert sms_row(app, row_id).body is None


def test_a_message_is_given_up_after_the_last_attempt_and_its_text_deleted(app, webhook):
    webhook.status = 503
    app.config["SMS_MAX_ATTEMPTS"] = 2
    with freeze_time("2026-12-01 10:00:00") as clock:
        row_id = queue(app)
        deliver(app)
        clock.tick(timedelta(minutes=3))
        report = deliver(app)
    assert report.given_up == 1
    row = sms_row(app, row_id)
    assert row.status == OutboxStatus.FAILED and row.body is None


def test_an_unreachable_provider_is_a_failure_retried_later(app):
    app.config.update(SMS_WEBHOOK_URL="http://127.0.0.1:9/nothing-listens-here", SMS_CONSOLE=False)
    row_id = queue(app)
    assert deliver(app).failed == 1
    assert sms_row(app, row_id).status == OutboxStatus.PENDING


def test_the_console_prints_the_message_in_development_and_tests(app, capsys):
    queue(app)
    assert deliver(app).sent == 1
    printed = capsys.readouterr().out
    assert f"SMS to {NUMBER}" in printed and "Your code is 123456." in printed


def test_without_a_provider_nothing_is_lost_nor_printed(app, capsys):
    app.config.update(SMS_CONSOLE=False, SMS_WEBHOOK_URL=None)
    row_id = queue(app)
    assert deliver(app).failed == 1
    assert "123456" not in capsys.readouterr().out
    row = sms_row(app, row_id)
    assert row.status == OutboxStatus.PENDING and "SMS_WEBHOOK_URL" in row.last_error


def test_the_text_is_in_the_recipients_language(app, webhook):
    queue(app, _l("We sent a new link to %(email)s.", email="+33 6"), locale="fr")
    queue(app, _l("We sent a new link to %(email)s.", email="+33 6"), locale="en")
    deliver(app)
    french = translation("We sent a new link to %(email)s.") % {"email": "+33 6"}
    assert [message["text"] for message in webhook.received] == [french, "We sent a new link to +33 6."]


def test_flask_sms_send_delivers_and_reports(app, runner, webhook):
    queue(app)
    result = runner.invoke(args=["sms", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1, failed 0" in result.output
    assert len(webhook.received) == 1


def test_the_webhook_is_configured_from_the_environment(monkeypatch):
    monkeypatch.setenv("SMS_WEBHOOK_URL", "https://sms.example.org/send")
    monkeypatch.setenv("SMS_WEBHOOK_TOKEN", "t0ken")
    monkeypatch.setenv("SMS_CONSOLE", "false")
    found = settings_from_environment()
    assert found["SMS_WEBHOOK_URL"] == "https://sms.example.org/send"
    assert found["SMS_WEBHOOK_TOKEN"] == "t0ken"
    assert found["SMS_CONSOLE"] is False


@pytest.mark.promise("right-erasure")
def test_the_registry_exports_erases_and_purges_text_messages(app, make_user, webhook):
    user_id = make_user("member@example.com")
    with freeze_time("2026-01-01 09:00:00"):
        old_id = queue(app, user_id=user_id)
        deliver(app)
    recent_id = queue(app, user_id=user_id)
    entry = registry.find("text_messages")
    with app.test_request_context("/en/"):
        from app.auth.models import User

        user = db.session.get(User, user_id)
        exported = entry.export(user)
        assert [row["to"] for row in exported] == [NUMBER, NUMBER]
        assert exported[0]["text"] is None and exported[1]["text"] == "Your code is 123456."
        assert entry.count(user) == 2
        assert entry.purge(utcnow()) == 1  # the record older than 3 months
        db.session.commit()
        assert db.session.scalars(select(SmsMessage.id)).all() == [recent_id]
        assert old_id != recent_id
        assert entry.erase(user) == 1
        db.session.commit()
        assert db.session.scalars(select(SmsMessage.id)).all() == []
