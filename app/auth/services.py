"""Accounts: registration, verification, sign-in, server-side sessions, passwords, roles, two-step.

Services flush but never commit, and never touch `request` or `flash`; they raise AuthError subclasses
whose lazy messages the views show next to the field.
"""

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import phonenumbers
import pyotp
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from app.auth.member import SignedInMember, keep_riders, session_read, session_statement
from app.auth.models import (
    EndReason,
    PhoneCode,
    PhoneCodePurpose,
    RecoveryCode,
    Role,
    User,
    UserRole,
    UserSession,
    new_token,
)
from app.auth.passwords import hash_password, needs_rehash, verify_password
from app.core import crypto
from app.core.audit import EventKind, client_ip, client_user_agent, record_event
from app.core.errors import DomainError
from app.core.mail import absolute_url, queue_email, queue_member_email
from app.core.sms import queue_sms
from app.core.timeutil import utcnow
from app.extensions import db

USERNAME_ALLOWED = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
RECOVERY_CODE_COUNT = 10


class AuthError(DomainError):
    """A refusal about an account: registration, sign-in, links, passwords, two-step."""


class LinkExpired(AuthError):
    pass


class LinkInvalid(AuthError):
    pass


class DuplicateEmail(AuthError):
    """Never shown as such on a page: the answer to registration must not reveal an account."""

    def __init__(self, user: User):
        super().__init__(_l("This e-mail address is already used."), "email")
        self.user = user


# --- identifiers -------------------------------------------------------------------------------------


