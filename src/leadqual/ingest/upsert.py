"""Batched SQL for imports: ``INSERT … ON CONFLICT`` in the store's dialect, and ``IN`` look-ups
split into bounded batches (SQLite and PostgreSQL both cap bound parameters per statement)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, ColumnElement, DateTime, Row, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

__all__ = [
    "existing_keys", "insert_ignore", "insert_ignore_tuples", "select_in", "upsert",
    "value_adapters",
]

IN_BATCH = 5_000
WRITE_BATCH = 5_000


def _insert(session: Session, table: Table) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def select_in(
    session: Session, columns: Sequence[ColumnElement[Any]], key: ColumnElement[Any],
    values: Iterable[Any], *where: ColumnElement[bool],
) -> list[Row[Any]]:
    """Rows whose ``key`` is one of ``values``, in batches of at most ``IN_BATCH`` parameters.

    >>> # select_in(session, [accounts.c.id, accounts.c.domain], accounts.c.domain, domains)
    """
    wanted = list(dict.fromkeys(v for v in values if v is not None))
    out: list[Row[Any]] = []
    if not wanted:
        return out
    # One expanding parameter: the statement is compiled once and cached, not once per batch.
    stmt = select(*columns).where(key.in_(bindparam("wanted", expanding=True)), *where)
    for i in range(0, len(wanted), IN_BATCH):
        out.extend(session.execute(stmt, {"wanted": wanted[i : i + IN_BATCH]}).all())
    return out


def existing_keys(session: Session, key: ColumnElement[Any], values: Sequence[Any]) -> set[Any]:
    """The ``values`` that ``key`` (a unique column) already holds — the hot look-up of a big
    import. On SQLite the ``IN`` statement is compiled once per batch size and run on the driver
    cursor with a tuple of parameters; elsewhere it is ``select_in``.

    >>> # existing_keys(session, EVENTS.c.event_id, ["e1", "e2"])
    """
    conn = session.connection()
    if conn.dialect.paramstyle != "qmark":
        return {r[0] for r in select_in(session, [key], key, values)}
    wanted = list(dict.fromkeys(v for v in values if v is not None))
    found: set[Any] = set()
    for i in range(0, len(wanted), IN_BATCH):
        batch = tuple(wanted[i : i + IN_BATCH])
        sql = _in_sql(conn.dialect, key, len(batch))
        found.update(r[0] for r in conn.exec_driver_sql(sql, batch))
    return found


@lru_cache(maxsize=64)
def _in_sql(dialect: Any, key: ColumnElement[Any], n: int) -> str:
    stmt = select(key).where(key.in_([bindparam(f"k{i}") for i in range(n)]))
    return str(stmt.compile(dialect=dialect))


def _sqlite_datetime(value: datetime | None) -> str | None:
    # The text format SQLAlchemy's SQLite DateTime type stores and reads back.
    return None if value is None else value.isoformat(" ", "microseconds")


def _json(value: Any) -> str:
    return "{}" if value == {} else json.dumps(value)


def insert_ignore(session: Session, table: Table, rows: list[dict[str, Any]], key: str) -> None:
    """Insert ``rows`` (all with the same keys), skipping any whose ``key`` already exists.

    The statement is compiled once and the rows go to the driver's ``executemany`` with their
    values pre-converted per column (dates for SQLite, JSON), instead of SQLAlchemy's per-row
    parameter processing: several times faster for a million events.
    """
    if not rows:
        return
    columns = list(rows[0])
    dialect = session.get_bind().dialect
    stmt = _insert(session, table).on_conflict_do_nothing(index_elements=[key])
    compiled = stmt.compile(dialect=dialect, column_keys=columns)
    converters: dict[str, Any] = {}
    for name in columns:
        col_type = table.c[name].type
        if isinstance(col_type, JSON):
            converters[name] = _json
        elif isinstance(col_type, DateTime) and dialect.name == "sqlite":
            converters[name] = _sqlite_datetime
    order = compiled.positiontup  # qmark style (SQLite); None for named styles (psycopg)
    conn = session.connection()
    sql = str(compiled)
    for i in range(0, len(rows), WRITE_BATCH * 4):
        batch = rows[i : i + WRITE_BATCH * 4]
        if order is None:
            params: list[Any] = [
                {**row, **{c: f(row[c]) for c, f in converters.items()}} for row in batch
            ] if converters else batch
        else:
            plain = [c for c in order if c not in converters]
            conv = [(c, converters[c]) for c in order if c in converters]
            index = {c: n for n, c in enumerate([*plain, *(c for c, _ in conv)])}
            perm = [index[c] for c in order]
            params = []
            for row in batch:
                values = [row[c] for c in plain]
                values += [f(row[c]) for c, f in conv]
                params.append(tuple([values[k] for k in perm]))
        conn.exec_driver_sql(sql, params)


def value_adapters(session: Session, table: Table, columns: Sequence[str]
                   ) -> list[Any | None]:
    """Per column, the function that turns a Python value into what the driver stores (JSON text;
    datetime text on SQLite), or ``None`` where the value goes as it is."""
    dialect = session.get_bind().dialect.name
    adapters: list[Any | None] = []
    for name in columns:
        col_type = table.c[name].type
        if isinstance(col_type, JSON):
            adapters.append(_json)
        elif isinstance(col_type, DateTime) and dialect == "sqlite":
            adapters.append(_sqlite_datetime)
        else:
            adapters.append(None)
    return adapters


def insert_ignore_tuples(session: Session, table: Table, columns: Sequence[str],
                         rows: Sequence[tuple[Any, ...]], key: str) -> int:
    """Insert ``rows`` — tuples in the order of ``columns``, already adapted for the driver (see
    ``value_adapters``) — skipping any whose ``key`` exists; returns the number of rows given.

    The statement is compiled once with positional parameters and the tuples go straight to the
    driver's ``executemany`` on the session's connection, inside its transaction.

    >>> # insert_ignore_tuples(session, EVENTS, ("event_id", "type"), [("e1", "meeting")], key)
    """
    if not rows:
        return 0
    conn = session.connection()
    dialect = conn.dialect
    stmt = _insert(session, table).on_conflict_do_nothing(index_elements=[key])
    compiled = stmt.compile(dialect=dialect, column_keys=list(columns))
    order = compiled.positiontup
    if order is None:  # a named paramstyle (psycopg): pass dicts
        names = list(columns)
        params: Sequence[Any] = [dict(zip(names, row, strict=True)) for row in rows]
    elif list(order) == list(columns):
        params = rows
    else:
        perm = [list(columns).index(c) for c in order]
        params = [tuple([row[k] for k in perm]) for row in rows]
    sql = str(compiled)
    for i in range(0, len(params), WRITE_BATCH * 4):
        conn.exec_driver_sql(sql, params[i : i + WRITE_BATCH * 4])
    return len(rows)


def upsert(session: Session, table: Table, rows: list[dict[str, Any]], key: str) -> None:
    """Insert ``rows`` (all with the same keys), overwriting the columns of those whose ``key``
    exists."""
    if not rows:
        return
    stmt = _insert(session, table)
    update = {c: stmt.excluded[c] for c in rows[0] if c not in (key, "id")}
    stmt = stmt.on_conflict_do_update(index_elements=[key], set_=update)
    for i in range(0, len(rows), WRITE_BATCH):
        session.execute(stmt, rows[i : i + WRITE_BATCH])
