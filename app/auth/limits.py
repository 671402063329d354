"""Sign-in and reset limits that slow an attacker down without locking the owner out (OWASP's authentication
and credential-stuffing guidance).

- Only failed attempts count (a view calls `count_as_failure()`): a classroom signing in together, or a
  member signing in many times a day, uses up nothing.
- Per address, across accounts (credential stuffing from one address): LOGIN_LIMIT_PER_IP.
- Per account and address together: LOGIN_LIMIT_PER_ACCOUNT_AND_IP. A stranger's wrong passwords use up
  the stranger's budget, not the owner's at home.
- Per account, whatever the address: LOGIN_LIMIT_PER_ACCOUNT, a higher ceiling against many addresses.
- A device the member signed in from before (the same browser at the same address, in her sign-in records)
  is held back by neither the address nor the account's ceiling; it has a budget of its own for that account.
- Two-step codes: TWO_STEP_CODES_PER_SIGN_IN wrong codes end a pending sign-in, counted on the server so
  that a copied cookie gets no more tries from another address; TWO_STEP_LIMIT_PER_ACCOUNT across sign-ins.
- Password reset: per target (the e-mail address or phone number, however it is typed), whatever the address.
"""

import hashlib

from flask import current_app, g, request, session
from sqlalchemy import select

from app.auth import services
from app.auth.models import User
from app.core import crypto, ratelimit
from app.core.audit import AuditEvent, EventKind, client_ip, client_user_agent
from app.core.timeutil import utcnow
from app.extensions import db, limiter


def config_limit(name: str):
    """A limit read from the configuration when the request comes (tests change it)."""
    return lambda: current_app.config[name]


def count_as_failure() -> None:
    """This request is a failed attempt: the limits below count it (and only such requests)."""
    g.sign_in_failed = True


def _failed(response) -> bool:
    return bool(g.get("sign_in_failed"))


# --- identifiers -------------------------------------------------------------------------------------


def identifier_key(raw: str) -> str:
    """One spelling of an e-mail address, phone number or username, however it was typed: limits keyed on
    it cannot be escaped by writing "Member@Example.com" or "06 12 34 56 78" instead. The key holds a keyed
    digest of it, not the identifier (crypto.keyed_digest)."""
    kind, spelling = _one_spelling((raw or "").strip())
    return f"{kind}:{crypto.keyed_digest(spelling)}"


def _one_spelling(text: str) -> tuple[str, str]:
    if "@" in text:
        try:
            return "email", services.normalise_email(text)
        except services.AuthError:
            return "email", text.lower()
    if any(char.isdigit() for char in text) and set(text) <= set("+0123456789 .-()"):
        try:
            return "phone", services.normalise_phone(text)
        except services.AuthError:
            return "phone", "".join(char for char in text if char.isdigit())
    return "username", text.lower()


def _form_identifier() -> str:
    return request.form.get("identifier") or request.form.get("email") or request.form.get("phone") or ""


def reset_target_key() -> str:
    """The reset limit's key: the target typed in the form (e-mail address or phone number)."""
    return "reset-target:" + identifier_key(_form_identifier())


#: Reset links and codes sent to one target, whatever the address or page asks: put it on every page that
#: sends one (the forgotten-password page; a page that sends a reset code again). A shared limit: one bucket.
per_reset_target = limiter.shared_limit(
    config_limit("PASSWORD_RESET_LIMIT_PER_TARGET"),
    scope="reset-target",
    key_func=reset_target_key,
    methods=["POST"],
    exempt_when=lambda: not _form_identifier().strip(),
)


# --- the account a sign-in is for, and the device it comes from --------------------------------------


def _login_account() -> str:
    """The account the sign-in form names: its public id when it exists (whichever identifier was typed),
    else the identifier itself, so that unknown accounts are limited the same way."""
    if "login_account" not in g:
        user = services.find_user_by_identifier(request.form.get("identifier") or "")
        g.login_account = user.public_id if user else identifier_key(request.form.get("identifier") or "")
    return g.login_account


