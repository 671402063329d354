"""E-mails of the sponsors feature, written to the outbox in the recipient's language.

Like app.core.mail.queue_email, but the templates live with the feature (templates/sponsors/email/), and
`render_outbox_message` builds the row without adding it, so that an import can insert many at once.
"""

from flask import current_app, render_template
from flask_babel import force_locale

from app.core.mail import OutboxMessage
from app.extensions import db


def render_outbox_message(*, to: str, template: str, locale: str, subject, user_id: int | None = None, **context):
    """The outbox row for `sponsors/email/<template>.txt` and `.html`, rendered in `locale` (not added)."""
    with force_locale(locale):
        context.update(locale=locale, portal_name=current_app.config["PORTAL_NAME"])
        rendered_subject = str(subject() if callable(subject) else subject)
        return OutboxMessage(
            user_id=user_id,
            to_address=to,
            subject=rendered_subject,
            body_text=render_template(f"sponsors/email/{template}.txt", subject=rendered_subject, **context),
            body_html=render_template(f"sponsors/email/{template}.html", subject=rendered_subject, **context),
            is_service=True,
            headers={},
            attachments=[],
        )


def queue_sponsor_email(**kwargs) -> OutboxMessage:
    """Render a service e-mail of this feature and add it to the outbox (sent after the commit)."""
    message = render_outbox_message(**kwargs)
    db.session.add(message)
    return message
