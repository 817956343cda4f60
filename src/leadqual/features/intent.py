"""Intent features from page views, written once with Ibis: the same expression runs on DuckDB
(the embedded default, over the store or Parquet), SQLite, PostgreSQL and Spark.

From the page views before ``as_of``, per account (or per lead): visits (sessions, a new one after
30 minutes of inactivity), distinct visitors, page views by page category (categories from URL path
patterns), time on pricing pages, days active, recency and trend (views in the last week against
the weekly mean of the three weeks before). docs/intent.md documents every column.

Example::

    import ibis
    con = ibis.duckdb.connect()
    events = con.read_parquet("events.parquet")
    table = intent_features(events, datetime(2026, 3, 31))  # an Ibis expression
    rows = con.to_pyarrow(table)

Timestamps are naive UTC; gaps, days and recency are measured in whole seconds (epoch seconds
rounded down), which every engine computes the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal

import ibis
import ibis.expr.types as ir

from leadqual.errors import InvalidInput
from leadqual.features.schema import DEFAULT_PAGES

__all__ = [
    "DEFAULT_CATEGORIES",
    "FEATURE_COLUMNS",
    "GAP_MINUTES",
    "Grain",
    "categorize",
    "category_of",
    "intent_features",
    "page_views",
    "sessionize",
]

Grain = Literal["account_id", "lead_id"]

GAP_MINUTES = 30
DAY = 86_400
OTHER = "other"

# Page categories by path pattern (see ``features.schema.DEFAULT_PAGES``, which a contract's
# `pages:` section replaces).
DEFAULT_CATEGORIES: Mapping[str, tuple[str, ...]] = DEFAULT_PAGES

# The columns intent_features returns, after the grain's key column, in order. Per-category view
# counts (``views_<category>``) come between ``page_views`` and ``pricing_seconds``.
FEATURE_COLUMNS: tuple[str, ...] = (
    "visits",
    "visitors",
    "page_views",
    "pricing_seconds",
    "days_active",
    "days_since_last_view",
    "views_7d",
    "views_prev_weekly",
    "trend",
    "last_view_at",
    "ident_confidence",
)

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _like(glob: str) -> str | None:
    """A glob as a LIKE pattern, or None when it holds LIKE's own wildcards (then: regex)."""
    if "%" in glob or "_" in glob or "\\" in glob:
        return None
    return glob.replace("*", "%").replace("?", "_")


def _glob_regex(glob: str) -> str:
    return (
        "^" + "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob) + "$"
    )


def _check(categories: Mapping[str, Sequence[str]]) -> None:
    for name, patterns in categories.items():
        if not _NAME.match(name):
            raise InvalidInput(
                f"page category {name!r}: use lower-case letters, digits and _ "
                "(it becomes the column views_<category>)",
                field="categories",
            )
        if isinstance(patterns, str):
            raise InvalidInput(
                f"page category {name!r}: give a list of patterns, not the string {patterns!r}",
                field="categories",
            )
        for p in patterns:
            if p.startswith("re:"):
                try:
                    re.compile(p[3:])
                except re.error as exc:
                    raise InvalidInput(
                        f"page category {name!r}: pattern {p!r} is not a regular expression "
                        f"({exc})",
                        field="categories",
                    ) from exc


def _matches(path: ir.StringValue, pattern: str) -> ir.BooleanValue:
    if pattern.startswith("re:"):
        return path.re_search(pattern[3:])
    like = _like(pattern.lower())
    if like is None:
        return path.re_search(_glob_regex(pattern.lower()))
    return path.like(like)


def categorize(
    path: ir.StringValue, categories: Mapping[str, Sequence[str]] = DEFAULT_CATEGORIES
) -> ir.StringValue:
    """The page category of each ``path`` (an Ibis string column): the first category with a
    matching pattern, else ``"other"`` (also for a null path)."""
    _check(categories)
    low = path.lower()
    branches = []
    for name, patterns in categories.items():
        if not patterns or name == OTHER:
            continue
        cond: ir.BooleanValue | None = None
        for p in patterns:
            m = _matches(low, p)
            cond = m if cond is None else cond | m
        assert cond is not None
        branches.append((cond.fill_null(False), name))
    if not branches:
        return ibis.literal(OTHER, "string")
    out: ir.StringValue = ibis.cases(*branches, else_=OTHER)
    return out


def category_of(
    path: str | None, categories: Mapping[str, Sequence[str]] = DEFAULT_CATEGORIES
) -> str:
    """The same rule as ``categorize`` for one path in Python (for reports and tests)."""
    if path is None:
        return OTHER
    low = path.lower()
    for name, patterns in categories.items():
        if name == OTHER:
            continue
        for p in patterns:
            rx = p[3:] if p.startswith("re:") else _glob_regex(p.lower())
            if re.search(rx, low, flags=re.DOTALL):
                return name
    return OTHER


def _names(categories: Mapping[str, Sequence[str]]) -> list[str]:
    return [n for n in categories if n != OTHER] + [OTHER]


