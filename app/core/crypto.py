"""Encryption at rest with the key from configuration (FILE_ENCRYPTION_KEY, a Fernet key), and digests."""

import hashlib
import hmac

from cryptography.fernet import Fernet
from flask import current_app


def _fernet() -> Fernet:
    return Fernet(current_app.config["FILE_ENCRYPTION_KEY"].encode())


def encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    return _fernet().decrypt(token)


def encrypt_text(text: str) -> str:
    return encrypt(text.encode()).decode()


def decrypt_text(token: str) -> str:
    return decrypt(token.encode()).decode()


def sha256_hex(value: str) -> str:
    """A fixed-length digest, for storing tokens and codes that are compared, never shown."""
    return hashlib.sha256(value.encode()).hexdigest()


def keyed_digest(value: str, length: int = 32) -> str:
    """A stand-in for a value where only equality matters (a rate limit's key, kept in Redis and named in
    Flask-Limiter's log line when the limit is reached; an SMS code's stored hash): keyed with the secret key,
    so that the value cannot be found again by trying every phone number, address or code."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), "sha256").hexdigest()[:length]
