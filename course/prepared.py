"""Prepared reads: the few SELECTs every page runs, compiled once per database and run on the driver's cursor.

Through SQLAlchemy's Core, each execution of even a one-row query works out the statement's cache key, builds an
execution context and a result with its metadata: about 35–110 µs a query here, against 4–8 µs for the driver to
run it. A page reads the live course's version, the academy's settings and the trainee's progress on every request,
so that layer was a tenth of a signed-in page. A `Prepared` statement does that work once: SQLAlchemy compiles it
for the database (its SQL, its parameters' order and bind processors, the constant values of `IN` lists), and
each execution only fills in the caller's parameters, runs the SQL on the connection's cursor, applies the columns'
result processors (SQLite's dates, our UTC datetimes, JSON) and hands back an ordinary SQLAlchemy `Result`.

What it keeps from the Core path: the session's transaction (the statement runs on `session.connection()`), the
engine's `before_cursor_execute` and `after_cursor_execute` listeners (query counters and the undeclared-write check
see it), and driver errors raised as SQLAlchemy's own (`OperationalError` and so on; a lost connection is
invalidated). Parameters are plain values named by `bindparam`; a list for `IN` must be part of the statement.
`tests/test_prepared.py` runs every prepared statement both ways, on SQLite and PostgreSQL, and compares the rows.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.engine.result import IteratorResult, SimpleResultMetaData
from sqlalchemy.sql import Select


class Prepared:
    """A SELECT of plain columns, run through `course.database.read` without SQLAlchemy's per-execution work."""

    __slots__ = ("_plans", "statement")

    def __init__(self, statement: Select):
        self.statement = statement
        self._plans: dict[str, _Plan] = {}  # by dialect name: one compilation per database a process uses

    def execute(self, connection: Connection, parameters: dict | None = None) -> IteratorResult:
        """The statement's rows, run on `connection` (in its transaction) with `parameters`."""
        dialect = connection.dialect
        plan = self._plans.get(dialect.name)
        if plan is None:
            plan = self._plans[dialect.name] = _Plan.compile(self.statement, dialect)
        return plan.run(connection, parameters or {})


@dataclass
class _Plan:
    """One statement compiled for one database: what each execution needs, worked out once."""

    sql: str
    names: tuple[str, ...]  # the parameters in the order the driver takes them (positional) or all of them (named)
    positional: bool
    fixed: dict  # parameters with constant values, already through their bind processors
    given: tuple[tuple[str, object], ...]  # (name, bind processor or None) of the parameters each caller supplies
    types: tuple  # the columns' types
    metadata: SimpleResultMetaData
    processors: tuple | None = None  # per column; from the driver's first description of the result

    @classmethod
    def compile(cls, statement: Select, dialect: Dialect) -> _Plan:
        compiled = statement.compile(dialect=dialect)
        if compiled.escaped_bind_names:
            raise TypeError(f"prepared statements need plain parameter names, not {compiled.escaped_bind_names}")
        required = {name for name, bind in compiled.binds.items() if bind.required}
        if any(bind.expanding and bind.required for bind in compiled.binds.values()):
            raise TypeError("a prepared statement's IN lists must be part of the statement, not parameters")
        # Constant IN lists become parameters of their own here, once; the caller's are filled in at each run.
        state = compiled.construct_expanded_state(dict.fromkeys(required))
        positional = state.positiontup is not None
        names = tuple(state.positiontup) if positional else tuple(state.parameters)
        processors = state.processors
        fixed = {name: processors[name](value) if processors.get(name) else value
                 for name, value in state.parameters.items() if name not in required}
        # The result's keys and types as the compiler named them for Core's own results (a union's literals are
        # "anon_1" and so on); tests/test_prepared.py checks the keys and rows against Core's for every statement.
        columns = compiled._result_columns  # noqa: SLF001 - no public accessor; guarded by that test
        return cls(sql=state.statement, names=names, positional=positional, fixed=fixed,
                   given=tuple((name, processors.get(name)) for name in sorted(required)),
                   types=tuple(column.type for column in columns),
                   metadata=SimpleResultMetaData([column.keyname for column in columns]))

    def run(self, connection: Connection, parameters: dict) -> IteratorResult:
        values = dict(self.fixed)
        for name, processor in self.given:
            if name not in parameters:
                raise exc.InvalidRequestError(f"A value is required for bind parameter {name!r}")
            value = parameters[name]
            values[name] = processor(value) if processor is not None else value
        arguments = tuple(values[name] for name in self.names) if self.positional else values
        rows, description = self._fetch(connection, arguments)
        if self.processors is None:
            dialect = connection.dialect
            self.processors = tuple(type_.dialect_impl(dialect).result_processor(dialect, column[1])
                                    for type_, column in zip(self.types, description, strict=True))
        processors = [(index, processor) for index, processor in enumerate(self.processors) if processor is not None]
        if processors:
            rows = [_processed(row, processors) for row in rows]
        return IteratorResult(self.metadata, iter(rows))

    def _fetch(self, connection: Connection, arguments) -> tuple[list, tuple]:
        """Run the SQL on a cursor of the connection's driver connection, as SQLAlchemy would (its listeners told,
        driver errors raised as its own)."""
        sql, fairy = self.sql, connection.connection
        cursor = fairy.cursor()
        try:
            for listener in connection.dispatch.before_cursor_execute:
                sql, arguments = listener(connection, cursor, sql, arguments, None, False)
            cursor.execute(sql, arguments)
            rows, description = cursor.fetchall(), cursor.description
            for listener in connection.dispatch.after_cursor_execute:
                listener(connection, cursor, sql, arguments, None, False)
        except connection.dialect.loaded_dbapi.Error as error:
            lost = connection.dialect.is_disconnect(error, fairy, cursor)
            if lost:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(sql, arguments, error, connection.dialect.loaded_dbapi.Error,
                                          connection_invalidated=lost, dialect=connection.dialect) from error
        finally:
            with contextlib.suppress(connection.dialect.loaded_dbapi.Error):  # the error above is the one to report
                cursor.close()
        return rows, description


def _processed(row: tuple, processors: list) -> tuple:
    values = list(row)
    for index, processor in processors:
        values[index] = processor(values[index])
    return tuple(values)
