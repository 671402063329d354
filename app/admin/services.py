"""Queries for the operator pages."""

from sqlalchemy import func, or_, select, update

from app.auth.models import User
from app.core.audit import AuditEvent
from app.core.mail import OutboxMessage, OutboxStatus
from app.core.timeutil import utcnow
from app.extensions import db

PAGE_SIZE = 50


def search_members(query: str, page: int = 1):
    """Members whose name, e-mail, phone or username contains the words typed, newest first."""
    statement = select(User).order_by(User.created_dt.desc())
    for word in query.split()[:5]:
        pattern = f"%{word.lower()}%"
        statement = statement.where(
            or_(
                db.func.lower(User.first_name).like(pattern),
                db.func.lower(User.last_name).like(pattern),
                User.email.like(pattern),
                User.phone.like(pattern),
                User.username.like(pattern),
            )
        )
    return db.paginate(statement, page=page, per_page=PAGE_SIZE, error_out=False)


def audit_events(*, kind: str | None = None, user: User | None = None, page: int = 1):
    statement = select(AuditEvent).order_by(AuditEvent.created_dt.desc(), AuditEvent.id.desc())
    if kind:
        statement = statement.where(AuditEvent.kind == kind)
    if user is not None:
        statement = statement.where(or_(AuditEvent.user_id == user.id, AuditEvent.actor_id == user.id))
    return db.paginate(statement, page=page, per_page=PAGE_SIZE, error_out=False)


def members_by_id(ids: set[int]) -> dict[int, User]:
    """The members named in a page of events, in one query."""
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def failed_mail(page: int = 1):
    """E-mails given up after every attempt, newest first: the operator fixes the cause and sends them again."""
    statement = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.created_dt.desc(), OutboxMessage.id.desc())
    )
    return db.paginate(statement, page=page, per_page=PAGE_SIZE, error_out=False)


def count_failed_mail() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.FAILED))


def send_failed_mail_again(message_id: int | None = None) -> int:
    """Put one failed e-mail (or all of them) back in the queue, with its attempts reset; how many."""
    statement = update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
    if message_id is not None:
        statement = statement.where(OutboxMessage.id == message_id)
    result = db.session.execute(
        statement.values(status=OutboxStatus.PENDING, attempts=0, next_attempt_dt=utcnow(), claimed_dt=None)
    )
    return result.rowcount
