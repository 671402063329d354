"""What the pages that send codes by SMS share: rate limits, and the number a reset code was asked for.

Limits are per number and per account, whatever page asks for the code: a text message costs money and
reaches someone's pocket, so every page that sends one counts in the same buckets (shared limits): the
forgotten-password page, adding or changing a phone number, asking for a new code. Every POST counts,
whether or not the number has an account, so that the limit says nothing about who is registered.
"""

from flask import current_app, request, session
from flask_login import current_user

from app.auth import services
from app.core import crypto
from app.core.timeutil import utcnow
from app.extensions import limiter

#: Where the forgotten-password page leaves the number a reset code was asked for.
PHONE_RESET_KEY = "phone_reset"


def config_limit(name: str):
    """A limit read from the configuration when the request comes (tests change it)."""
    return lambda: current_app.config[name]


def number_in_form() -> str | None:
    """The number (E.164) that the posted form would send a code to, if it names a valid one."""
    raw = (request.form.get("phone") or request.form.get("identifier") or "").strip()
    if not raw or "@" in raw:
        return None
    try:
        return services.normalise_phone(raw)
    except services.AuthError:
        return None


def _signed_in() -> bool:
    return current_user.is_authenticated


def number_key(number: str | None) -> str:
    """A limit's key for a phone number: a keyed digest of it, never the number (crypto.keyed_digest)."""
    return f"sms-number:{crypto.keyed_digest(number or '')}"


def _number_key() -> str:
    return number_key(number_in_form())


def _own_number_key() -> str:
    return number_key(current_user.phone)


def _account_key() -> str:
    return f"sms-account:{current_user.id}"


#: Codes sent to the number typed in the form.
to_number_in_form = limiter.shared_limit(
    config_limit("SMS_LIMIT_PER_NUMBER"),
    scope="sms-number",
    key_func=_number_key,
    methods=["POST"],
    exempt_when=lambda: number_in_form() is None,
)

#: Codes sent to the signed-in member's own number.
to_own_number = limiter.shared_limit(
    config_limit("SMS_LIMIT_PER_NUMBER"),
    scope="sms-number",
    key_func=_own_number_key,
    methods=["POST"],
    exempt_when=lambda: not (_signed_in() and current_user.phone),
)

#: Codes one signed-in member asks for, to any number.
per_account = limiter.shared_limit(
    config_limit("SMS_LIMIT_PER_ACCOUNT"),
    scope="sms-account",
    key_func=_account_key,
    methods=["POST"],
    exempt_when=lambda: not _signed_in(),
)


def remember_phone_reset(phone: str) -> None:
    """The forgotten-password page keeps the number for the code page, whether or not it has an account."""
    session[PHONE_RESET_KEY] = {"phone": phone, "at": utcnow().timestamp()}


def pending_reset_phone() -> str | None:
    """The number a reset code was asked for on this device, while its code may still be valid."""
    pending = session.get(PHONE_RESET_KEY)
    if not pending:
        return None
    if utcnow().timestamp() - pending["at"] > current_app.config["PHONE_CODE_MAX_AGE"].total_seconds():
        return None
    return pending["phone"]


def forget_phone_reset() -> None:
    session.pop(PHONE_RESET_KEY, None)
