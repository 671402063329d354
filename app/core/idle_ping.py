"""Pooled connections to a database server (PostgreSQL): pinged before use only after an idle spell.

SQLAlchemy's `pool_pre_ping` pings on every checkout: a round trip, and psycopg's BEGIN before it, on every
request, whose own work on a signed-in page may be a single statement. A connection used a moment ago is
alive; one left idle longer may have been cut meanwhile (a server restart, a firewall's timeout): that one is
pinged, and replaced when the ping fails. A connection cut within the idle spell fails its request with the
database-down page (503), and SQLAlchemy then replaces every connection of the pool (tests/core/
test_database_down.py).
"""

import time

from sqlalchemy import Engine, event, exc

LAST_CHECKIN = "caseinjob_last_checkin"


def ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping each connection the pool hands out when it has been idle `idle_seconds` or more."""

    @event.listens_for(engine, "checkin")
    def _note_checkin(dbapi_connection, record) -> None:
        record.info[LAST_CHECKIN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy) -> None:
        last = record.info.get(LAST_CHECKIN)
        if last is None or time.monotonic() - last < idle_seconds:  # just opened, or used a moment ago
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # the ping's transaction ends here, not in the request that follows
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool throws this connection away and opens another (SQLAlchemy's documented way).
            raise exc.DisconnectionError("the server dropped this idle connection") from error