def known_device_for(account: str) -> str | None:
    """A name for this browser at this address when the member of `account` (a public id) signed in from both
    before, within KNOWN_DEVICE_PERIOD: read from her sign-in records (kept for security, in the registry), so
    that no cookie of its own is needed (the policy names two cookies only). None for any other device."""
    cache = g.setdefault("known_devices", {})
    if account not in cache:
        address, browser = client_ip(), client_user_agent()
        since = utcnow() - current_app.config["KNOWN_DEVICE_PERIOD"]
        seen = db.session.scalar(
            select(AuditEvent.id)
            .join(User, User.id == AuditEvent.user_id)
            .where(
                User.public_id == account,
                AuditEvent.kind == EventKind.LOGIN_SUCCESS,
                AuditEvent.ip_address == address,
                AuditEvent.user_agent == browser,
                AuditEvent.created_dt >= since,
            )
            .limit(1)
        )
        cache[account] = hashlib.sha256(f"{address}|{browser}".encode()).hexdigest()[:16] if seen else None
    return cache[account]


def _known_device() -> bool:
    return known_device_for(_login_account()) is not None


def _account_and_place_key() -> str:
    """The account with this device when she used it before, else the account with this address."""
    account = _login_account()
    device = known_device_for(account)
    place = f"device:{device}" if device else f"address:{request.remote_addr}"
    return f"sign-in:{account}:{place}"


def _account_key() -> str:
    return f"sign-in:{_login_account()}"


def _address_key() -> str:
    return f"address:{request.remote_addr}"


def _failures_limited(view, *limits: tuple[str, object, object]):
    """Apply (setting, key, exemption) limits to a form's POSTs, counting failed attempts only, with the form
    kept when one refuses."""
    for setting, key_func, exempt_when in limits:
        view = limiter.limit(
            config_limit(setting), methods=["POST"], key_func=key_func, deduct_when=_failed, exempt_when=exempt_when
        )(view)
    return ratelimit.form_kept_when_limited(view)


def sign_in_limits(view):
    """The limits of the sign-in form (see the module's docstring)."""
    return _failures_limited(
        view,
        ("LOGIN_LIMIT_PER_IP", _address_key, _known_device),
        ("LOGIN_LIMIT_PER_ACCOUNT_AND_IP", _account_and_place_key, None),
        ("LOGIN_LIMIT_PER_ACCOUNT", _account_key, _known_device),
    )


# --- two-step codes ----------------------------------------------------------------------------------


def _pending_account() -> str:
    """The account of the sign-in waiting for its code on this device (its public id), or ""."""
    return (session.get("two_step") or {}).get("user") or ""


def _two_step_key() -> str:
    return f"two-step:{_pending_account()}"


def _two_step_exempt() -> bool:
    """No pending sign-in (the view sends her back), or one on a device she used before."""
    account = _pending_account()
    return not account or known_device_for(account) is not None


def two_step_limits(view):
    """Wrong codes per address and per account (the cap per pending sign-in is `take_code_attempt`)."""
    return _failures_limited(
        view,
        ("LOGIN_LIMIT_PER_IP", _address_key, _two_step_exempt),
        ("TWO_STEP_LIMIT_PER_ACCOUNT", _two_step_key, _two_step_exempt),
    )


def _codes_allowed() -> int:
    return current_app.config["TWO_STEP_CODES_PER_SIGN_IN"]


#: Longer than a pending sign-in lives (auth.routes.TWO_STEP_WINDOW), so an ended one never comes back.
_PENDING_WINDOW = "1 hour"


def sign_in_ended(pending_id: str) -> bool:
    """Whether this pending sign-in already used up its codes."""
    return ratelimit.exhausted(f"two-step-pending:{pending_id}", _codes_allowed(), _PENDING_WINDOW)


def take_code_attempt(pending_id: str) -> bool:
    """Count one code typed for this pending sign-in, before it is checked (so that simultaneous tries
    cannot pass the cap); False when none is left."""
    return ratelimit.take(f"two-step-pending:{pending_id}", _codes_allowed(), _PENDING_WINDOW)


def first_to_report(pending_id: str) -> bool:
    """True once per ended pending sign-in: the member is told once."""
    return ratelimit.take(f"two-step-reported:{pending_id}", 1, _PENDING_WINDOW)
