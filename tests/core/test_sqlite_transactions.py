"""SQLite transactions: reads run in autocommit, in requests (POST included) as elsewhere, and the write lock
is taken right before the first write or SELECT ... FOR UPDATE, so that a read followed by a write never fails
at once with "database is locked"; a savepoint opened before any write waits for the first one; savepoints
still nest."""

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


def other_writer_is_locked_out(other: sqlite3.Connection) -> bool:
    try:
        other.execute("UPDATE user_account SET last_name = 'Other'")
    except sqlite3.OperationalError as error:
        assert "database is locked" in str(error)
        return True
    return False


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_no_request_takes_the_lock_at_its_first_read(sqlite_app, make_user, method):
    make_user("camille@example.com")
    other = other_connection(sqlite_app)
    with sqlite_app.test_request_context("/en/dashboard", method=method):
        db.session.scalar(select(User.id))
        assert not in_transaction()
        assert not other_writer_is_locked_out(other)
        db.session.execute(update(User).values(first_name="Camille"))  # the first write takes it
        assert in_transaction()
        assert other_writer_is_locked_out(other)
        db.session.rollback()
    assert not other_writer_is_locked_out(other)  # let go with the transaction
    other.close()


@pytest.mark.parametrize("how", ["select", "refresh", "get"])
def test_select_for_update_takes_the_write_lock_and_reads_the_latest_commit(sqlite_app, make_user, how):
    """SQLite has no FOR UPDATE: `with_for_update()` takes the write lock instead, as PostgreSQL locks the row."""
    user_id = make_user("camille@example.com", first_name="Camille")
    other = other_connection(sqlite_app)
    with sqlite_app.app_context():
        user = db.session.get(User, user_id)
        other.execute("UPDATE user_account SET first_name = 'Camille-Anne'")  # committed after our read
        if how == "select":
            db.session.scalar(
                select(User).where(User.id == user_id).with_for_update().execution_options(populate_existing=True)
            )
        elif how == "refresh":
            db.session.refresh(user, with_for_update=True)
        else:
            db.session.get(User, user_id, with_for_update=True, populate_existing=True)
        assert in_transaction()
        assert user.first_name == "Camille-Anne"
        assert other_writer_is_locked_out(other)
        db.session.commit()
    other.close()


def test_a_savepoint_opened_before_any_write_waits_for_the_first_write(sqlite_app, make_user):
    """Read in a savepoint, another writer commits, then write in it: no "database is locked" (a deferred
    SAVEPOINT would have pinned a snapshot that the write cannot upgrade), and the savepoint still rolls back
    alone."""
    user_id = make_user("camille@example.com", first_name="Camille")
    other = other_connection(sqlite_app)
    with sqlite_app.app_context():
        with db.session.begin_nested():
            assert db.session.scalar(select(User.first_name).where(User.id == user_id)) == "Camille"
            assert not in_transaction()
            assert not other_writer_is_locked_out(other)
        with pytest.raises(ValueError), db.session.begin_nested():
            db.session.scalar(select(User.first_name).where(User.id == user_id))
            other.execute("UPDATE user_account SET last_name = 'Durand'")  # committed between the read and the write
            db.session.execute(update(User).where(User.id == user_id).values(first_name="Lost"))
            assert in_transaction()
            raise ValueError
        db.session.execute(update(User).where(User.id == user_id).values(email="camille.durand@example.com"))
        db.session.commit()
        row = db.session.execute(select(User.first_name, User.last_name, User.email).where(User.id == user_id)).one()
        assert tuple(row) == ("Camille", "Durand", "camille.durand@example.com")
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