def normalise_email(raw: str) -> str:
    """A valid address, lower-cased; raises AuthError for anything that is not one."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise AuthError(_l("Enter a valid e-mail address, such as name@example.com."), "email") from None
    return result.normalized.lower()


def normalise_phone(raw: str, region: str = "FR") -> str:
    """The number in E.164; a number without a country code is read as French."""
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise AuthError(_l("Enter a valid phone number, such as 06 12 34 56 78 or +44 20 7946 0958."), "phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_username(raw: str) -> str:
    username = raw.strip().lower()
    if not 3 <= len(username) <= 40 or not set(username) <= USERNAME_ALLOWED:
        raise AuthError(
            _l("Use 3 to 40 letters, digits, dots, dashes or underscores, without spaces or accents."),
            "username",
        )
    return username


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def find_user_by_phone(phone: str) -> User | None:
    """The member with this number (E.164, as normalise_phone gives it)."""
    return db.session.scalar(select(User).where(User.phone == phone))


def display_phone(phone: str | None) -> str:
    """An E.164 number written for people: +33 6 12 34 56 78."""
    if not phone:
        return ""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def find_user_by_identifier(identifier: str) -> User | None:
    """The member whose e-mail, phone or username this is."""
    identifier = identifier.strip()
    if not identifier:
        return None
    if "@" in identifier:
        return find_user_by_email(identifier)
    if any(char.isdigit() for char in identifier) and set(identifier) <= set("+0123456789 .-()"):
        try:
            phone = normalise_phone(identifier)
        except AuthError:
            return None
        return db.session.scalar(select(User).where(User.phone == phone))
    return db.session.scalar(select(User).where(User.username == identifier.lower()))


# --- registration and verification -------------------------------------------------------------------


@dataclass
class Registration:
    first_name: str
    last_name: str
    password: str
    locale: str
    email: str | None = None
    phone: str | None = None
    username: str | None = None
    company: str | None = None
    timezone: str = "Europe/Paris"


def register_user(data: Registration) -> User:
    """Create a candidate account. Raises DuplicateEmail (to be answered as a success) or AuthError."""
    if data.email and (existing := find_user_by_email(data.email)):
        raise DuplicateEmail(existing)
    if data.phone and db.session.scalar(select(User.id).where(User.phone == data.phone)):
        raise AuthError(
            _l("This phone number cannot be used. If it is yours, sign in or reset your password."), "phone"
        )
    if data.username and db.session.scalar(select(User.id).where(User.username == data.username)):
        raise AuthError(_l("This username is taken. Choose another one."), "username")
    user = User(
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        email=data.email,
        phone=data.phone,
        username=data.username,
        company=(data.company or "").strip() or None,
        password_hash=hash_password(data.password),
        locale=data.locale,
        timezone=data.timezone,
    )
    user.roles.append(UserRole(role=Role.CANDIDATE.value))
    db.session.add(user)
    db.session.flush()
    record_event(EventKind.REGISTERED, user_id=user.id)
    if user.email:
        send_verification_email(user)
    return user


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def email_verification_token(user: User) -> str:
    return _serializer("verify-email").dumps({"u": user.public_id, "e": user.email})


def send_verification_email(user: User) -> None:
    link = absolute_url("auth.verify_email", lang_code=user.locale, token=email_verification_token(user))
    hours = int(current_app.config["EMAIL_VERIFICATION_MAX_AGE"].total_seconds() // 3600)
    queue_member_email(user, "verify_email", _l("Confirm your e-mail address"), link=link, hours=hours)


def send_registration_attempt_notice(user: User, locale: str) -> None:
    """Tell the owner of an address that someone tried to register with it (instead of telling the visitor)."""
    queue_member_email(
        user,
        "registration_attempt",
        _l("Someone tried to create an account with your address"),
        locale=user.locale or locale,
        login_link=absolute_url("auth.login", lang_code=user.locale or locale),
        reset_link=absolute_url("auth.forgot_password", lang_code=user.locale or locale),
    )


def _load_token(salt: str, token: str, max_age: timedelta) -> dict:
    try:
        return _serializer(salt).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise LinkExpired(_l("This link has expired. Ask for a new one below.")) from None
    except BadSignature:
        raise LinkInvalid(_l("This link is not valid. Check that you copied it whole, or ask for a new one.")) from None


def verify_email(token: str) -> User:
    """Mark the address in the link as verified; a link used twice, or for an old address, is refused."""
    data = _load_token("verify-email", token, current_app.config["EMAIL_VERIFICATION_MAX_AGE"])
    user = db.session.scalar(select(User).where(User.public_id == data.get("u")))
    if user is None or user.email != data.get("e"):
        raise LinkInvalid(_l("This link is not valid any more: the address it confirms has changed."))
    if user.email_verified_dt is not None:
        raise LinkInvalid(_l("This link has already been used: your address is verified. You can sign in."))
    user.email_verified_dt = utcnow()
    record_event(EventKind.EMAIL_VERIFIED, user_id=user.id)
    return user


# --- sign-in and sessions ----------------------------------------------------------------------------


class AccountSuspended(AuthError):
    pass


def authenticate(identifier: str, password: str) -> User | None:
    """The member these credentials belong to, or None; every attempt is recorded."""
    user = find_user_by_identifier(identifier)
    if user is None:
        # Hash anyway, so that the answer takes as long for an unknown account.
        verify_password(_dummy_hash(), password)
        record_event(EventKind.LOGIN_FAILURE, reason="unknown_account")
        return None
    if not verify_password(user.password_hash, password):
        record_event(EventKind.LOGIN_FAILURE, user_id=user.id, reason="wrong_password")
        return None
    if user.is_suspended:
        record_event(EventKind.LOGIN_BLOCKED, user_id=user.id)
        raise AccountSuspended(
            _l(
                "Your account is suspended: %(reason)s. Write to %(contact)s if you think this is a mistake.",
                reason=user.suspended_reason or "-",
                contact=current_app.config["CONTACT_EMAIL"],
            )
        )
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


_DUMMY = {}


def _dummy_hash() -> str:
    if "hash" not in _DUMMY:
        _DUMMY["hash"] = hash_password("not a real password, only for timing")
    return _DUMMY["hash"]


def start_session(user: User, *, remember: bool, mfa_verified: bool) -> UserSession:
    """Open a server-side session for a device that just signed in; its token goes in the cookie."""
    now = utcnow()
    config = current_app.config
    lifetime = config["REMEMBER_ME_DURATION"] if remember else config["SESSION_ABSOLUTE_TIMEOUT"]
    token = new_token()
    user_session = UserSession(
        token_hash=crypto.sha256_hex(token),
        user_id=user.id,
        created_dt=now,
        last_seen_dt=now,
        expires_dt=now + lifetime,
        is_remembered=remember,
        is_mfa_verified=mfa_verified,
        ip_address=client_ip(),
        user_agent=client_user_agent(),
    )
    db.session.add(user_session)
    user.last_login_dt = now
    db.session.flush()
    user_session.token = token
    user.current_session = user_session
    record_event(EventKind.LOGIN_SUCCESS, user_id=user.id, second_factor=mfa_verified or None)
    return user_session


def load_session(token: str) -> SignedInMember | None:
    """The member of an open, unexpired session with this token, or None (and an expired session ends).

    One Core statement reads the session, the member and their roles, and what other features read with
    them (app.auth.member.read_with_session); writes, when due, are single UPDATEs by primary key.
    """
    parameters = {"token_hash": crypto.sha256_hex(token)}
    if db.session.registry.has() and db.session().in_transaction():
        # The request's ORM session has begun (and may have written): read in its transaction, which sees it all.
        rows = db.session.connection().execute(session_statement(), parameters).all()
    else:
        # Most requests: no ORM session begun for the member, and so nothing for the teardown to close.
        rows = session_read().rows(db.engine, parameters)
    if not rows:
        return None
    found = rows[0]
    keep_riders(found)
    now = utcnow()
    idle_limit = current_app.config["SESSION_IDLE_TIMEOUT"]
    idle_too_long = not found.is_remembered and now - found.last_seen_dt > idle_limit
    if now >= found.expires_dt or idle_too_long:
        _end_by_id(found.session_id, EndReason.EXPIRED, now)
        db.session.commit()
        return None
    if found.is_suspended:
        return None
    if now - found.last_seen_dt > _touch_interval(found.session_id):
        db.session.execute(
            update(UserSession).where(UserSession.id == found.session_id).values(last_seen_dt=now),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
    return SignedInMember.from_rows(rows, token)


def _end_by_id(session_id: int, reason: EndReason, now) -> None:
    db.session.execute(
        update(UserSession).where(UserSession.id == session_id).values(ended_dt=now, end_reason=reason.value),
        execution_options={"synchronize_session": False},
    )


def _touch_interval(session_id: int) -> timedelta:
    """How long a session's last activity may be off before it is written again: the setting, plus up to half
    of it, spread over sessions. A class that signs in together for a test then does not write all its
    sessions in the same second, every minute, queueing its own pages behind those writes."""
    interval = current_app.config["SESSION_TOUCH_INTERVAL"]
    return interval + interval * (session_id % 16) / 32


def _end(user_session: UserSession, reason: EndReason) -> None:
    user_session.ended_dt = utcnow()
    user_session.end_reason = reason.value


def end_session(user_session: UserSession, reason: EndReason) -> None:
    if user_session.is_open:
        _end(user_session, reason)
        kind = EventKind.LOGOUT if reason == EndReason.LOGOUT else EventKind.SESSION_ENDED
        record_event(kind, user_id=user_session.user_id, reason=reason.value)


def end_other_sessions(user: User, reason: EndReason, keep: UserSession | None = None) -> int:
    """End every open session of the member except `keep`; returns how many ended."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_dt.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(
        query.values(ended_dt=utcnow(), end_reason=reason.value),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount


