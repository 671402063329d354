"""Consents, objections, one-click unsubscribe, and the only way to send an e-mail that is not a service message.

A consent takes effect everywhere at once because every feature asks here, at the moment it acts:
`has_consent(user, purpose)` for one member, `consenting(purpose)` as a query filter (for example, an
employers' search over candidates who agreed to be found).
"""

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import exists, select

from app.auth.models import User
from app.core.audit import client_ip
from app.core.mail import OutboxMessage, absolute_url, queue_email
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy import services
from app.privacy.models import (
    DIRECT_MARKETING,
    Consent,
    ConsentEvent,
    ConsentPurpose,
    ConsentSource,
    Objection,
    ObjectionStatus,
    ObjectionTopic,
)

# --- consents ----------------------------------------------------------------------------------------


def consent_states(user) -> dict[ConsentPurpose, Consent | None]:
    """Every purpose, with the member's current choice (None: never chosen, which means no)."""
    rows = {row.purpose: row for row in db.session.scalars(select(Consent).where(Consent.user_id == user.id))}
    return {purpose: rows.get(purpose.value) for purpose in ConsentPurpose}


def has_consent(user, purpose: ConsentPurpose) -> bool:
    """Whether this processing may happen now: consent given, no restriction, no objection that stops it."""
    if user is None or services.is_restricted(user):
        return False
    if purpose in DIRECT_MARKETING and has_objection(user, ObjectionTopic.DIRECT_MARKETING):
        return False
    return bool(
        db.session.scalar(
            select(Consent.id).where(
                Consent.user_id == user.id, Consent.purpose == purpose.value, Consent.is_granted.is_(True)
            )
        )
    )


def consenting(purpose: ConsentPurpose):
    """A filter on User for queries: members who may be processed for `purpose` now."""
    granted = exists().where(Consent.user_id == User.id, Consent.purpose == purpose.value, Consent.is_granted.is_(True))
    clause = granted & services.unrestricted()
    if purpose in DIRECT_MARKETING:
        clause = clause & ~_active_objection_exists(ObjectionTopic.DIRECT_MARKETING)
    return clause


def set_consent(user, purpose: ConsentPurpose, granted: bool, source: ConsentSource) -> bool:
    """Record a grant or a withdrawal (with time, policy version and IP); returns False if nothing changed."""
    row = db.session.scalar(select(Consent).where(Consent.user_id == user.id, Consent.purpose == purpose.value))
    if row is not None and row.is_granted == granted:
        return False
    if row is None:
        if not granted:
            return False
        row = Consent(user_id=user.id, purpose=purpose.value)
        db.session.add(row)
    now = utcnow()
    row.is_granted = granted
    row.updated_dt = now
    policy = services.current_policy()
    db.session.add(
        ConsentEvent(
            user_id=user.id,
            purpose=purpose.value,
            is_granted=granted,
            created_dt=now,
            policy_version_id=policy.id if policy else None,
            source=source.value,
            ip_address=client_ip(),
        )
    )
    db.session.flush()
    return True


def update_consents(user, chosen: set[ConsentPurpose], source: ConsentSource = ConsentSource.DASHBOARD) -> int:
    """Apply the boxes of the consent form; returns how many choices changed."""
    return sum(set_consent(user, purpose, purpose in chosen, source) for purpose in ConsentPurpose)


def consent_history(user, limit: int | None = None) -> list[ConsentEvent]:
    """The member's consent choices, newest first (the `limit` latest ones when given)."""
    return list(
        db.session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.user_id == user.id)
            .order_by(ConsentEvent.created_dt.desc(), ConsentEvent.id.desc())
            .limit(limit)
        )
    )


# --- objections --------------------------------------------------------------------------------------


def _active_objection_exists(topic: ObjectionTopic):
    return exists().where(
        Objection.user_id == User.id,
        Objection.topic == topic.value,
        Objection.status.in_([ObjectionStatus.IN_EFFECT.value, ObjectionStatus.UPHELD.value]),
    )


def has_objection(user, topic: ObjectionTopic) -> bool:
    """Whether an objection of the member stops this processing now (in effect from the moment it is made)."""
    return bool(
        db.session.scalar(
            select(Objection.id).where(
                Objection.user_id == user.id,
                Objection.topic == topic.value,
                Objection.status.in_([ObjectionStatus.IN_EFFECT.value, ObjectionStatus.UPHELD.value]),
            )
        )
    )


def not_objecting(topic: ObjectionTopic):
    """A filter on User for queries: members with no active objection to `topic`."""
    return ~_active_objection_exists(topic)


