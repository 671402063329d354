"""Password hashing (Argon2id) and the rules a new password must pass."""

import gzip
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
MAX_LENGTH = 128
#: The 20,000 most common passwords (from Django, BSD licence), checked case-insensitively.
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "core" / "data" / "common-passwords.txt.gz"
PORTAL_WORDS = ("caseinjob",)

#: Argon2id with the library's current recommended parameters: what every environment but testing uses.
_DEFAULT_HASHER = PasswordHasher()


@lru_cache(maxsize=4)
def _hasher_with(parameters: tuple[tuple[str, int], ...]) -> PasswordHasher:
    return PasswordHasher(**dict(parameters))


def _hasher() -> PasswordHasher:
    """The app's hasher: `PASSWORD_HASH_PARAMETERS` (cheap ones under testing), else the library's defaults."""
    parameters = current_app.config.get("PASSWORD_HASH_PARAMETERS") if has_app_context() else None
    return _hasher_with(tuple(sorted(parameters.items()))) if parameters else _DEFAULT_HASHER


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problem(password: str, *, email: str | None = None, names: tuple[str, ...] = ()) -> str | None:
    """The first rule the password breaks, as a translated message, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(count)d characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(count)d characters.", count=MAX_LENGTH)
    folded = password.casefold()
    if folded in common_passwords():
        return _l("This password is too common. Choose one that is harder to guess.")
    if any(word in folded for word in PORTAL_WORDS):
        return _l("Your password must not contain the portal's name.")
    if email and _contains_email(folded, email):
        return _l("Your password must not contain your e-mail address.")
    if any(len(name) >= 3 and name.casefold() in folded for name in names if name):
        return _l("Your password must not contain your name.")
    return None


def _contains_email(folded_password: str, email: str) -> bool:
    local_part = email.casefold().partition("@")[0]
    return email.casefold() in folded_password or (len(local_part) >= 4 and local_part in folded_password)
