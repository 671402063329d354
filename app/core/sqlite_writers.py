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

from sqlalchemy.sql.expression import ReleaseSavepointClause, RollbackToSavepointClause, SavepointClause

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
#: fsync at checkpoints only, deleted content zeroed in the file and its log (erasure must leave no bytes), and
#: a page cache of up to 64 MiB instead of 2: a client's list of 2,000 assignments reads more pages than 2 MiB
#: hold, and read them again from the system on every view (12 ms, not 6, on the benchmark's data).
SQLITE_CACHE_KIB = 65536
SQLITE_PRAGMAS = (
    "foreign_keys=ON",
    "journal_mode=WAL",
    "synchronous=NORMAL",
    "secure_delete=ON",
    f"cache_size=-{SQLITE_CACHE_KIB}",
)


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


# --- when the write lock is taken -------------------------------------------------------------------------
#
# Reads run in autocommit: each SELECT sees the latest commit and holds no snapshot once it is done, so a read
# never makes a later write fail. BEGIN IMMEDIATE (queued, above) comes right before the first statement that
# writes, or that reads with FOR UPDATE (`with_for_update()`: SQLite's compiler drops the clause, so it is
# recognised from the statement SQLAlchemy compiled); from there until the commit, what the transaction reads
# stays true, as PostgreSQL's row locks keep it. A write that depends on an earlier read is made conditional
# (UPDATE ... WHERE, a unique constraint) or re-reads its rows with `with_for_update()` first.
#
# A savepoint opened before any write (begin_nested) waits too: SAVEPOINT outside a transaction would start a
# deferred one, whose reads pin a snapshot that a later write cannot upgrade once another writer has committed
# ("database is locked" at once, SQLITE_BUSY_SNAPSHOT, which busy_timeout does not retry). So it is kept on
# the connection and opened after BEGIN IMMEDIATE, at the first write; released or rolled back before any
# write, it never reached the database. Reads inside it run in autocommit, where a failed one spoils nothing.

#: Raw SQL (text(), DDL) that needs the write lock; compiled INSERT, UPDATE and DELETE are known as such.
_WRITING_KEYWORDS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")

#: Where a connection keeps the savepoints it has not opened yet, (name, SAVEPOINT statement), in its DBAPI
#: connection's `info`.
_PENDING_SAVEPOINTS = "sqlite_pending_savepoints"


def forget_pending_savepoints(connection_info: dict) -> None:
    """A new transaction starts with no savepoint waiting (the last one may have ended by an error)."""
    connection_info.pop(_PENDING_SAVEPOINTS, None)


def statement_to_run(connection_info: dict, dbapi_connection, statement: str, context) -> str:
    """Take the write lock if `statement` needs it and none is held; return what to execute in its place
    (a comment for a savepoint that waits for the first write)."""
    if dbapi_connection.in_transaction:
        return statement
    element = getattr(context.compiled, "statement", None) if context is not None else None
    pending = connection_info.setdefault(_PENDING_SAVEPOINTS, [])
    names = [name for name, _statement in pending]
    if isinstance(element, SavepointClause):
        pending.append((element.ident, statement))
        return f"/* {statement}: opened at the first write */"
    if isinstance(element, ReleaseSavepointClause | RollbackToSavepointClause) and element.ident in names:
        del pending[names.index(element.ident) :]
        return f"/* {statement}: nothing was written */"
    if _needs_write_lock(statement, context, element):
        begin_immediate(dbapi_connection)
        for _name, savepoint in pending:
            dbapi_connection.execute(savepoint)
        pending.clear()
    return statement


def _needs_write_lock(statement: str, context, element) -> bool:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    if getattr(element, "_for_update_arg", None) is not None:  # select(...).with_for_update(), refresh(...)
        return True
    return statement.lstrip()[:7].upper().startswith(_WRITING_KEYWORDS)
