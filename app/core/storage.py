"""Uploaded files: stored under random names in UPLOAD_DIR, encrypted at rest with FILE_ENCRYPTION_KEY.

The name a member gave a file is never used as a path; it is kept only as a label.
"""

import re
import uuid
from pathlib import Path

from flask import current_app

from app.core import crypto

_NAME = re.compile(r"^[0-9a-f]{32}$")


def _path(name: str) -> Path:
    if not _NAME.match(name):
        raise ValueError("not a storage name")
    # Two levels of folders keep any one folder small.
    return Path(current_app.config["UPLOAD_DIR"]) / name[:2] / f"{name}.bin"


def store(data: bytes) -> str:
    """Encrypt and write `data`; returns the random storage name."""
    name = uuid.uuid4().hex
    path = _path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    temporary.write_bytes(crypto.encrypt(data))
    temporary.replace(path)  # a half-written file never carries the final name
    return name


def read(name: str) -> bytes:
    return crypto.decrypt(_path(name).read_bytes())


def delete(name: str) -> bool:
    """Remove the file; returns whether there was one."""
    try:
        _path(name).unlink()
    except FileNotFoundError:
        return False
    return True


def exists(name: str) -> bool:
    return _path(name).exists()


def clean_label(filename: str | None, fallback: str) -> str:
    """A display label from the name the member's browser sent: no path, no control characters, short."""
    label = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    label = "".join(char for char in label if char.isprintable()).strip()
    return label[:120] or fallback
