"""One pipeline, every engine: the intent features of the same events are identical on DuckDB
(over the store and over a Parquet export), SQLite, PostgreSQL and Spark."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import select

from leadqual.errors import InvalidInput
from leadqual.features.engines import (
    EventSource,
    duckdb_parquet,
    duckdb_store,
    export_events,
    local_spark,
    postgres_store,
    read_events,
    spark_parquet,
    sqlite_store,
)
from leadqual.features.intent import cutoffs, intent_features
from leadqual.store.database import Store
from leadqual.store.models import Account
from tests.factories import make_account, make_event, make_lead

AS_OF = datetime(2026, 4, 5)
PATHS = ["/pricing", "/Pricing/teams", "/docs/a", "/blog/x", "/", "/careers", "/product_tour", None]
CATEGORIES = {"pricing": ["/pricing*"], "docs": ["/docs*", "re:^/api/v[0-9]+"], "other": []}


def fill(store: Store, seed: int = 3, n: int = 400) -> None:
    """Accounts with leads and a mix of page views (some without a visitor id, some after
    ``AS_OF``, some with sub-second times) plus other event types and unidentified views."""
    rng = random.Random(seed)
    with store.session() as s:
        accounts = [make_account(s) for _ in range(4)]
        leads = [make_lead(s, a) for a in accounts for _ in range(2)]
        start = AS_OF - timedelta(days=35)
        for _ in range(n):
            lead = rng.choice(leads)
            at = start + timedelta(seconds=rng.randrange(0, 37 * 86_400))
            if rng.random() < 0.2:  # bursts: views a few minutes apart, sessions of several
                at = AS_OF - timedelta(days=2, minutes=rng.randrange(0, 90))
            if rng.random() < 0.1:
                at += timedelta(microseconds=rng.randrange(1, 999_999))
            make_event(
                s,
                lead,
                at,
                visitor_id=rng.choice(["v1", "v2", "v3", None]),
                path=rng.choice(PATHS),
                dwell_ms=rng.choice([None, 1200, 45_000]),
                type=rng.choice(["page_view"] * 6 + ["form_submit"]),
            )
        make_event(s, leads[0], AS_OF, path="/pricing")  # at as-of: not counted
        make_event(s, leads[0], AS_OF - timedelta(days=7), path="/pricing")  # window edge
        orphan = make_event(s, leads[0], AS_OF - timedelta(days=1), visitor_id="anon")
        orphan.account_id, orphan.lead_id, orphan.contact_id = None, None, None


def per_row(store: Store) -> pa.Table:
    """A time per row: every account at three times, over the 30 days before each (a training
    set's cutoffs)."""
    with store.session() as s:
        accounts = sorted(s.scalars(select(Account.id)))
    times = [AS_OF, AS_OF - timedelta(days=3, seconds=5), AS_OF - timedelta(days=10)]
    grains = np.repeat(accounts, len(times))
    at = np.array(times * len(accounts), "datetime64[us]")
    return cutoffs(np.arange(grains.size), grains, at, window_days=30)


def rows(source: EventSource, by: str, cut: pa.Table | None = None, **kw: Any
         ) -> list[dict[str, Any]]:
    """The features on ``source`` (closed afterwards, unless it is Spark's shared session), as
    of ``AS_OF`` or, given ``cut``, a time per row (keyed by ``key``)."""
    as_of: Any = AS_OF if cut is None else ibis.memtable(cut)
    try:
        out = source.run(intent_features(source.events, as_of, by=by, **kw))  # type: ignore[arg-type]
    finally:
        if source.engine != "spark":
            source.close()
    return sorted(out.to_pylist(), key=lambda r: r[by if cut is None else "key"])


def assert_same(got: list[dict[str, Any]], want: list[dict[str, Any]], engine: str) -> None:
    assert len(got) == len(want) > 0, engine
    for g, w in zip(got, want, strict=True):
        assert g.keys() == w.keys(), engine
        for name, value in w.items():
            other = g[name]
            if isinstance(value, float) and not math.isnan(value):
                assert other == pytest.approx(value, rel=1e-9, abs=1e-9), (engine, name)
            elif isinstance(value, float) or value is None:
                assert other is None or (isinstance(other, float) and math.isnan(other)), (
                    engine,
                    name,
                )
            else:
                assert other == value, (engine, name, g)


@pytest.mark.parametrize("by", ["account_id", "lead_id"])
def test_same_features_on_duckdb_and_on_the_store_engine(
    store: Store, tmp_path: Path, by: str
) -> None:
    fill(store)
    reference = rows(duckdb_store(store), by)
    assert sum(r["page_views"] for r in reference) > 100
    assert any(r["visits"] > 1 for r in reference)
    native = sqlite_store if store.dialect == "sqlite" else postgres_store
    assert_same(rows(native(store), by), reference, store.dialect)
    parquet = export_events(store, tmp_path / "events.parquet")
    assert_same(rows(duckdb_parquet(parquet), by), reference, "duckdb over parquet")
    # custom categories (a glob, a regex) go through every engine too
    assert_same(
        rows(native(store), by, categories=CATEGORIES),
        rows(duckdb_store(store), by, categories=CATEGORIES),
        store.dialect,
    )


def test_same_features_at_a_time_per_row_on_duckdb_and_on_the_store_engine(
    store: Store, tmp_path: Path
) -> None:
    fill(store)
    cut = per_row(store)
    reference = rows(duckdb_store(store), "account_id", cut)
    assert len({r["key"] for r in reference}) > 4  # several rows of one account
    native = sqlite_store if store.dialect == "sqlite" else postgres_store
    assert_same(rows(native(store), "account_id", cut), reference, store.dialect)
    parquet = export_events(store, tmp_path / "events.parquet")
    assert_same(rows(duckdb_parquet(parquet), "account_id", cut), reference, "duckdb parquet")


def test_the_events_read_out_of_the_store_are_page_views_in_the_window(store: Store) -> None:
    fill(store, n=50)
    since = AS_OF - timedelta(days=10)
    got = read_events(store, until=AS_OF, since=since)
    assert got.num_rows > 0
    assert set(got.column("type").to_pylist()) == {"page_view"}
    times = got.column("occurred_at").to_pylist()
    assert min(times) >= since and max(times) < AS_OF
    every = read_events(store, types=None)
    assert "form_submit" in every.column("type").to_pylist()


def test_engines_refuse_the_wrong_store(store: Store, tmp_path: Path) -> None:
    wrong: Any = postgres_store if store.dialect == "sqlite" else sqlite_store
    with pytest.raises(InvalidInput, match="not"):
        wrong(store)
    with pytest.raises(InvalidInput, match="no such Parquet file"):
        duckdb_parquet(tmp_path / "missing.parquet")


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for the whole test session (starting one takes ~15 s)."""
    session = local_spark("leadqual-tests", partitions=2)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


# PySpark's own code, not ours: its toPandas passes pandas 3 the deprecated `copy=` keyword, and
# py4j leaves its gateway sockets to the garbage collector.
SPARK_NOISE = (
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    pytest.mark.filterwarnings("ignore:unclosed <socket.socket:ResourceWarning"),
)


@pytest.mark.slow
@SPARK_NOISE[0]
@SPARK_NOISE[1]
@pytest.mark.parametrize("by", ["account_id", "lead_id"])
def test_same_features_on_spark(
    sqlite_store: Store, tmp_path: Path, spark: Any, by: str
) -> None:
    fill(sqlite_store)
    parquet = export_events(sqlite_store, tmp_path / "events.parquet")
    reference = rows(duckdb_store(sqlite_store), by)
    assert_same(rows(spark_parquet(spark, parquet), by), reference, "spark")
    assert_same(
        rows(spark_parquet(spark, parquet), by, categories=CATEGORIES),
        rows(duckdb_store(sqlite_store), by, categories=CATEGORIES),
        "spark",
    )
    if by == "account_id":  # a time per row
        cut = per_row(sqlite_store)
        assert_same(
            rows(spark_parquet(spark, parquet), by, cut),
            rows(duckdb_store(sqlite_store), by, cut),
            "spark",
        )


def test_a_parquet_export_keeps_the_columns_and_types(sqlite_store: Store, tmp_path: Path) -> None:
    fill(sqlite_store, n=20)
    path = export_events(sqlite_store, tmp_path / "sub" / "events.parquet")
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    assert table.schema.field("occurred_at").type == pa.timestamp("us")
    assert table.num_rows == read_events(sqlite_store, types=None).num_rows
