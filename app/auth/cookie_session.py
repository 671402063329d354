"""Flask's signed session cookie, with its signing machinery built once per secret key rather than per request.

Flask builds a new serializer for every request (which dumps `{}` to learn what kind of serializer it holds),
and its signer derives the HMAC key from the secret key again for every cookie it checks: with OpenSSL 3,
each hash costs several microseconds. Every signed-in request reads the cookie, so that was a tenth of a
millisecond before the page's own work. The cookie itself, its signature and its checks are Flask's.
"""

import json

from flask import Flask
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

#: Derived keys by (secret key, salt, derivation, digest): the serializer makes a new signer for each cookie.
_DERIVED_KEYS: dict[tuple, bytes] = {}


class _KeyOnceSigner(TimestampSigner):
    """A signer that derives its HMAC key once per process (the derivation depends only on these four)."""

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = (secret_key or self.secret_keys[-1], self.salt, self.key_derivation, self.digest_method)
        derived = _DERIVED_KEYS.get(key)
        if derived is None:
            derived = _DERIVED_KEYS[key] = super().derive_key(secret_key)
        return derived


class _SignedCookieJSON(TaggedJSONSerializer):
    """Flask's tagged JSON, read with the standard library: the payload is ours, its signature already checked,
    so the app's JSON provider (which bounds what a client may send) has nothing to guard here."""

    def loads(self, value: str):
        return self._untag_scan(json.loads(value))


class SessionInterface(SecureCookieSessionInterface):
    serializer = _SignedCookieJSON()

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)  # the current key last
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = URLSafeTimedSerializer(
                list(keys),
                salt=self.salt,
                serializer=self.serializer,
                signer=_KeyOnceSigner,
                signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
            )
        return serializer
