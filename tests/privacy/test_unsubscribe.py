"""Marketing e-mails: only with consent, with a one-click unsubscribe link and RFC 8058 headers."""

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.core.mail import queue_email
from app.extensions import db
from app.privacy import consents
from app.privacy.models import ConsentEvent, ConsentPurpose, ConsentSource
from tests.conftest import link_in, outbox, shown, text_part
from tests.privacy.conftest import rows


def send_news(app, user_id):
    with app.test_request_context("/"):
        user = db.session.get(User, user_id)
        message = consents.queue_marketing_email(
            user,
            ConsentPurpose.MARKETING,
            template="news",
            subject=_l("News"),
            headline="Autumn sessions",
            text="New interviewers joined.",
        )
        db.session.commit()
        return message is not None


def grant(app, user_id, purpose=ConsentPurpose.MARKETING):
    with app.test_request_context("/"):
        consents.set_consent(db.session.get(User, user_id), purpose, True, ConsentSource.DASHBOARD)
        db.session.commit()


def test_no_marketing_without_consent(app, make_user):
    user_id = make_user("member@example.com")
    assert not send_news(app, user_id)
    assert outbox(app) == []


def test_a_non_service_message_cannot_leave_without_unsubscribe_headers(app, make_user):
    make_user("member@example.com")
    with app.test_request_context("/"), pytest.raises(ValueError, match="unsubscribe"):
        queue_email(to="member@example.com", template="news", locale="en", subject="x", is_service=False)


@pytest.mark.promise("unsubscribe-link")
def test_marketing_mail_carries_link_and_rfc8058_headers(app, make_user, smtp_server):
    user_id = make_user("member@example.com", locale="fr")
    grant(app, user_id)
    assert send_news(app, user_id)
    [row] = outbox(app)
    assert row.is_service is False
    [message] = smtp_server.deliver()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header_link = message["List-Unsubscribe"].strip("<>")
    assert header_link.startswith("http://localhost/fr/unsubscribe/")
    body = text_part(message)
    assert link_in(body, "/unsubscribe/") == header_link.removeprefix("http://localhost")


@pytest.mark.promise("unsubscribe-link")
def test_one_click_post_unsubscribes_without_sign_in_or_csrf(app, client, make_user):
    user_id = make_user("member@example.com")
    grant(app, user_id)
    send_news(app, user_id)
    [row] = outbox(app)
    path = row.headers["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    response = client.post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "You are unsubscribed" in shown(response)
    events = rows(app, ConsentEvent, user_id=user_id)
    assert [(event.is_granted, event.source) for event in events] == [(True, "dashboard"), (False, "unsubscribe_link")]
    assert not send_news(app, user_id)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_link_in_the_body_shows_a_button_and_get_changes_nothing(app, client, make_user, lang):
    user_id = make_user("member@example.com", locale=lang)
    grant(app, user_id)
    send_news(app, user_id)
    [row] = outbox(app)
    path = link_in(row.body_text, "/unsubscribe/")
    page = client.get(path)
    assert page.status_code == 200 and f'<html lang="{lang}">' in page.text
    assert f'<form method="post" action="{path}"' in page.text
    assert len(rows(app, ConsentEvent, user_id=user_id)) == 1
    assert client.post(path).status_code == 200
    with app.app_context():
        assert not consents.has_consent(db.session.get(User, user_id), ConsentPurpose.MARKETING)


def test_a_forged_or_damaged_link_is_refused(client, app, make_user):
    user_id = make_user("member@example.com")
    grant(app, user_id)
    assert client.post("/en/unsubscribe/not-a-token").status_code == 400
    with app.test_request_context("/"):
        user = db.session.get(User, user_id)
        token = consents.unsubscribe_token(user, ConsentPurpose.MARKETING)
    # One character of the signature changed (not the last, whose low bits base64 ignores): always another one.
    damaged = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    assert client.post(f"/en/unsubscribe/{damaged}").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(ConsentEvent.id).where(ConsentEvent.is_granted.is_(False))) is None


def test_unsubscribing_twice_is_harmless(app, client, make_user):
    user_id = make_user("member@example.com")
    grant(app, user_id)
    with app.test_request_context("/"):
        token = consents.unsubscribe_token(db.session.get(User, user_id), ConsentPurpose.MARKETING)
    assert client.post(f"/en/unsubscribe/{token}").status_code == 200
    assert client.post(f"/en/unsubscribe/{token}").status_code == 200
    assert len(rows(app, ConsentEvent, user_id=user_id)) == 2
