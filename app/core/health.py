"""Health and readiness for the load balancer, outside the language prefix, cheap, with no personal data.

- `/healthz`: the process answers (no database, no session).
- `/readyz`: the database answers and its migrations are at the head this code expects; object storage and
  Redis answer when configured. 503 with the name of what failed, so that HAProxy takes the node out.
"""

from functools import lru_cache
from pathlib import Path

from flask import Flask, current_app, jsonify
from sqlalchemy import inspect, text

from app.core import storage
from app.extensions import db


def init_app(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)


def healthz():
    return _answer({"process": "ok"}, ready=True)


def readyz():
    checks = {"database": _database_state(), **_service_states()}
    return _answer(checks, ready=all(state == "ok" for state in checks.values()))


def _answer(checks: dict, *, ready: bool):
    response = jsonify(status="ok" if ready else "unavailable", checks=checks)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@lru_cache(maxsize=4)
def _expected_heads(migrations_directory: str) -> frozenset[str]:
    """The migration heads shipped with this code: read once per process."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", migrations_directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def _database_state() -> str:
    try:
        with db.engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):  # `flask db upgrade` has not run
                return "migrations pending"
            found = {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}
    except Exception:
        current_app.logger.warning("readiness: the database does not answer")
        return "unavailable"
    directory = current_app.extensions["migrate"].directory
    if found != _expected_heads(str(Path(directory).resolve())):
        return "migrations pending"
    return "ok"


def _service_states() -> dict[str, str]:
    states = {}
    if current_app.config.get("STORAGE_BACKEND") == "s3":
        states["storage"] = _try(_ping_storage)
    for name, url in _redis_urls().items():
        states[name] = _try(lambda url=url: _ping_redis(url))
    return states


def _redis_urls() -> dict[str, str]:
    config = current_app.config
    urls = {}
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("redis"):
        urls["rate_limits"] = config["RATELIMIT_STORAGE_URI"]
    if config.get("CACHE_TYPE") == "RedisCache" and config.get("CACHE_REDIS_URL"):
        urls["cache"] = config["CACHE_REDIS_URL"]
    return urls


def _try(check) -> str:
    try:
        check()
    except Exception:
        return "unavailable"
    return "ok"


def _ping_storage() -> None:
    storage.backend().ping()


def _ping_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