def page_views(
    events: ir.Table,
    as_of: datetime,
    *,
    by: Grain = "account_id",
    categories: Mapping[str, Sequence[str]] = DEFAULT_CATEGORIES,
    min_confidence: float | None = None,
) -> ir.Table:
    """The page views before ``as_of`` that belong to an account (or lead), with ``visitor``
    (the visitor id, else ``contact:<id>``), ``sec`` (epoch seconds) and ``category``.

    ``min_confidence``: drop views whose identification is weaker (only when the events carry an
    ``ident_confidence`` column; a null confidence counts as certain — e.g. imported events).
    """
    if by not in ("account_id", "lead_id"):
        raise InvalidInput(f"intent features are per account_id or lead_id, not {by!r}", field="by")
    e = events
    keep = [e.type == "page_view", e.occurred_at < as_of, e[by].notnull()]
    if min_confidence is not None and "ident_confidence" in e.columns:
        keep.append(e.ident_confidence.fill_null(1.0) >= min_confidence)
    e = e.filter(*keep)
    visitor = e.visitor_id.cast("string")
    if "contact_id" in e.columns:
        visitor = visitor.coalesce("contact:" + e.contact_id.cast("string"))
    conf = e.ident_confidence.cast("float64") if "ident_confidence" in e.columns else None
    return e.select(
        key=e[by],
        visitor=visitor,
        occurred_at=e.occurred_at,
        sec=e.occurred_at.epoch_seconds().floor(),
        path=e.path,
        category=categorize(e.path, categories),
        dwell_ms=e.dwell_ms.cast("int64").fill_null(0),
        ident_confidence=conf if conf is not None else ibis.null("float64"),
    )


def _mark_sessions(views: ir.Table, gap_minutes: int) -> ir.Table:
    w = ibis.window(group_by=[views.key, views.visitor], order_by=[views.sec])
    gap = gap_minutes * 60
    # One LAG, read once: the first view of a visitor has no previous one (a new session).
    idle = (views.sec - views.sec.lag().over(w)).fill_null(gap)
    new = ibis.ifelse(idle >= gap, 1, 0)
    return views.mutate(new_session=new)


def sessionize(views: ir.Table, gap_minutes: int = GAP_MINUTES) -> ir.Table:
    """``views`` (with ``key``, ``visitor``, ``sec``) plus ``new_session`` (1 on the first view of
    a session, else 0) and ``session`` (its number, from 1, per key and visitor). A session ends
    after ``gap_minutes`` without a view: a view that many minutes or more after the previous one
    of the same visitor (at the same key) starts a new one."""
    marked = _mark_sessions(views, gap_minutes)
    w2 = ibis.window(group_by=[marked.key, marked.visitor], order_by=[marked.sec], rows=(None, 0))
    return marked.mutate(session=marked.new_session.sum().over(w2))


def intent_features(
    events: ir.Table,
    as_of: datetime,
    *,
    by: Grain = "account_id",
    categories: Mapping[str, Sequence[str]] = DEFAULT_CATEGORIES,
    gap_minutes: int = GAP_MINUTES,
    dwell_category: str = "pricing",
    min_confidence: float | None = None,
) -> ir.Table:
    """Intent features per account (``by="account_id"``) or lead (``by="lead_id"``) from the page
    views before ``as_of``, as an Ibis expression over ``events`` (an events table with at least
    ``type``, ``occurred_at``, the ``by`` column, ``visitor_id``, ``path``, ``dwell_ms``; optional
    ``contact_id`` and ``ident_confidence``). One row per key with at least one view; columns: the
    key, then ``FEATURE_COLUMNS`` with ``views_<category>`` after ``page_views``.
    """
    v = page_views(events, as_of, by=by, categories=categories, min_confidence=min_confidence)
    v = _mark_sessions(v, gap_minutes)
    week = as_of - timedelta(days=7)
    four_weeks = as_of - timedelta(days=28)
    aggs: dict[str, ir.Value] = {
        "visits": v.new_session.sum(),
        "visitors": v.visitor.nunique(),
        "page_views": v.count(),
    }
    for name in _names(categories):
        aggs[f"views_{name}"] = ibis.ifelse(v.category == name, 1, 0).sum()
    aggs["dwell_ms"] = ibis.ifelse(v.category == dwell_category, v.dwell_ms, 0).sum()
    aggs["days_active"] = (v.sec // DAY).nunique()
    aggs["last_sec"] = v.sec.max()
    aggs["views_7d"] = ibis.ifelse(v.occurred_at >= week, 1, 0).sum()
    aggs["views_prev_3w"] = ibis.ifelse(
        (v.occurred_at >= four_weeks) & (v.occurred_at < week), 1, 0
    ).sum()
    aggs["last_view_at"] = v.occurred_at.max()
    aggs["ident_confidence"] = v.ident_confidence.max()
    g = v.group_by(v.key).aggregate(**aggs)
    as_of_sec = (as_of - datetime(1970, 1, 1)).total_seconds()
    prev_weekly = g.views_prev_3w.cast("float64") / 3.0
    counts = ["visits", "visitors", "page_views", *(f"views_{n}" for n in _names(categories))]
    return g.select(
        g.key.cast("int64").name(by),
        *(g[c].cast("int64").name(c) for c in counts),
        pricing_seconds=g.dwell_ms.cast("float64") / 1000.0,
        days_active=g.days_active.cast("int64"),
        days_since_last_view=(ibis.literal(as_of_sec, "float64") - g.last_sec.cast("float64"))
        / float(DAY),
        views_7d=g.views_7d.cast("int64"),
        views_prev_weekly=prev_weekly,
        trend=(g.views_7d.cast("float64") + 1.0) / (prev_weekly + 1.0),
        last_view_at=g.last_view_at,
        ident_confidence=g.ident_confidence,
    )
