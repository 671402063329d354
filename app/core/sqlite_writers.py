"""SQLite: writers wait for each other on a file lock, not in SQLite's busy handler.

SQLite lets one writer in at a time. A writer that finds the database locked sleeps in its busy handler,
longer each time (up to 100 ms a sleep), while newcomers that try at the right moment get in first: under a
steady flow of autosaves, some requests waited for a second while the median took 7 ms. Here each
connection first takes an exclusive lock on a file beside the database (`<database>-writers`), polled every
millisecond or two, then BEGIN IMMEDIATE, which then finds the database free; the file lock is let go as
soon as the transaction ends. Every process that writes through the app takes part (web workers, commands).
"""

import sqlite3
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on Windows: there, writers wait in SQLite's busy handler as usual
    fcntl = None

#: The longest sleep between two tries: short, so that a waiting writer notices at once that it may go.
_LONGEST_POLL = 0.002


class QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection (given to `sqlite3.connect` as its `factory`) whose transactions start with
    `begin_immediate()` and hold the writers' file lock until commit, rollback or close."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._timeout = kwargs.get("timeout", args[0] if args else 5.0)
        self._lock_path = _lock_path(database, uri=kwargs.get("uri", False))
        self._lock_file = None
        self._holds_lock = False

    def begin_immediate(self) -> None:
        """Queue behind the other writers, then take SQLite's write lock."""
        self._take_lock()
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._let_go()
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._let_go()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._let_go()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._let_go()
            if self._lock_file is not None:
                self._lock_file.close()
                self._lock_file = None

    def _take_lock(self) -> None:
        if self._holds_lock or self._lock_path is None or fcntl is None:
            return
        if self._lock_file is None:
            self._lock_file = open(self._lock_path, "a+b")  # noqa: SIM115 (kept open as long as the connection)
        deadline = time.monotonic() + self._timeout
        pause = 0.0002
        while True:
            try:
                fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, _LONGEST_POLL)
            else:
                self._holds_lock = True
                return

    def _let_go(self) -> None:
        if self._holds_lock:
            self._holds_lock = False
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)


def _lock_path(database, *, uri: bool) -> Path | None:
    """The lock file beside a database file; None for an in-memory database or a URI."""
    name = str(database)
    if uri or not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(f"{name}-writers")


#: Set on every connection the app opens (app.__init__): foreign keys enforced, readers beside the writer,
#: fsync at checkpoints only, and deleted content zeroed in the file and its log (erasure must leave no bytes).
SQLITE_PRAGMAS = ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL", "secure_delete=ON")


def configure_sqlite_connection(dbapi_connection: sqlite3.Connection) -> None:
    """Apply SQLITE_PRAGMAS and the busy timeout (the connection's `timeout`, in milliseconds)."""
    dbapi_connection.isolation_level = None
    timeout = getattr(dbapi_connection, "_timeout", None)
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    if timeout is not None:
        cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    cursor.close()


def begin_immediate(dbapi_connection) -> None:
    """BEGIN IMMEDIATE, queued behind the other writers when the connection can."""
    if isinstance(dbapi_connection, QueuedWriterConnection):
        dbapi_connection.begin_immediate()
    else:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def locks_late(view):
    """Mark a view whose request takes SQLite's write lock only when it is about to write (`take_write_lock`),
    instead of at its first statement as other POSTs do: its reads then run beside the other writers, and the
    lock is held for the write alone. For small, frequent writes such as the autosave. Goes right under @route."""
    view.locks_late = True
    return view


def take_write_lock(session) -> None:
    """Take the database's write lock now (SQLite; queued), so that what is read next stays true until the
    commit. Elsewhere nothing: PostgreSQL locks rows (SELECT ... FOR UPDATE)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        dbapi_connection = connection.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            begin_immediate(dbapi_connection)
