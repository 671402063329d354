"""PostgreSQL round trips: the session's read runs alone in autocommit (no BEGIN before it, no ROLLBACK after),
and a pooled connection is pinged only after an idle spell (app.core.idle_ping), so that a signed-in request
that needs nothing else makes one round trip, and a connection the server dropped while idle is replaced."""

from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select, text

from app.core.pooled_read import PooledSelect
from app.extensions import db
from tests.live_servers import fresh_postgres_database, portal_with_camille

#: True in the first command of a transaction: the statement ran alone, no BEGIN was sent before it.
FIRST_COMMAND = select(func.statement_timestamp() == func.transaction_timestamp())


@contextmanager
def portal_on_postgres(tmp_path, **settings):
    """The portal on a database of its own, Camille signed in: (app, client, the database's URL)."""
    with fresh_postgres_database("caseinjob_ping") as url, portal_with_camille(url, tmp_path, **settings) as portal:
        yield (*portal, url)


def drop_the_portals_connections(url: str) -> int:
    """What a server restart does to the pool: every connection of the portal's database cut."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return len(
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).all()
            )
    finally:
        admin.dispose()


def test_the_pooled_read_sends_no_begin_and_leaves_the_pool_in_transactions(tmp_path):
    with portal_on_postgres(tmp_path) as (app, _, _), app.app_context():
        engine = db.engine
        assert PooledSelect(FIRST_COMMAND).rows(engine, {})[0][0] is True
        # The same statement through the session comes after psycopg's BEGIN: the check tells them apart.
        assert db.session.scalar(FIRST_COMMAND) is False
        db.session.rollback()
        # A failing read too gives its connection back as it found it.
        with pytest.raises(Exception, match="division by zero"):
            PooledSelect(select(text("1/0"))).rows(engine, {})
        connection = engine.raw_connection()
        try:
            assert connection.dbapi_connection.autocommit is False
        finally:
            connection.close()


def test_a_connection_dropped_while_idle_is_pinged_and_replaced(tmp_path):
    with portal_on_postgres(tmp_path, DATABASE_PING_AFTER_IDLE_SECONDS=0) as (_, client, url):
        assert "Camille" in client.get("/en/dashboard").text
        assert drop_the_portals_connections(url) >= 1
        response = client.get("/fr/dashboard")
        assert response.status_code == 200
        assert "Camille" in response.text


def test_a_connection_used_a_moment_ago_is_not_pinged(tmp_path):
    """Within the idle spell no ping: a connection cut just then fails its one request (the database-down
    page), and the pool, replaced, serves the next."""
    with portal_on_postgres(tmp_path, DATABASE_PING_AFTER_IDLE_SECONDS=3600) as (_, client, url):
        assert client.get("/en/dashboard").status_code == 200
        assert drop_the_portals_connections(url) >= 1
        assert client.get("/en/dashboard").status_code == 503
        response = client.get("/en/dashboard")
        assert response.status_code == 200
        assert "Camille" in response.text
