"""Erased bytes must not survive in SQLite's files: secure_delete (core.sqlite_writers.SQLITE_PRAGMAS) zeroes
deleted content in the database's pages, but the write-ahead log keeps the earlier versions of every page
it wrote until a checkpoint. After an erasure is committed, its caller copies the log into the database and
truncates it. PostgreSQL needs nothing here (its dead tuples are not reachable through the application and
are vacuumed)."""

import logging

from app.extensions import db

logger = logging.getLogger("caseinjob.privacy")


def wipe_freed_pages() -> bool:
    """SQLite: checkpoint the write-ahead log into the database and truncate it; returns whether it could
    (False when a reader still used the log: the next checkpoint finishes the work)."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return True
    # A raw connection in autocommit: a checkpoint cannot run inside the transaction a POST request begins.
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        busy, _pages, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        connection.close()
    if busy:
        logger.warning("the write-ahead log could not be truncated yet (a reader was busy)")
    return not busy
