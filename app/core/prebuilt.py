"""Selects built once per process, with bound parameters, read on the session's own connection.

Building a select and finding its compiled form in SQLAlchemy's cache costs more than running it: measured on
the home page's list of interviews to come, 0.74 ms of Python to build it and run it through the ORM session,
0.12 ms for the same select built once and run on the session's connection. Key pages send several a view.
A module-level statement with `bindparam`s, read with `rows()`, pays only the second.

    TO_COME = select(Session.public_id).where(Session.candidate_id == bindparam("member_id"))
    rows(TO_COME, member_id=member.id)

For plain columns (Core rows), not ORM objects: what `select(Model)` loads needs the session's identity map.

While the request's session has begun nothing (a page that only reads: the home page sends six), the select
runs on a pooled cursor instead (app.core.pooled_read), as the session's own read does: a Connection, its
transaction and its result cost about 0.1 ms more per statement. Nothing is lost by it: the session would
begin a transaction that has read nothing and written nothing, and each statement sees what is committed
when it runs, on SQLite (reads begin no transaction here) as on PostgreSQL (read committed).
"""

import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import Executable, Row, exc
from sqlalchemy.dialects import postgresql, sqlite

from app.core.pooled_read import NotPoolable, PooledSelect
from app.extensions import db


def rows(statement: Executable, **parameters: Any) -> list[Row]:
    """The statement's rows: on a pooled cursor while the session has begun nothing, else in the request's
    transaction, what the request changed flushed first, as the session's own execute would."""
    pooled = _pooled(statement)
    if pooled is not None:
        try:
            return pooled.rows(db.engine, parameters)
        except NotPoolable:
            _POOLED[statement] = None
    db.session.flush()
    return db.session.connection().execute(statement, parameters).all()


def one(statement: Executable, **parameters: Any) -> Row:
    """Exactly one row, or SQLAlchemy's NoResultFound or MultipleResultsFound."""
    found = rows(statement, **parameters)
    if not found:
        raise exc.NoResultFound("No row was found when one was required")
    if len(found) > 1:
        raise exc.MultipleResultsFound("Multiple rows were found when exactly one was required")
    return found[0]


#: statement -> its PooledSelect, or None for one that cannot be pooled (compiled anew on each execution).
_POOLED: "weakref.WeakKeyDictionary[Executable, PooledSelect | None]" = weakref.WeakKeyDictionary()


def _pooled(statement: Executable) -> PooledSelect | None:
    """The statement's PooledSelect when the session has begun nothing and holds no change, else None."""
    if db.session.registry.has():  # else the request has no session yet: nothing to see but what is committed
        session = db.session.registry()
        if session.in_transaction() or session.new or session.deleted or session.dirty:
            return None
    if statement not in _POOLED:
        _POOLED[statement] = PooledSelect(statement)
    return _POOLED[statement]


class Upsert:
    """INSERT ... ON CONFLICT (the unique columns) DO UPDATE, built once per dialect and run on the request's
    connection: one statement where looking the row up, then adding or changing it through the ORM, took two
    and a flush (the autosave's save was a third of its view). SQLite and PostgreSQL share the syntax;
    SQLAlchemy has one construct for each. The ORM does not see the row change: for rows no view holds.

        SAVE = Upsert(Answer, ("attempt_id", "item_id"), lambda table, new: {"value": new.value})
        SAVE.run(attempt_id=1, item_id=2, value=3)
    """

    _INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}

    def __init__(self, model, unique: tuple[str, ...], changes: Callable[[Any, Any], dict]) -> None:
        self.model, self.unique, self.changes = model, unique, changes
        self._built: dict[str, Executable] = {}

    def run(self, **values: Any) -> None:
        db.session.flush()
        connection = db.session.connection()
        statement = self._built.get(connection.dialect.name)
        if statement is None:
            statement = self._built[connection.dialect.name] = self._build(connection.dialect.name)
        connection.execute(statement, values)

    def _build(self, dialect: str) -> Executable:
        insert = self._INSERTS[dialect](self.model)
        table = self.model.__table__
        return insert.on_conflict_do_update(
            index_elements=[table.c[name] for name in self.unique], set_=self.changes(table.c, insert.excluded)
        )