def open_sessions(user: User) -> list[UserSession]:
    now = utcnow()
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_dt.is_(None), UserSession.expires_dt > now)
            .order_by(UserSession.last_seen_dt.desc())
        )
    )


def find_open_session(user: User, public_id: str) -> UserSession | None:
    """One of the member's own open sessions; another member's session is never found."""
    return db.session.scalar(
        select(UserSession).where(
            UserSession.user_id == user.id, UserSession.public_id == public_id, UserSession.ended_dt.is_(None)
        )
    )


# --- passwords and e-mail ----------------------------------------------------------------------------


def check_current_password(user: User, password: str) -> None:
    if not verify_password(user.password_hash, password or ""):
        raise AuthError(_l("Your current password is not correct."), "current_password")


def change_password(user: User, new_password: str) -> int:
    """Set a new password and end the member's other sessions; returns how many were ended."""
    user.password_hash = hash_password(new_password)
    user.password_changed_dt = utcnow()
    record_event(EventKind.PASSWORD_CHANGED, user_id=user.id)
    ended = end_other_sessions(user, EndReason.PASSWORD_CHANGED, keep=user.current_session)
    _queue_security_notice(user, _l("Your password was changed"), "password_changed")
    return ended


def _password_fingerprint(user: User) -> str:
    # Changes whenever the password does, so a reset link works once.
    return crypto.sha256_hex(user.password_hash)[:16]