def object_to(user, topic: ObjectionTopic, reason: str = "") -> Objection:
    """Record an objection; it takes effect at once. Direct marketing stops without review or exception."""
    existing = db.session.scalar(
        select(Objection).where(
            Objection.user_id == user.id,
            Objection.topic == topic.value,
            Objection.status.in_([ObjectionStatus.IN_EFFECT.value, ObjectionStatus.UPHELD.value]),
        )
    )
    if existing is not None:
        raise services.PrivacyError(_l("You have already objected to this; your objection is in effect."), "topic")
    reason = (reason or "").strip()
    if not topic.is_absolute and not reason:
        raise services.PrivacyError(
            _l("Tell us briefly about your situation, so that we can examine your objection."), "reason"
        )
    objection = Objection(
        user_id=user.id,
        topic=topic.value,
        reason=reason,
        status=(ObjectionStatus.UPHELD if topic.is_absolute else ObjectionStatus.IN_EFFECT).value,
        reviewed_dt=utcnow() if topic.is_absolute else None,
    )
    db.session.add(objection)
    if topic.is_absolute:
        for purpose in DIRECT_MARKETING:
            set_consent(user, purpose, False, ConsentSource.OBJECTION)
    db.session.flush()
    return objection


def withdraw_objection(user, objection: Objection) -> None:
    if objection.user_id != user.id or not objection.is_active:
        raise services.PrivacyError(_l("This objection is no longer in effect."))
    objection.status = ObjectionStatus.WITHDRAWN.value


def review_objection(objection: Objection, *, upheld: bool, note: str, reviewer) -> None:
    """An administrator upholds an objection, or explains the compelling grounds that override it."""
    if objection.status != ObjectionStatus.IN_EFFECT.value:
        raise services.PrivacyError(_l("This objection has already been reviewed."))
    if not upheld and not (note or "").strip():
        raise services.PrivacyError(_l("Explain the compelling grounds to the member."), "note")
    objection.status = (ObjectionStatus.UPHELD if upheld else ObjectionStatus.OVERRIDDEN).value
    objection.review_note = (note or "").strip()
    objection.reviewed_dt = utcnow()
    objection.reviewed_by_id = reviewer.id


def objections_of(user) -> list[Objection]:
    return list(
        db.session.scalars(select(Objection).where(Objection.user_id == user.id).order_by(Objection.created_dt.desc()))
    )


def objections_to_review() -> list[Objection]:
    return list(
        db.session.scalars(
            select(Objection).where(Objection.status == ObjectionStatus.IN_EFFECT.value).order_by(Objection.created_dt)
        )
    )


# --- unsubscribe links and marketing e-mail ----------------------------------------------------------


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user, purpose: ConsentPurpose) -> str:
    """A signed token naming the member and the purpose; it works without signing in, and never expires."""
    return _unsubscribe_serializer().dumps({"u": user.public_id, "p": purpose.value})


def read_unsubscribe_token(token: str) -> tuple[User, ConsentPurpose]:
    """The member and purpose of a token; raises PrivacyError when it is not one of ours."""
    invalid = services.PrivacyError(_l("This unsubscribe link is not valid. Check that you copied it whole."))
    try:
        data = _unsubscribe_serializer().loads(token)
        purpose = ConsentPurpose(data["p"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    user = db.session.scalar(select(User).where(User.public_id == data.get("u")))
    if user is None:
        raise invalid
    return user, purpose


def unsubscribe(user, purpose: ConsentPurpose) -> bool:
    return set_consent(user, purpose, False, ConsentSource.UNSUBSCRIBE_LINK)


def unsubscribe_url(user, purpose: ConsentPurpose) -> str:
    return absolute_url("privacy.unsubscribe", lang_code=user.locale, token=unsubscribe_token(user, purpose))


def unsubscribe_headers(user, purpose: ConsentPurpose) -> dict:
    """RFC 2369 and RFC 8058: mail programs show an unsubscribe button that POSTs to the link."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user, purpose)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def queue_marketing_email(user, purpose: ConsentPurpose, *, template: str, subject, **context) -> OutboxMessage | None:
    """Queue a news, survey or opportunity e-mail only if the member agreed, did not object and is not restricted.

    The message carries an unsubscribe link in its body and the List-Unsubscribe headers. Returns None
    (and sends nothing) when the member may not receive it.
    """
    if not user.email or not has_consent(user, purpose):
        return None
    link = unsubscribe_url(user, purpose)
    return queue_email(
        to=user.email,
        template=template,
        locale=user.locale,
        subject=subject,
        user_id=user.id,
        is_service=False,
        headers=unsubscribe_headers(user, purpose),
        user=user,
        unsubscribe_link=link,
        purpose_label=purpose.label,
        **context,
    )
