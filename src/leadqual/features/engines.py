"""Where the intent pipeline runs: an Ibis backend and its ``events`` table, for each engine.

- DuckDB (the embedded default) over the store — its events read once into Arrow — or over a
  Parquet export (``export_events``);
- the store's SQLite file directly; the store's PostgreSQL directly;
- Spark, reading a Parquet export (``local_spark`` starts a local session).

Every source hands back the same thing, an ``EventSource``: ``source.run(intent_features(
source.events, as_of))`` gives an Arrow table whichever engine computed it. Close it (or use it
as a context manager) when done.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.backends import BaseBackend
from sqlalchemy import DateTime, Float, Integer, String, column, inspect, select, table

from leadqual.errors import InvalidInput
from leadqual.store.database import Store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "EVENT_SCHEMA",
    "EventSource",
    "duckdb_arrow",
    "duckdb_parquet",
    "duckdb_store",
    "export_events",
    "local_spark",
    "postgres_store",
    "read_events",
    "spark_parquet",
    "sqlite_store",
]

TS = pa.timestamp("us")

# The event columns the intent pipeline reads (``ident_confidence`` only if the store has it).
EVENT_SCHEMA = pa.schema(
    [
        ("type", pa.string()),
        ("occurred_at", TS),
        ("account_id", pa.int64()),
        ("lead_id", pa.int64()),
        ("contact_id", pa.int64()),
        ("visitor_id", pa.string()),
        ("path", pa.string()),
        ("dwell_ms", pa.int64()),
    ]
)
_CONFIDENCE = pa.field("ident_confidence", pa.float64())
_SQL_TYPES: dict[pa.DataType, Any] = {
    pa.string(): String(),
    TS: DateTime(),
    pa.int64(): Integer(),
    pa.float64(): Float(),
}


@dataclass(frozen=True)
class EventSource:
    """An Ibis backend and the ``events`` table on it."""

    backend: BaseBackend
    events: ir.Table
    engine: str

    def close(self) -> None:
        """Close the connection (PostgreSQL and SQLite hold one open until then)."""
        self.backend.disconnect()

    def __enter__(self) -> EventSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run(self, expr: ir.Table) -> pa.Table:
        """Execute ``expr`` on this engine, as an Arrow table."""
        with _known_warnings():
            return self.backend.to_pyarrow(expr)


# warnings.catch_warnings swaps the process-wide filter list in and out: two threads (the
# server's request threads) in it at once restore each other's lists, and one of them then runs
# without the filters it set. One at a time, then.
_WARNINGS_LOCK = threading.RLock()


@contextmanager
def _known_warnings() -> Iterator[None]:
    # Ibis 12 still calls DuckDB's fetch_arrow_table() (deprecated in DuckDB 2.0, same result)
    # and, on SQLite, reads pandas' `future.infer_string` option (deprecated in pandas 3):
    # silence exactly those two until Ibis catches up.
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"fetch_arrow_table\(\) is deprecated", category=DeprecationWarning
        )
        warnings.filterwarnings("ignore", message=r"The 'future\.infer_string' option")
        yield


def _schema(store: Store) -> pa.Schema:
    names = {c["name"] for c in inspect(store.engine).get_columns("events")}
    return EVENT_SCHEMA.append(_CONFIDENCE) if _CONFIDENCE.name in names else EVENT_SCHEMA


def read_events(
    store: Store,
    *,
    until: datetime | None = None,
    since: datetime | None = None,
    types: Sequence[str] | None = ("page_view",),
    chunk: int = 100_000,
) -> pa.Table:
    """The store's events (by default page views only) from ``since`` to before ``until`` as an
    Arrow table with ``EVENT_SCHEMA``'s columns (plus ``ident_confidence`` when the store has
    that column)."""
    schema = _schema(store)
    events = table("events", *(column(f.name, _SQL_TYPES[f.type]) for f in schema))
    stmt = select(*(events.c[f.name] for f in schema))
    if types is not None:
        stmt = stmt.where(events.c.type.in_(list(types)))
    if until is not None:
        stmt = stmt.where(events.c.occurred_at < until)
    if since is not None:
        stmt = stmt.where(events.c.occurred_at >= since)
    batches = []
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=chunk).execute(stmt)
        for rows in result.partitions(chunk):
            cols = list(zip(*rows, strict=True))
            arrays = [_array(c, f.type) for c, f in zip(cols, schema, strict=True)]
            batches.append(pa.RecordBatch.from_arrays(arrays, schema=schema))
    return pa.Table.from_batches(batches, schema=schema) if batches else schema.empty_table()


def _array(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    return pa.array(values, type=kind)


def export_events(
    store: Store, path: Path, *, until: datetime | None = None, types: Sequence[str] | None = None
) -> Path:
    """Write the store's events (all types unless ``types``) to one Parquet file at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(read_events(store, until=until, types=types), path)
    return path


def duckdb_store(
    store: Store, *, until: datetime | None = None, since: datetime | None = None
) -> EventSource:
    """DuckDB (in memory) over the store's page views, read once into Arrow."""
    return duckdb_arrow(read_events(store, until=until, since=since))


def duckdb_arrow(events: pa.Table) -> EventSource:
    """DuckDB (in memory) over an Arrow table of events."""
    con = ibis.duckdb.connect()
    con.raw_sql("SET enable_progress_bar = false")
    with _known_warnings():
        table = con.create_table("events", events, temp=True)
    return EventSource(con, table, "duckdb")


def duckdb_parquet(path: Path | str, *, threads: int | None = None) -> EventSource:
    """DuckDB over a Parquet file (or a glob of files) of events."""
    if not any(ch in str(path) for ch in "*?[") and not Path(path).exists():
        raise InvalidInput(f"{path}: no such Parquet file; export one with export_events()")
    con = ibis.duckdb.connect(**({"threads": threads} if threads else {}))
    con.raw_sql("SET enable_progress_bar = false")
    with _known_warnings():
        table = con.read_parquet(str(path), table_name="events")
    return EventSource(con, table, "duckdb")


def sqlite_store(store: Store) -> EventSource:
    """The store's SQLite file, queried in place by SQLite."""
    url = store.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise InvalidInput(f"the store at {url!r} is not a SQLite file", field="database_url")
    con = ibis.sqlite.connect(url.database)
    return EventSource(con, con.table("events"), "sqlite")


def postgres_store(store: Store) -> EventSource:
    """The store's PostgreSQL database, queried in place (options such as ``search_path`` in the
    URL's query are passed on)."""
    url = store.engine.url
    if url.get_backend_name() != "postgresql":
        raise InvalidInput(f"the store at {url!r} is not PostgreSQL", field="database_url")
    extra = {k: v if isinstance(v, str) else v[-1] for k, v in url.query.items()}
    con = ibis.postgres.connect(
        host=url.host,
        user=url.username,
        password=url.password,
        port=url.port or 5432,
        database=url.database,
        **extra,
    )
    return EventSource(con, con.table("events"), "postgres")


def local_spark(app: str = "leadqual", *, cores: int = 2, partitions: int = 4) -> SparkSession:
    """A local Spark session fit for the pipeline: UTC, no UI, few shuffle partitions. Starting
    one takes ~15 s; share it (``getOrCreate`` hands back the running one)."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )


def spark_parquet(session: SparkSession, path: Path | str) -> EventSource:
    """Spark over a Parquet export of events (``export_events``)."""
    con = ibis.pyspark.connect(session)
    return EventSource(con, con.read_parquet(str(path), table_name="events"), "spark")