def password_reset_token(user: User, channel: str = "email") -> str:
    """A single-use reset token; `channel` says what the member proved to own by getting it (e-mail or phone)."""
    return _serializer("reset-password").dumps({"u": user.public_id, "p": _password_fingerprint(user), "c": channel})


def request_password_reset(email: str, locale: str) -> None:
    """Send a reset link if the address has an account; the caller answers the same either way."""
    user = find_user_by_email(email)
    if user is None or user.is_suspended:
        return
    token = password_reset_token(user)
    minutes = int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 60)
    queue_member_email(
        user,
        "reset_password",
        _l("Reset your password"),
        locale=user.locale or locale,
        link=absolute_url("auth.reset_password", lang_code=user.locale or locale, token=token),
        minutes=minutes,
    )


def read_reset_token(token: str) -> tuple[User, str]:
    """The member a reset token is for, and the channel it came by ("email" or "phone")."""
    data = _load_token("reset-password", token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.scalar(select(User).where(User.public_id == data.get("u")))
    if user is None or not hmac.compare_digest(_password_fingerprint(user), data.get("p", "")):
        raise LinkInvalid(_l("This link has already been used or is no longer valid. Ask for a new one below."))
    return user, data.get("c", "email")


def user_for_reset_token(token: str) -> User:
    return read_reset_token(token)[0]


def reset_password(user: User, new_password: str, channel: str = "email") -> None:
    """Set the password from a reset link: every session ends, and the address (or number) that received
    the link (or code) is proven to be theirs."""
    user.password_hash = hash_password(new_password)
    user.password_changed_dt = utcnow()
    if channel == "email" and user.email_verified_dt is None:
        user.email_verified_dt = utcnow()
    end_other_sessions(user, EndReason.PASSWORD_CHANGED)
    record_event(EventKind.PASSWORD_RESET, user_id=user.id)
    _queue_security_notice(user, _l("Your password was reset"), "password_changed")


def change_email(user: User, new_email: str) -> None:
    """Switch to a new address, unverified until its link is followed; the old one is told."""
    if find_user_by_email(new_email):
        raise AuthError(_l("This e-mail address cannot be used. Choose another one."), "email")
    old_email = user.email
    user.email = new_email
    user.email_verified_dt = None
    record_event(EventKind.EMAIL_CHANGED, user_id=user.id)
    if old_email:
        queue_email(
            to=old_email,
            template="email_changed",
            locale=user.locale,
            subject=_l("Your e-mail address was changed"),
            user_id=user.id,
            user=user,
        )
    send_verification_email(user)


# --- phone numbers, usernames and codes sent by SMS ---------------------------------------------------

PHONE_CODE_DIGITS = 6


class WrongCode(AuthError):
    """A code that is wrong, expired, used or spent: one answer for all, and for unknown numbers too.

    The view commits (not rolls back) on it, so that the wrong try is counted."""

    def __init__(self):
        super().__init__(
            _l(
                "This code is not correct or no longer valid (too old, already used, or tried too many times). "
                "Check the text message, or ask for a new code."
            ),
            "code",
        )


def _hash_code(purpose: str, phone: str, code: str) -> str:
    # Keyed: a million codes are quickly hashed, so a leaked table must not be enough to find one.
    return crypto.keyed_digest(f"{purpose}:{phone}:{code}", length=64)


def _code_minutes() -> int:
    return int(current_app.config["PHONE_CODE_MAX_AGE"].total_seconds() // 60)


def _new_phone_code(user: User, purpose: PhoneCodePurpose, phone: str) -> str:
    """A fresh code for this purpose, replacing the member's earlier ones; returns it in clear, to send."""
    now = utcnow()
    db.session.execute(
        update(PhoneCode)
        .where(PhoneCode.user_id == user.id, PhoneCode.purpose == purpose.value, PhoneCode.used_dt.is_(None))
        .values(used_dt=now),
        execution_options={"synchronize_session": False},
    )
    code = f"{secrets.randbelow(10**PHONE_CODE_DIGITS):0{PHONE_CODE_DIGITS}d}"
    db.session.add(
        PhoneCode(
            user_id=user.id,
            purpose=purpose.value,
            phone=phone,
            code_hash=_hash_code(purpose.value, phone, code),
            created_dt=now,
            expires_dt=now + current_app.config["PHONE_CODE_MAX_AGE"],
        )
    )
    return code


def active_phone_code(user: User, purpose: PhoneCodePurpose) -> PhoneCode | None:
    """The member's latest code for this purpose that is unused and unexpired."""
    return db.session.scalar(
        select(PhoneCode)
        .where(
            PhoneCode.user_id == user.id,
            PhoneCode.purpose == purpose.value,
            PhoneCode.used_dt.is_(None),
            PhoneCode.expires_dt > utcnow(),
        )
        .order_by(PhoneCode.id.desc())
        .limit(1)
    )


def _redeem_code(user: User | None, purpose: PhoneCodePurpose, typed: str) -> PhoneCode:
    """Spend the member's active code if `typed` is it; a wrong try counts, and the last allowed one spends it."""
    row = active_phone_code(user, purpose) if user is not None else None
    if row is not None:
        # Locked and read again: two tries at once must neither both spend it nor count as one wrong try.
        db.session.refresh(row, with_for_update=True)
        if row.used_dt is not None:
            row = None
    typed = "".join((typed or "").split())
    if row is None:
        raise WrongCode()
    if typed.isdigit() and hmac.compare_digest(row.code_hash, _hash_code(purpose.value, row.phone, typed)):
        row.used_dt = utcnow()
        return row
    row.wrong_attempts += 1
    if row.wrong_attempts >= current_app.config["PHONE_CODE_MAX_ATTEMPTS"]:
        row.used_dt = utcnow()
    raise WrongCode()


def request_password_reset_by_phone(phone: str, locale: str) -> None:
    """Send a reset code by SMS if the number has an account; the caller answers the same either way."""
    user = find_user_by_phone(phone)
    if user is None or user.is_suspended:
        return
    code = _new_phone_code(user, PhoneCodePurpose.RESET_PASSWORD, phone)
    queue_sms(
        to=phone,
        text=_l(
            "%(portal)s: your code to reset your password is %(code)s. It works once, for %(minutes)d minutes. "
            "Never give it to anyone.",
            portal=current_app.config["PORTAL_NAME"],
            code=code,
            minutes=_code_minutes(),
        ),
        locale=user.locale or locale,
        user_id=user.id,
    )


def redeem_reset_code(phone: str, code: str) -> str:
    """Exchange a correct reset code for a reset token (the number is then proven to be the member's)."""
    user = find_user_by_phone(phone)
    if user is not None and user.is_suspended:
        user = None
    _redeem_code(user, PhoneCodePurpose.RESET_PASSWORD, code)
    if user.phone_verified_dt is None:
        user.phone_verified_dt = utcnow()
        record_event(EventKind.PHONE_VERIFIED, user_id=user.id)
    return password_reset_token(user, channel="phone")


def _check_phone_free(user: User, phone: str) -> None:
    owner = find_user_by_phone(phone)
    if owner is not None and owner.id != user.id:
        raise AuthError(_l("This phone number cannot be used. Choose another one."), "phone")


def send_phone_verification(user: User, phone: str) -> None:
    """Send a code to a new number, or to the member's own unverified one; the account's number changes
    only when the code comes back (confirm_phone), so a typing mistake never locks the member out."""
    if phone == user.phone and user.is_phone_verified:
        raise AuthError(_l("This is already your verified number."), "phone")
    _check_phone_free(user, phone)
    code = _new_phone_code(user, PhoneCodePurpose.VERIFY_PHONE, phone)
    queue_sms(
        to=phone,
        text=_l(
            "%(portal)s: your code to confirm this phone number is %(code)s. It works for %(minutes)d minutes.",
            portal=current_app.config["PORTAL_NAME"],
            code=code,
            minutes=_code_minutes(),
        ),
        locale=user.locale,
        user_id=user.id,
    )


def pending_phone(user: User) -> str | None:
    """The number waiting for its code, if any."""
    row = active_phone_code(user, PhoneCodePurpose.VERIFY_PHONE)
    return row.phone if row else None


def confirm_phone(user: User, code: str) -> None:
    """Set the number the code was sent to on the account, verified; the old number is told."""
    row = _redeem_code(user, PhoneCodePurpose.VERIFY_PHONE, code)
    _check_phone_free(user, row.phone)
    old_phone = user.phone
    user.phone = row.phone
    user.phone_verified_dt = utcnow()
    if old_phone == row.phone:
        record_event(EventKind.PHONE_VERIFIED, user_id=user.id)
        return
    record_event(EventKind.PHONE_CHANGED, user_id=user.id)
    # Codes sent to the old number for a reset no longer reach the account.
    _spend_codes(user, PhoneCodePurpose.RESET_PASSWORD)
    if old_phone:
        queue_sms(
            to=old_phone,
            text=_l(
                "%(portal)s: this number was removed from your account and replaced by another one. "
                "If it was not you, reset your password at once.",
                portal=current_app.config["PORTAL_NAME"],
            ),
            locale=user.locale,
            user_id=user.id,
        )
    _queue_security_notice(user, _l("Your mobile phone number was changed"), "phone_changed")


def _spend_codes(user: User, purpose: PhoneCodePurpose) -> None:
    db.session.execute(
        update(PhoneCode)
        .where(PhoneCode.user_id == user.id, PhoneCode.purpose == purpose.value, PhoneCode.used_dt.is_(None))
        .values(used_dt=utcnow()),
        execution_options={"synchronize_session": False},
    )


def remove_phone(user: User) -> None:
    """Take the number off the account; refused when it is the member's last verified way to sign in and recover."""
    if user.phone is None:
        return
    if not (user.email and user.is_email_verified):
        raise AuthError(
            _l(
                "Keep this number until your account has a verified e-mail address: you need one verified "
                "e-mail address or phone number to sign in and to recover your account."
            )
        )
    old_phone = user.phone
    user.phone = None
    user.phone_verified_dt = None
    _spend_codes(user, PhoneCodePurpose.RESET_PASSWORD)
    record_event(EventKind.PHONE_REMOVED, user_id=user.id)
    queue_sms(
        to=old_phone,
        text=_l(
            "%(portal)s: this number was removed from your account. If it was not you, reset your password at once.",
            portal=current_app.config["PORTAL_NAME"],
        ),
        locale=user.locale,
        user_id=user.id,
    )
    _queue_security_notice(user, _l("Your mobile phone number was removed"), "phone_changed")


def change_username(user: User, username: str | None) -> bool:
    """Set, change or remove (None) the username; returns whether it changed."""
    if username == user.username:
        return False
    if username and db.session.scalar(select(User.id).where(User.username == username, User.id != user.id)):
        raise AuthError(_l("This username is taken. Choose another one."), "username")
    user.username = username
    record_event(EventKind.USERNAME_CHANGED, user_id=user.id, removed=username is None or None)
    return True


def _queue_security_notice(user: User, subject, template: str) -> None:
    if user.email:
        queue_member_email(
            user,
            template,
            subject,
            reset_link=absolute_url("auth.forgot_password", lang_code=user.locale),
        )


# --- roles and suspension ----------------------------------------------------------------------------


def grant_role(user: User, role: Role, actor: User | None = None) -> bool:
    if user.has_role(role):
        return False
    user.roles.append(UserRole(role=role.value, granted_by_id=actor.id if actor else None))
    record_event(EventKind.ROLE_GRANTED, user_id=user.id, actor_id=actor.id if actor else None, role=role.value)
    return True


def remove_role(user: User, role: Role, actor: User | None = None) -> bool:
    link = next((link for link in user.roles if link.role == role.value), None)
    if link is None:
        return False
    if role == Role.ADMIN and actor is not None and actor.id == user.id:
        raise AuthError(_l("You cannot remove your own administrator role."))
    user.roles.remove(link)
    record_event(EventKind.ROLE_REMOVED, user_id=user.id, actor_id=actor.id if actor else None, role=role.value)
    return True


def suspend_user(user: User, reason: str, actor: User) -> None:
    if actor.id == user.id:
        raise AuthError(_l("You cannot suspend your own account."))
    user.is_suspended = True
    user.suspended_reason = reason.strip()
    user.suspended_dt = utcnow()
    end_other_sessions(user, EndReason.SUSPENDED)
    record_event(EventKind.ACCOUNT_SUSPENDED, user_id=user.id, actor_id=actor.id)


def reinstate_user(user: User, actor: User) -> None:
    user.is_suspended = False
    user.suspended_reason = None
    user.suspended_dt = None
    record_event(EventKind.ACCOUNT_REINSTATED, user_id=user.id, actor_id=actor.id)


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))


