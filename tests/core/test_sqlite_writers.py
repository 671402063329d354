"""SQLite writers queue on a file lock: a waiting writer goes in as soon as the one before it is done,
and gives up with "database is locked" (a 503 for a page) only after the busy timeout."""

import sqlite3
import threading
import time

import pytest

from app.core.sqlite_writers import QueuedWriterConnection


def connect(path, timeout=2.0) -> QueuedWriterConnection:
    connection = sqlite3.connect(
        path, timeout=timeout, isolation_level=None, factory=QueuedWriterConnection, check_same_thread=False
    )
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


@pytest.fixture
def database(tmp_path):
    path = str(tmp_path / "queue.sqlite")
    with connect(path) as setup:
        setup.execute("CREATE TABLE answer (id INTEGER PRIMARY KEY, value TEXT)")
    return path


def test_a_waiting_writer_goes_in_as_soon_as_the_first_commits(database):
    first, second = connect(database), connect(database)
    first.begin_immediate()
    first.execute("INSERT INTO answer (value) VALUES ('first')")
    went_in = []

    def write():
        second.begin_immediate()
        went_in.append(time.monotonic())
        second.execute("INSERT INTO answer (value) VALUES ('second')")
        second.commit()

    waiter = threading.Thread(target=write)
    waiter.start()
    time.sleep(0.3)  # long enough for SQLite's busy handler to be sleeping 100 ms at a time
    assert went_in == []
    committed = time.monotonic()
    first.commit()
    waiter.join(timeout=5)
    assert went_in and went_in[0] - committed < 0.05
    assert [row[0] for row in first.execute("SELECT value FROM answer ORDER BY id")] == ["first", "second"]


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_the_lock_is_let_go_when_the_transaction_ends_any_way(database, end):
    first, second = connect(database, timeout=0.2), connect(database, timeout=0.2)
    first.begin_immediate()
    getattr(first, end)()
    second.begin_immediate()  # does not wait
    second.commit()


def test_a_writer_gives_up_after_the_busy_timeout(database):
    first, second = connect(database), connect(database, timeout=0.2)
    first.begin_immediate()
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        second.begin_immediate()
    assert 0.2 <= time.monotonic() - started < 1
    first.commit()
    second.begin_immediate()  # the failed try left nothing behind
    second.commit()


def test_a_writer_outside_the_queue_still_gets_the_busy_timeout(database):
    """A process that does not take part (the sqlite3 shell) holds the database: the queued writer waits in
    SQLite's busy handler, then fails, and lets the queue go for the next writer."""
    outsider = sqlite3.connect(database, isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")
    queued, next_writer = connect(database, timeout=0.2), connect(database, timeout=0.2)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        queued.begin_immediate()
    outsider.execute("ROLLBACK")
    next_writer.begin_immediate()
    next_writer.commit()
