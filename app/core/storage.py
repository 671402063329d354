"""Uploaded files: stored under random names, encrypted at rest with FILE_ENCRYPTION_KEY before they leave the
portal, in one of two places (STORAGE_BACKEND): a folder on this machine (UPLOAD_DIR, the default) or an
S3-compatible bucket that every node shares (S3_BUCKET, through boto3).

The name a member gave a file is never used as a path or a key; it is kept only as a label. Keys are the
random name alone, so that nothing in the bucket names a member.
"""

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

from flask import current_app

from app.core import crypto

_NAME = re.compile(r"^[0-9a-f]{32}$")
BACKENDS = ("local", "s3")


def _checked(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError("not a storage name")
    return name


class LocalStorage:
    """Files in a folder: UPLOAD_DIR/ab/abcdef....bin (two levels keep any one folder small)."""

    def __init__(self, root: str):
        self.root = Path(root)

    def _path(self, name: str) -> Path:
        return self.root / name[:2] / f"{_checked(name)}.bin"

    def put(self, name: str, blob: bytes) -> None:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(blob)
        temporary.replace(path)  # a half-written file never carries the final name

    def get(self, name: str) -> bytes:
        return self._path(name).read_bytes()

    def delete(self, name: str) -> bool:
        try:
            self._path(name).unlink()
        except FileNotFoundError:
            return False
        return True

    def exists(self, name: str) -> bool:
        return self._path(name).exists()

    def names(self) -> Iterator[str]:
        for path in sorted(self.root.glob("??/*.bin")):
            if _NAME.match(path.stem):
                yield path.stem


class S3Storage:
    """Objects in a bucket, keyed `ab/abcdef....bin` like the folder; boto3 is imported only when used."""

    def __init__(self, config):
        import boto3
        from botocore.config import Config

        if not config.get("S3_BUCKET"):
            raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a server other than AWS).")
        self.bucket = config["S3_BUCKET"]
        self.client = boto3.client(
            "s3",
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region_name=config.get("S3_REGION") or "us-east-1",
            aws_access_key_id=config.get("AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=config.get("AWS_SECRET_ACCESS_KEY"),
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30),
        )

    @staticmethod
    def _key(name: str) -> str:
        return f"{name[:2]}/{_checked(name)}.bin"

    def put(self, name: str, blob: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=blob)

    def get(self, name: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(name))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(name) from None

    def delete(self, name: str) -> bool:
        existed = self.exists(name)
        self.client.delete_object(Bucket=self.bucket, Key=self._key(name))
        return existed

    def exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(name))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def names(self) -> Iterator[str]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", ()):
                stem = item["Key"].rsplit("/", 1)[-1].removesuffix(".bin")
                if _NAME.match(stem):
                    yield stem

    def ping(self) -> None:
        """Raise when the bucket cannot be reached (readiness checks)."""
        self.client.head_bucket(Bucket=self.bucket)


def backend_for(kind: str, config=None) -> LocalStorage | S3Storage:
    config = config if config is not None else current_app.config
    if kind == "local":
        return LocalStorage(config["UPLOAD_DIR"])
    if kind == "s3":
        return S3Storage(config)
    raise RuntimeError(f"STORAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {kind!r}.")


def backend() -> LocalStorage | S3Storage:
    """The app's storage, built once per app (a boto3 client is costly to make and safe to share)."""
    found = current_app.extensions.get("caseinjob_storage")
    if found is None:
        found = current_app.extensions["caseinjob_storage"] = backend_for(current_app.config["STORAGE_BACKEND"])
    return found


def store(data: bytes) -> str:
    """Encrypt and write `data`; returns the random storage name."""
    name = uuid.uuid4().hex
    backend().put(name, crypto.encrypt(data))
    return name


def read(name: str) -> bytes:
    return crypto.decrypt(backend().get(name))


def delete(name: str) -> bool:
    """Remove the file; returns whether there was one."""
    return backend().delete(name)


def exists(name: str) -> bool:
    return backend().exists(name)


def migrate(source, target) -> dict[str, int]:
    """Move every file from `source` to `target` as it is (still encrypted): copy, check the copy, then
    delete the original. Idempotent and resumable: a file already in the target is only checked and removed
    from the source, and a run that stopped half-way goes on where it was."""
    counts = {"moved": 0, "already_there": 0}
    for name in list(source.names()):
        blob = source.get(name)
        if target.exists(name) and target.get(name) == blob:
            counts["already_there"] += 1
        else:
            target.put(name, blob)
            if target.get(name) != blob:
                raise RuntimeError(f"the copy of {name} differs from the original; nothing was deleted")
            counts["moved"] += 1
        source.delete(name)
    return counts


def clean_label(filename: str | None, fallback: str) -> str:
    """A display label from the name the member's browser sent: no path, no control characters, short."""
    label = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    label = "".join(char for char in label if char.isprintable()).strip()
    return label[:120] or fallback
