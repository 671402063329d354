"""A Core select run on a pooled DBAPI connection's cursor, compiled once per dialect.

Every signed-in request reads its session, member and roles (app.auth.member): through a Connection, its
transaction and its result, that cost about 0.2 ms of Python per request; on the cursor, about 0.03.
Values go through the same bind and result processors SQLAlchemy's execution applies (SQLite keeps datetimes
as text), and driver errors come out as SQLAlchemy's exceptions, so that the error pages treat them alike.

The engine's events never see these statements (no Connection runs them): counters of statements also
`listen` here.
"""

import weakref
from collections import namedtuple
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, Select, exc

_listeners: "weakref.WeakKeyDictionary[Engine, list[Callable[[str, Any], None]]]" = weakref.WeakKeyDictionary()


def listen(engine: Engine, listener: Callable[[str, Any], None]) -> None:
    """Call `listener(statement, parameters)` before each statement sent to `engine` here, as the engine's
    before_cursor_execute listeners are called before every other statement."""
    _listeners.setdefault(engine, []).append(listener)


def remove(engine: Engine, listener: Callable[[str, Any], None]) -> None:
    _listeners[engine].remove(listener)


class NotPoolable(ValueError):
    """The select has parameters rendered into its SQL on each execution (IN lists, literal LIMIT): a compiled
    string cannot be kept for it."""


class PooledSelect:
    """`rows(engine, parameters)`: the select's rows, as tuples that also read by column name."""

    def __init__(self, statement: Select):
        self.statement = statement
        self._plans: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # dialect -> _Plan

    def rows(self, engine: Engine, parameters: dict) -> list[tuple]:
        dialect = engine.dialect
        try:
            connection = engine.raw_connection()
        except dialect.loaded_dbapi.Error as error:
            raise _as_sqlalchemy_error(error, dialect, self.statement, parameters) from error
        try:
            # Compiled after a connection exists: the dialect knows the server from its first connection.
            plan = self._plans.get(dialect) or self._plans.setdefault(dialect, _Plan(self.statement, dialect))
            values = plan.parameters(parameters)
            for listener in _listeners.get(engine, ()):
                listener(plan.sql, values)
            cursor = None
            alone = _alone(dialect, connection)
            try:
                cursor = connection.cursor()
                cursor.execute(plan.sql, values)
                found = cursor.fetchall()
                description = cursor.description
                cursor.close()
            except dialect.loaded_dbapi.Error as error:
                invalidated = dialect.is_disconnect(error, connection.dbapi_connection, cursor)
                if invalidated:  # as a Connection does: the pool replaces it rather than hand it out again
                    connection.invalidate(error)
                raise _as_sqlalchemy_error(error, dialect, plan.sql, values, invalidated) from error
            finally:
                if alone:
                    _back_to_transactions(dialect, connection)
        finally:
            connection.close()  # back to the pool, which rolls back whatever the driver began
        return plan.read(found, description)


def _alone(dialect, connection) -> bool:
    """PostgreSQL (psycopg): the one statement runs in autocommit, so without the BEGIN before it and the
    ROLLBACK after it (two round trips of three). SQLite connections here begin nothing for a read anyway
    (app.core.sqlite_writers). True when the connection was switched."""
    if dialect.name != "postgresql":
        return False
    connection.dbapi_connection.autocommit = True
    return True


def _back_to_transactions(dialect, connection) -> None:
    """The connection goes back to the pool as it came: the next user's statements in a transaction."""
    if connection.dbapi_connection is None:  # invalidated: never handed out again
        return
    try:
        connection.dbapi_connection.autocommit = False
    except dialect.loaded_dbapi.Error as error:
        connection.invalidate(error)


class _Plan:
    """The select compiled for one dialect, with its parameters' and columns' processors."""

    def __init__(self, statement: Select, dialect):
        compiled = statement.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:  # rendered per execution: not here
            raise NotPoolable("a PooledSelect cannot have expanding or literal_execute parameters")
        self.dialect = dialect
        self.sql = compiled.string
        self.compiled = compiled
        processors = {name: _bind_processor(bind, dialect) for name, bind in compiled.binds.items()}
        self.bind_processors = {name: processor for name, processor in processors.items() if processor}
        self.positions = compiled.positiontup if compiled.positional else None
        self.escaped_names = compiled.escaped_bind_names
        self.types = [column.type.dialect_impl(dialect) for column in statement.selected_columns]
        self.row = namedtuple("Row", statement.selected_columns.keys(), rename=True)
        self.result_processors: list | None = None  # known once the driver has described the columns

    def parameters(self, given: dict):
        values = self.compiled.construct_params(given, escape_names=False)
        for name, processor in self.bind_processors.items():
            values[name] = processor(values[name])
        if self.positions is not None:
            return self.dialect.execute_sequence_format([values[name] for name in self.positions])
        return {self.escaped_names.get(name, name): value for name, value in values.items()}

    def read(self, found: list, description) -> list[tuple]:
        if self.result_processors is None:
            pairs = zip(self.types, description, strict=True)
            processors = [type_.result_processor(self.dialect, column[1]) for type_, column in pairs]
            self.result_processors = [(index, p) for index, p in enumerate(processors) if p is not None]
        make, processors = self.row._make, self.result_processors
        if not processors:
            return [make(values) for values in found]
        rows = []
        for values in found:
            values = list(values)
            for index, processor in processors:
                values[index] = processor(values[index])
            rows.append(make(values))
        return rows


def _bind_processor(bind, dialect):
    return bind.type.dialect_impl(dialect).bind_processor(dialect)


def _as_sqlalchemy_error(error, dialect, statement, parameters, invalidated: bool = False) -> exc.DBAPIError:
    return exc.DBAPIError.instance(
        str(statement),
        parameters,
        error,
        dialect.loaded_dbapi.Error,
        connection_invalidated=invalidated,
        dialect=dialect,
    )
