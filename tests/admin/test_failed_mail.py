"""E-mails that failed at every attempt: the operator's home page counts them, a page lists them with the last
error, and the operator sends them again once the cause is fixed."""

from sqlalchemy import select

from app.core.mail import OutboxMessage, OutboxStatus, deliver_pending
from app.extensions import db
from tests.auth.test_register import register
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import csrf_from, free_port, shown


def _mail_that_fails(app) -> None:
    """A new member's verification e-mail, given up because the mail server does not answer."""
    settings = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_CONSOLE", "MAIL_MAX_ATTEMPTS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_CONSOLE=False, MAIL_MAX_ATTEMPTS=1)
    register(app.test_client(), "fr")
    with app.app_context():
        assert deliver_pending().given_up == 1
    app.config.update(settings)


def _status(app) -> str:
    with app.app_context():
        return db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.to_address.like("camille%")))


def test_the_admin_home_counts_failed_mail_and_links_to_the_list(app, client, make_user):
    admin = sign_in_admin_with_two_step(app, make_user)
    assert "could not be sent" not in admin.get("/en/dashboard").text
    _mail_that_fails(app)
    home = admin.get("/en/dashboard")
    assert "1 e-mail could not be sent" in shown(home)
    assert 'href="/en/admin/mail"' in home.text
    assert "1 e-mail n’a pas pu être envoyé" in shown(admin.get("/fr/dashboard"))


def test_the_list_shows_each_failed_mail_with_its_error_in_both_languages(app, client, make_user):
    admin = sign_in_admin_with_two_step(app, make_user)
    _mail_that_fails(app)
    page = admin.get("/en/admin/mail")
    assert page.status_code == 200
    text = shown(page)
    assert "camille.durand@example.com" in text and "Camille Durand" in text
    assert "Confirmez votre adresse e-mail" in text  # the subject, in the member's language
    assert "ConnectionRefusedError" in text
    french = shown(admin.get("/fr/admin/mail"))
    assert "E-mails qui n’ont pas pu être envoyés" in french and "Renvoyer" in french


def test_sending_again_delivers_it_once_the_cause_is_fixed(app, client, make_user, smtp_server):
    admin = sign_in_admin_with_two_step(app, make_user)
    _mail_that_fails(app)
    page = admin.get("/en/admin/mail")
    with app.app_context():
        message_id = db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.FAILED))
    response = admin.post(f"/en/admin/mail/{message_id}/send-again", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert _status(app) == OutboxStatus.PENDING
    assert "The e-mail is back in the queue." in shown(admin.get(response.headers["Location"]))
    [delivered] = smtp_server.deliver()
    assert delivered["To"] == "camille.durand@example.com"
    assert _status(app) == OutboxStatus.SENT
    assert "Every e-mail was sent." in shown(admin.get("/en/admin/mail"))
    assert "could not be sent" not in admin.get("/en/dashboard").text


def test_send_every_failed_mail_again(app, client, make_user):
    admin = sign_in_admin_with_two_step(app, make_user)
    _mail_that_fails(app)
    token = csrf_from(admin.get("/fr/admin/mail").text)
    response = admin.post("/fr/admin/mail/send-again", data={"csrf_token": token}, follow_redirects=True)
    assert "1 e-mail est de nouveau dans la file d’attente." in shown(response)
    assert _status(app) == OutboxStatus.PENDING


def test_a_sent_or_unknown_mail_cannot_be_sent_again(app, client, make_user, smtp_server):
    admin = sign_in_admin_with_two_step(app, make_user)
    register(client, "en")
    smtp_server.deliver()
    with app.app_context():
        sent_id = db.session.scalar(select(OutboxMessage.id))
    token = csrf_from(admin.get("/en/admin/mail").text)
    assert admin.post(f"/en/admin/mail/{sent_id}/send-again", data={"csrf_token": token}).status_code == 404
    assert admin.post("/en/admin/mail/999999/send-again", data={"csrf_token": token}).status_code == 404
    assert len(smtp_server.deliver()) == 1  # the sent one was not queued again


def test_only_administrators_see_or_resend_failed_mail(app, client, make_user, auth):
    _mail_that_fails(app)
    make_user("someone@example.com")
    auth.login("someone@example.com")
    assert auth.client.get("/en/admin/mail").status_code in (403, 404)
    token = csrf_from(auth.client.get("/en/account").text)
    assert auth.client.post("/en/admin/mail/send-again", data={"csrf_token": token}).status_code in (403, 404)
    assert _status(app) == OutboxStatus.FAILED
