"""The message thread of a session: the candidate and the interviewer write to each other, no one else reads.

The other party is told by e-mail, in her language, that a message is waiting; the e-mail does not carry the
text, so that erasing the author (which deletes her messages) leaves no copy of it in someone else's mailbox.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.mail import absolute_url, queue_member_email
from app.extensions import db
from app.simulations.models import InterviewSession, SessionMessage
from app.simulations.services import SimulationError, other_party

#: Long enough for a question or a change of plan; a message is not a document.
MAX_LENGTH = 2000


def thread(session: InterviewSession) -> list[SessionMessage]:
    """The session's messages, oldest first, with their authors (one query)."""
    return list(
        db.session.scalars(
            select(SessionMessage)
            .where(SessionMessage.session_id == session.id)
            .order_by(SessionMessage.created_dt, SessionMessage.id)
            .options(selectinload(SessionMessage.author))
        )
    )


def post_message(session: InterviewSession, author, body: str) -> SessionMessage:
    """Add `author`'s message to the session's thread and tell the other party by e-mail."""
    if author.id not in {session.candidate_id, session.interviewer_id}:
        raise SimulationError(_l("Only the candidate and the interviewer of this session can write here."))
    text = (body or "").strip()
    if not text:
        raise SimulationError(_l("Write your message."), "body")
    if len(text) > MAX_LENGTH:
        raise SimulationError(_l("Use at most %(max)d characters.", max=MAX_LENGTH), "body")
    recipient = other_party(session, author)
    if recipient is None:
        raise SimulationError(_l("The other person has left the portal: you can no longer write to them."))
    message = SessionMessage(session_id=session.id, author_id=author.id, body=text)
    db.session.add(message)
    db.session.flush()
    _notify(recipient, author, session)
    return message


def _notify(recipient, author, session: InterviewSession) -> None:
    if not recipient.email:
        return
    queue_member_email(
        recipient,
        "simulations/email/new_message",
        _l("A new message about your mock interview"),
        author_name=author.full_name,  # the whole name: erasure redacts it from this e-mail
        link=absolute_url("simulations.session", lang_code=recipient.locale, public_id=session.public_id) + "#messages",
    )
