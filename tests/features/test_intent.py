"""The intent pipeline's meaning, checked on DuckDB (the embedded default): page categories,
sessions (30 minutes of inactivity), windows, recency, trend and the as-of cutoff."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadqual.errors import InvalidInput
from leadqual.features.engines import EVENT_SCHEMA
from leadqual.features.intent import (
    DEFAULT_CATEGORIES,
    categorize,
    category_of,
    cutoffs,
    intent_features,
    page_views,
    path_categories,
    sessionize,
)

AS_OF = datetime(2026, 4, 1)


def events(rows: list[dict[str, Any]]) -> pa.Table:
    base = {f.name: None for f in EVENT_SCHEMA}
    full = [{**base, "type": "page_view", **r} for r in rows]
    return pa.Table.from_pylist(full, schema=EVENT_SCHEMA)


@pytest.fixture(scope="module")
def con() -> Iterator[Any]:
    backend = ibis.duckdb.connect()
    yield backend
    backend.disconnect()


def run(con: Any, table: pa.Table, **kw: Any) -> dict[int, dict[str, Any]]:
    out = con.to_pyarrow(intent_features(ibis.memtable(table), kw.pop("as_of", AS_OF), **kw))
    key = kw.get("by", "account_id")
    return {r[key]: r for r in out.to_pylist()}


def test_sessions_break_after_thirty_minutes_of_inactivity(con: Any) -> None:
    t0 = AS_OF - timedelta(days=3)
    gaps = [0, 10, 39, 29, 30, 60 * 24]  # minutes after the previous view
    at, rows = t0, []
    for g in gaps:
        at += timedelta(minutes=g)
        rows.append({"occurred_at": at, "account_id": 1, "visitor_id": "v1", "path": "/"})
    rows.append({"occurred_at": t0, "account_id": 1, "visitor_id": "v2", "path": "/"})
    got = run(con, events(rows))[1]
    # v1: start, +10 same, +39 new, +29 same, +30 new (a full 30 minutes idle), +1 day new; v2: 1
    assert got["visits"] == 4 + 1
    assert got["visitors"] == 2
    assert got["page_views"] == 7


def test_categories_views_and_pricing_dwell(con: Any) -> None:
    t = AS_OF - timedelta(hours=5)
    paths = ["/Pricing", "/pricing/enterprise", "/docs/api", "/careers", "/blog/x", "/", None]
    rows = [
        {"occurred_at": t, "account_id": 7, "visitor_id": "v", "path": p, "dwell_ms": 1500}
        for p in paths
    ]
    got = run(con, events(rows))[7]
    assert (got["views_pricing"], got["views_docs"], got["views_careers"]) == (2, 1, 1)
    assert (got["views_blog"], got["views_product"], got["views_other"]) == (1, 0, 2)
    assert got["pricing_seconds"] == pytest.approx(3.0)


def test_only_page_views_before_as_of_with_a_key_count(con: Any) -> None:
    rows = [
        {"occurred_at": AS_OF - timedelta(microseconds=1), "account_id": 1, "visitor_id": "a"},
        {"occurred_at": AS_OF, "account_id": 1, "visitor_id": "b"},
        {"occurred_at": AS_OF + timedelta(days=1), "account_id": 1, "visitor_id": "c"},
        {"occurred_at": AS_OF - timedelta(days=1), "account_id": None, "visitor_id": "d"},
        {"occurred_at": AS_OF - timedelta(days=1), "account_id": 1, "type": "form_submit"},
    ]
    got = run(con, events(rows))
    assert list(got) == [1]
    assert got[1]["page_views"] == 1
    assert got[1]["days_since_last_view"] == pytest.approx(1 / 86_400)


def test_days_active_recency_and_trend(con: Any) -> None:
    rows = []
    # last week: 6 views on 2 days; the three weeks before: 3 views (a weekly mean of 1)
    for days, n in ((1, 4), (3, 2), (9, 1), (16, 1), (27, 1), (40, 5)):
        for i in range(n):
            at = AS_OF - timedelta(days=days) + timedelta(minutes=i)
            rows.append({"occurred_at": at, "lead_id": 3, "visitor_id": "v", "path": "/"})
    got = run(con, events(rows), by="lead_id")[3]
    assert got["days_active"] == 6
    assert got["views_7d"] == 6
    assert got["views_prev_weekly"] == pytest.approx(1.0)
    assert got["trend"] == pytest.approx((6 + 1) / (1 + 1))
    assert got["days_since_last_view"] == pytest.approx(1 - 3 / (24 * 60))
    assert got["last_view_at"] == AS_OF - timedelta(days=1) + timedelta(minutes=3)


def test_views_without_a_visitor_id_fall_back_to_the_contact(con: Any) -> None:
    t = AS_OF - timedelta(days=2)
    rows = [
        {"occurred_at": t, "account_id": 1, "contact_id": 5},
        {"occurred_at": t + timedelta(hours=2), "account_id": 1, "contact_id": 5},
        {"occurred_at": t, "account_id": 1, "contact_id": 6},
    ]
    got = run(con, events(rows))[1]
    assert (got["visitors"], got["visits"]) == (2, 3)


def test_weak_identifications_can_be_left_out(con: Any) -> None:
    schema = EVENT_SCHEMA.append(pa.field("ident_confidence", pa.float64()))
    t = AS_OF - timedelta(days=2)
    rows = [
        {"type": "page_view", "occurred_at": t, "account_id": 1, "visitor_id": "a",
         "ident_confidence": 0.9},
        {"type": "page_view", "occurred_at": t, "account_id": 1, "visitor_id": "b",
         "ident_confidence": 0.2},
        {"type": "page_view", "occurred_at": t, "account_id": 2, "visitor_id": "c",
         "ident_confidence": 0.3},
    ]  # fmt: skip
    table = pa.Table.from_pylist(rows, schema=schema)
    every = run(con, table)
    assert every[1]["ident_confidence"] == pytest.approx(0.9)
    strong = run(con, table, min_confidence=0.5)
    assert list(strong) == [1]
    assert strong[1]["visitors"] == 1


def test_custom_categories_with_globs_and_regexes(con: Any) -> None:
    cats = {"pricing": ["/tarifs*", "re:^/(en|de)/price"], "jobs": ["/work_with_us"], "other": []}
    t = AS_OF - timedelta(days=1)
    paths = ["/tarifs", "/de/prices", "/work_with_us", "/workXwithXus", "/en/product"]
    rows = [{"occurred_at": t, "account_id": 1, "visitor_id": "v", "path": p} for p in paths]
    got = run(con, events(rows), categories=cats)[1]
    assert (got["views_pricing"], got["views_jobs"], got["views_other"]) == (2, 1, 2)
    assert "views_docs" not in got
    assert [category_of(p, cats) for p in paths] == ["pricing", "pricing", "jobs", "other", "other"]


@pytest.mark.parametrize(
    ("cats", "word"),
    [
        ({"Pricing Page": ["/p*"]}, "lower-case"),
        ({"pricing": "/pricing*"}, "list of patterns"),
        ({"pricing": ["re:(unclosed"]}, "regular expression"),
    ],
)
def test_bad_categories_are_refused_with_the_reason(cats: Any, word: str) -> None:
    with pytest.raises(InvalidInput, match=word):
        categorize(ibis.literal("/x"), cats)


def test_only_accounts_or_leads_are_grains() -> None:
    with pytest.raises(InvalidInput, match="account_id or lead_id"):
        page_views(ibis.memtable(events([])), AS_OF, by="visitor_id")  # type: ignore[arg-type]


_PATHS = st.sampled_from(
    ["/", "/pricing", "/PRICING/x", "/docs", "/blog/a_b", "/careers", "/product", "/x/pricing"]
)


@settings(max_examples=40, deadline=None)
@given(paths=st.lists(st.one_of(st.none(), _PATHS, st.text(max_size=12)), max_size=20))
def test_categorize_in_sql_equals_category_of_in_python(con: Any, paths: list[str | None]) -> None:
    paths = [p if p is None else p.replace("\x00", "") for p in paths]
    table = pa.table({"path": pa.array(paths, pa.string())})
    t = ibis.memtable(table)
    got = con.to_pyarrow(t.select(c=categorize(t.path))).column("c").to_pylist()
    assert got == [category_of(p, DEFAULT_CATEGORIES) for p in paths]


def reference_sessions(rows: list[tuple[int, str, int]], gap: int) -> dict[tuple[int, str], int]:
    """Sessions per (key, visitor) the plain way: sort the times, count gaps of ``gap`` or more."""
    times: dict[tuple[int, str], list[int]] = {}
    for key, visitor, sec in rows:
        times.setdefault((key, visitor), []).append(sec)
    out = {}
    for k, ts in times.items():
        ts.sort()
        out[k] = 1 + sum(1 for a, b in itertools.pairwise(ts) if b - a >= gap)
    return out


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(1, 3), st.sampled_from(["a", "b", "c"]), st.integers(0, 6 * 3600)
        ),
        max_size=60,
    ),
    gap=st.sampled_from([30, 1, 90]),
)
def test_sessionize_equals_a_python_reference(
    con: Any, rows: list[tuple[int, str, int]], gap: int
) -> None:
    t0 = AS_OF - timedelta(days=1)
    table = events(
        [
            {"occurred_at": t0 + timedelta(seconds=s), "account_id": k, "visitor_id": v}
            for k, v, s in rows
        ]
    )
    marked = sessionize(page_views(ibis.memtable(table), AS_OF), gap_minutes=gap)
    got = con.to_pyarrow(marked).to_pylist()
    expected = reference_sessions(rows, gap * 60)
    last: dict[tuple[int, str], int] = {}
    for r in got:
        k = (r["key"], r["visitor"])
        last[k] = max(last.get(k, 0), r["session"])
    assert last == expected
    assert sum(r["new_session"] for r in got) == sum(expected.values())
    features = run(con, table, gap_minutes=gap)
    per_key: dict[int, int] = {}
    for (k, _), n in expected.items():
        per_key[k] = per_key.get(k, 0) + n
    assert {k: r["visits"] for k, r in features.items()} == per_key


def test_path_categories_holds_each_distinct_path_once_with_its_category(con: Any) -> None:
    paths = ["/pricing", "/Pricing", "/pricing", "/docs/a", None, "/x", "/x"]
    t = ibis.memtable(pa.table({"path": pa.array(paths, pa.string())}))
    got = con.to_pyarrow(path_categories(t.path)).to_pylist()
    assert sorted(r["path"] for r in got) == ["/Pricing", "/docs/a", "/pricing", "/x"]
    assert all(r["category"] == category_of(r["path"]) for r in got)


def reference_features(rows: list[dict[str, Any]], gap: int) -> dict[int, dict[str, Any]]:
    """Every column of intent_features(by="account_id") the plain way, one view at a time."""
    epoch = datetime(1970, 1, 1)
    as_of_sec = (AS_OF - epoch).total_seconds()
    week, four_weeks = AS_OF - timedelta(days=7), AS_OF - timedelta(days=28)
    per_key: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        if r["occurred_at"] < AS_OF and r["account_id"] is not None:
            per_key.setdefault(r["account_id"], []).append(r)
    out = {}
    for key, views in per_key.items():
        secs: dict[str, list[int]] = {}
        for r in views:
            visitor = r["visitor_id"] or f"contact:{r['contact_id']}"
            secs.setdefault(visitor, []).append(
                math.floor((r["occurred_at"] - epoch).total_seconds())
            )
        visits = sum(
            1 + sum(1 for a, b in itertools.pairwise(sorted(ts)) if b - a >= gap)
            for ts in secs.values()
        )
        cats = [category_of(r["path"]) for r in views]
        last = max(r["occurred_at"] for r in views)
        n7 = sum(1 for r in views if r["occurred_at"] >= week)
        n3 = sum(1 for r in views if four_weeks <= r["occurred_at"] < week)
        out[key] = {
            "account_id": key,
            "visits": visits,
            "visitors": len(secs),
            "page_views": len(views),
            **{f"views_{c}": cats.count(c) for c in [*DEFAULT_CATEGORIES, "other"]},
            "pricing_seconds": sum(
                r["dwell_ms"] or 0 for r, c in zip(views, cats, strict=True) if c == "pricing"
            )
            / 1000.0,
            "days_active": len({s // 86_400 for ts in secs.values() for s in ts}),
            "days_since_last_view": (as_of_sec - math.floor((last - epoch).total_seconds()))
            / 86_400,
            "views_7d": n7,
            "views_prev_weekly": n3 / 3.0,
            "trend": (n7 + 1.0) / (n3 / 3.0 + 1.0),
            "last_view_at": last,
            "ident_confidence": None,
        }
    return out


@settings(max_examples=60, deadline=None)
@given(
    views=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(1, 3)),
            st.one_of(st.none(), st.sampled_from(["a", "b", "contact:7"])),
            st.integers(1, 9),
            st.integers(-3_600, 40 * 86_400),
            st.integers(0, 999_999),
            st.one_of(st.none(), _PATHS),
            st.one_of(st.none(), st.integers(0, 90_000)),
        ),
        max_size=40,
    ),
    gap=st.sampled_from([30, 1, 90]),
)
def test_every_column_equals_a_python_reference(
    con: Any, views: list[tuple[Any, ...]], gap: int
) -> None:
    # Seconds before as-of (negative: after it, not counted), with microseconds; a visitor id
    # of "contact:7" meets contact 7's own views, as the visitor rule says it should.
    rows = [
        {
            "account_id": key,
            "visitor_id": visitor,
            "contact_id": contact,
            "occurred_at": AS_OF - timedelta(seconds=before, microseconds=micros),
            "path": path,
            "dwell_ms": dwell,
        }
        for key, visitor, contact, before, micros, path, dwell in views
    ]
    got = run(con, events(rows), gap_minutes=gap)
    want = reference_features(rows, gap * 60)
    assert got.keys() == want.keys()
    for key, expected in want.items():
        assert list(got[key]) == list(expected)
        for name, value in expected.items():
            if isinstance(value, float):
                assert got[key][name] == pytest.approx(value, rel=1e-12), (key, name)
            else:
                assert got[key][name] == value, (key, name)


@settings(max_examples=40, deadline=None)
@given(
    views=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(1, 3)),
            st.sampled_from(["a", "b"]),
            st.integers(-3_600, 60 * 86_400),
            st.one_of(st.none(), _PATHS),
            st.one_of(st.none(), st.integers(0, 90_000)),
        ),
        max_size=40,
    ),
    rows=st.lists(st.tuples(st.integers(1, 4), st.integers(0, 40 * 86_400)), max_size=6),
    window=st.sampled_from([None, 30]),
)
def test_a_time_per_row_gives_each_row_the_features_as_of_its_own_time(
    con: Any, views: list[tuple[Any, ...]], rows: list[tuple[int, int]], window: int | None
) -> None:
    """Rows of ``cutoffs`` (several per account) get what the one-time pipeline gives their
    account at their own time, over the window's views only."""
    table = [
        {"account_id": key, "visitor_id": visitor, "path": path, "dwell_ms": dwell,
         "occurred_at": AS_OF - timedelta(seconds=before)}
        for key, visitor, before, path, dwell in views
    ]
    times = [AS_OF - timedelta(seconds=s) for _, s in rows]
    cut = cutoffs(np.arange(len(rows)) + 100, np.array([g for g, _ in rows], np.int64),
                  np.array(times, "datetime64[us]"), window_days=window)
    got = {r["key"]: r for r in con.to_pyarrow(
        intent_features(ibis.memtable(events(table)), ibis.memtable(cut))).to_pylist()}
    for i, ((grain, _), at) in enumerate(zip(rows, times, strict=True)):
        since = at - timedelta(days=window) if window else datetime(1970, 1, 1)
        alone = run(con, events([r for r in table if r["occurred_at"] >= since]), as_of=at)
        if grain not in alone:
            assert 100 + i not in got
            continue
        want = {k: v for k, v in alone[grain].items() if k != "account_id"}
        have = {k: v for k, v in got[100 + i].items() if k != "key"}
        assert list(have) == list(want)
        for name, value in want.items():
            assert have[name] == (pytest.approx(value, rel=1e-12)
                                  if isinstance(value, float) else value), (i, name)
