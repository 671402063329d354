"""Encryption at rest with the key from configuration (FILE_ENCRYPTION_KEY, a Fernet key)."""

import hashlib

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