# --- two-step verification ---------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_provisioning_uri(user: User, secret: str) -> str:
    account = user.email or user.phone or user.username
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=current_app.config["PORTAL_NAME"])


def _totp_matches(secret: str, code: str) -> bool:
    code = "".join(code.split())
    return code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def enable_totp(user: User, secret: str, code: str) -> list[str]:
    """Turn on two-step verification once the member proves their app works; returns recovery codes."""
    if not _totp_matches(secret, code):
        raise AuthError(_l("This code is not correct. Check the time on your phone and try the newest code."), "code")
    user.totp_secret_encrypted = crypto.encrypt_text(secret)
    user.totp_enabled_dt = utcnow()
    record_event(EventKind.TOTP_ENABLED, user_id=user.id)
    return replace_recovery_codes(user)


def replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = [new_token()[:10].lower().replace("_", "x").replace("-", "y") for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=crypto.sha256_hex(code)) for code in codes)
    return codes


def verify_second_factor(user: User, code: str) -> bool:
    """A current TOTP code, or an unused recovery code (which is then spent)."""
    if not user.has_totp or not code:
        return False
    if _totp_matches(crypto.decrypt_text(user.totp_secret_encrypted), code):
        return True
    # Spent by a conditional write, so that two sign-ins sending the same code at once cannot both use it.
    spent = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == crypto.sha256_hex(code.strip().lower()),
            RecoveryCode.used_dt.is_(None),
        )
        .values(used_dt=utcnow())
    ).rowcount
    if not spent:
        return False
    record_event(EventKind.RECOVERY_CODE_USED, user_id=user.id)
    return True


def send_two_step_attempts_notice(user: User, wrong_codes: int) -> None:
    """Tell the member, in her language, that someone had her password and tried codes (the sign-in was stopped)."""
    if user.email:
        queue_member_email(
            user,
            "two_step_attempts",
            _l("Someone tried to sign in to your account"),
            count=wrong_codes,
            reset_link=absolute_url("auth.forgot_password", lang_code=user.locale),
        )
    elif user.phone:
        queue_sms(
            to=user.phone,
            text=_l(
                "%(portal)s: someone typed your password, then %(count)d wrong codes. We stopped that sign-in. "
                "If it was not you, choose a new password at once.",
                portal=current_app.config["PORTAL_NAME"],
                count=wrong_codes,
            ),
            locale=user.locale,
            user_id=user.id,
        )


def disable_totp(user: User) -> None:
    if user.is_admin:
        raise AuthError(_l("Administrators must keep two-step verification on."))
    user.totp_secret_encrypted = None
    user.totp_enabled_dt = None
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    record_event(EventKind.TOTP_DISABLED, user_id=user.id)


def unused_recovery_code_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_dt.is_(None))
    )
