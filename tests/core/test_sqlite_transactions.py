"""SQLite transactions: a request that may write holds the write lock from its first statement (BEGIN
IMMEDIATE); elsewhere reads run in autocommit and the write lock is taken right before the first write, so
that a read followed by a write never fails at once with "database is locked"; savepoints still nest."""

import sqlite3

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from app.auth.models import User
from app.extensions import db


@pytest.fixture
def app_config(app_config):
    app_config["SQLITE_BUSY_TIMEOUT_SECONDS"] = 0.2
    return app_config


@pytest.fixture
def sqlite_app(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's transaction handling")
    return app


def other_connection(app) -> sqlite3.Connection:
    path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    return sqlite3.connect(path, isolation_level=None, timeout=0.2)


def in_transaction() -> bool:
    return db.session.connection().connection.dbapi_connection.in_transaction


def test_a_read_then_a_write_after_another_writer_committed_succeeds(sqlite_app, make_user):
    user_id = make_user("camille@example.com", first_name="Camille")
    other = other_connection(sqlite_app)
    with sqlite_app.app_context():
        assert db.session.scalar(select(User.first_name).where(User.id == user_id)) == "Camille"
        other.execute("UPDATE user_account SET last_name = 'Durand'")  # another writer commits in between
        db.session.execute(update(User).where(User.id == user_id).values(first_name="Camille-Anne"))
        db.session.commit()
        assert db.session.scalar(select(User.last_name).where(User.id == user_id)) == "Durand"
        assert db.session.scalar(select(User.first_name).where(User.id == user_id)) == "Camille-Anne"
    other.close()


@pytest.mark.parametrize(("method", "holds_write_lock"), [("POST", True), ("GET", False)])
def test_only_requests_that_may_write_take_the_lock_from_their_first_read(
    sqlite_app, make_user, method, holds_write_lock
):
    make_user("camille@example.com")
    other = other_connection(sqlite_app)
    with sqlite_app.test_request_context("/en/dashboard", method=method):
        db.session.scalar(select(User.id))
        assert in_transaction() is holds_write_lock
        if holds_write_lock:
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("UPDATE user_account SET last_name = 'Other'")
        else:
            other.execute("UPDATE user_account SET last_name = 'Other'")
        db.session.rollback()
    other.close()


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_failed_savepoint_keeps_the_rest_of_the_transaction(sqlite_app, make_user, method):
    user_id = make_user("camille@example.com", first_name="Camille")
    with sqlite_app.test_request_context("/en/dashboard", method=method):
        with pytest.raises(ValueError), db.session.begin_nested():
            db.session.get(User, user_id).first_name = "Lost"
            db.session.flush()
            raise ValueError
        db.session.get(User, user_id).last_name = "Kept"
        db.session.commit()
        db.session.expire_all()
        user = db.session.get(User, user_id)
        assert (user.first_name, user.last_name) == ("Camille", "Kept")


@pytest.mark.parametrize("path", ["/en/privacy/dashboard", "/en/dashboard"])
def test_read_pages_answer_while_another_writer_holds_the_lock(sqlite_app, client, make_user, auth, path):
    """A page that only reads must not queue for the write lock (the dashboard's savepoint once did)."""
    make_user("camille@example.com")
    auth.login("camille@example.com")
    client.get(path)  # the first view after sign-in may record things; the next ones only read
    other = other_connection(sqlite_app)
    other.execute("BEGIN IMMEDIATE")
    try:
        response = client.get(path)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 200
    assert "/logout" in response.text  # signed in, the page itself (not a redirect to the sign-in page)
    assert "We cannot show this data right now" not in response.text
