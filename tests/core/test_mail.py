"""Mail: the outbox, delivery through a real SMTP server, the recipient's language, retries."""

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from app.core.mail import OutboxMessage, OutboxStatus, deliver_pending
from app.extensions import db
from tests.auth.test_register import register
from tests.conftest import free_port, html_part, link_in, text_part


def test_verification_mail_arrives_over_smtp_with_text_and_html(app, client, smtp_server):
    app.config["BASE_URL"] = "https://portal.example.org"
    register(client, "fr")
    [message] = smtp_server.deliver()
    assert message["To"] == "camille.durand@example.com"
    assert message["Subject"] == "Confirmez votre adresse e-mail"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    text, html = text_part(message), html_part(message)
    assert "Bonjour Camille," in text
    assert 'lang="fr"' in html
    link = link_in(text, "/verify-email/")
    assert "https://portal.example.org" + link in text  # absolute, on the configured base URL
    assert "https://portal.example.org" + link in html
    with app.app_context():
        row = db.session.scalar(select(OutboxMessage))
        assert row.status == OutboxStatus.SENT and row.sent_dt is not None


def test_mail_in_english_for_an_english_member(app, client, smtp_server):
    register(client, "en")
    [message] = smtp_server.deliver()
    assert message["Subject"] == "Confirm your e-mail address"
    assert "Hello Camille," in text_part(message)


def test_each_message_is_sent_once_even_if_delivery_runs_twice(app, client, smtp_server):
    register(client, "en")
    smtp_server.deliver()
    assert len(smtp_server.deliver()) == 1


def test_failed_delivery_is_retried_later_then_given_up(app, client):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_CONSOLE=False, MAIL_MAX_ATTEMPTS=2)
    with freeze_time("2026-11-24 09:00:00") as clock:
        register(client, "en")
        with app.app_context():
            report = deliver_pending()
            assert (report.sent, report.failed) == (0, 1)
            row = db.session.scalar(select(OutboxMessage))
            assert row.status == OutboxStatus.PENDING and "Error" in row.last_error
            assert deliver_pending().failed == 0  # not due yet
            clock.tick(timedelta(minutes=3))
            assert deliver_pending().given_up == 1
            assert db.session.scalar(select(OutboxMessage.status)) == OutboxStatus.FAILED


def test_flask_mail_send_command(app, client, smtp_server, runner):
    register(client, "en")
    result = runner.invoke(args=["mail", "send"])
    assert "sent 1, failed 0" in result.output
    assert len(smtp_server.messages) == 1


def test_console_delivery_prints_the_message(app, client, capsys):
    app.config.update(MAIL_SERVER=None, MAIL_CONSOLE=True)
    register(client, "en")
    with app.app_context():
        assert deliver_pending().sent == 1
    assert "Subject: Confirm your e-mail address" in capsys.readouterr().out
