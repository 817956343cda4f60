"""Intent features from page views, written once with Ibis: the same expression runs on DuckDB
(the embedded default, over the store or Parquet), SQLite, PostgreSQL and Spark.

From the page views before ``as_of``, per account (or per lead): visits (sessions, a new one after
30 minutes of inactivity), distinct visitors, page views by page category (categories from URL path
patterns), time on pricing pages, days active, recency and trend (views in the last week against
the weekly mean of the three weeks before). docs/intent.md documents every column.

The expression is four queries over the views joined on the key: the categories matched once
per distinct path, one LAG per visitor carrying only the time (visits and visitors), the
distinct days, and one GROUP BY for the rest (docs/intent.md, "How it is computed").

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
import numpy as np
import pyarrow as pa

from leadqual.errors import InvalidInput
from leadqual.features.schema import DEFAULT_PAGES

__all__ = [
    "DEFAULT_CATEGORIES",
    "FEATURE_COLUMNS",
    "GAP_MINUTES",
    "Grain",
    "categorize",
    "category_of",
    "cutoffs",
    "intent_features",
    "page_views",
    "path_categories",
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


def path_categories(
    paths: ir.StringColumn, categories: Mapping[str, Sequence[str]] = DEFAULT_CATEGORIES
) -> ir.Table:
    """The category of every distinct non-null path in ``paths``: a table of ``path`` and
    ``category`` (``categorize``'s rule), to join to the views by path.

    A site has a few hundred distinct pages and millions of views: matching the patterns once
    per path instead of once per view takes the pattern matching off the per-view cost.
    """
    t = paths.name("path").as_table().distinct()
    t = t.filter(t.path.notnull())
    return t.mutate(category=categorize(t.path, categories))


def cutoffs(keys: np.ndarray, grains: np.ndarray, as_of: np.ndarray, *,
            window_days: int | None = None) -> pa.Table:
    """An as-of per row, for ``intent_features(events, ibis.memtable(cutoffs(...)))``: row
    ``keys[i]`` gets the features of the views of ``grains[i]`` (an account or lead id) before
    ``as_of[i]`` (datetime64, taken to the whole second, rounding down) and, with
    ``window_days``, not before that many days earlier.

    Each row carries its bounds in whole epoch seconds (``as_of_sec``, ``since_sec``,
    ``week_sec``, ``four_weeks_sec``), compared with each view's whole seconds: every engine
    computes those the same way, where timestamps from a table of ours are compared as text on
    some (SQLite).

    >>> t = cutoffs(np.array([7]), np.array([3]), np.array(["2026-03-31T10:00:00.5"], "M8[us]"))
    >>> t.column_names
    ['key', 'grain', 'as_of', 'as_of_sec', 'since_sec', 'week_sec', 'four_weeks_sec']
    >>> t["as_of"][0].as_py(), t["as_of_sec"][0].as_py() - t["week_sec"][0].as_py()
    (datetime.datetime(2026, 3, 31, 10, 0), 604800)
    """
    sec = np.asarray(as_of, "datetime64[s]").astype(np.int64)  # rounds down
    since = sec - window_days * DAY if window_days is not None else np.zeros_like(sec)
    return pa.table({
        "key": pa.array(np.asarray(keys, np.int64)),
        "grain": pa.array(np.asarray(grains, np.int64)),
        "as_of": pa.array(sec.astype("datetime64[s]").astype("datetime64[us]"), pa.timestamp("us")),
        "as_of_sec": pa.array(sec),
        "since_sec": pa.array(since),
        "week_sec": pa.array(sec - 7 * DAY),
        "four_weeks_sec": pa.array(sec - 28 * DAY),
    })


_BOUNDS = ("week_sec", "four_weeks_sec", "as_of_sec")  # a cutoffs row's, carried by its views


def _views(events: ir.Table, as_of: datetime | ir.Table, by: Grain,
           min_confidence: float | None) -> ir.Table:
    """The page views that count, with ``key``: the grain's id when ``as_of`` is one time, the
    row's key when it is a table of ``cutoffs`` (which then also gives each view its row's
    bounds, ``week_sec``, ``four_weeks_sec`` and ``as_of_sec``)."""
    if by not in ("account_id", "lead_id"):
        raise InvalidInput(f"intent features are per account_id or lead_id, not {by!r}", field="by")
    e = events
    keep = [e.type == "page_view", e[by].notnull()]
    if min_confidence is not None and "ident_confidence" in e.columns:
        keep.append(e.ident_confidence.fill_null(1.0) >= min_confidence)
    e = e.filter(*keep)
    bounds: dict[str, ir.Value] = {}
    if isinstance(as_of, datetime):
        e = e.filter(e.occurred_at < as_of)
        key: ir.Value = e[by]
    else:
        c = as_of
        # Each view joins every row of its grain whose window holds it.
        sec = e.occurred_at.epoch_seconds().floor()
        e = e.join(c, [e[by] == c.grain, sec < c.as_of_sec, sec >= c.since_sec])
        key = e.key
        bounds = {name: e[name] for name in _BOUNDS}
    visitor = e.visitor_id.cast("string")
    if "contact_id" in e.columns:
        visitor = visitor.coalesce("contact:" + e.contact_id.cast("string"))
    conf = e.ident_confidence.cast("float64") if "ident_confidence" in e.columns else None
    return e.select(
        key=key,
        visitor=visitor,
        occurred_at=e.occurred_at,
        sec=e.occurred_at.epoch_seconds().floor(),
        path=e.path,
        dwell_ms=e.dwell_ms.cast("int64").fill_null(0),
        ident_confidence=conf if conf is not None else ibis.null("float64"),
        **bounds,
    )


def _with_category(views: ir.Table, categories: Mapping[str, Sequence[str]]) -> ir.Table:
    """``views`` plus ``category``, looked up by path (a null path, or one matching no pattern,
    is ``other``)."""
    _check(categories)
    if not any(patterns for name, patterns in categories.items() if name != OTHER):
        return views.mutate(category=ibis.literal(OTHER, "string"))
    paths = path_categories(views.path, categories)
    j = views.left_join(paths, views.path == paths.path)
    return j.select(*views.columns, category=j.category.fill_null(OTHER))


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
    v = _with_category(_views(events, as_of, by, min_confidence), categories)
    return v.select(
        "key", "visitor", "occurred_at", "sec", "path", "category", "dwell_ms", "ident_confidence"
    )


def _visits(views: ir.Table, gap_minutes: int) -> ir.Table:
    """Per key: ``visits`` (sessions) and ``visitors``, from one LAG over each visitor's views.

    Only key, visitor and time go through the window: sorting 10M views is the pipeline's
    dearest step, and every other column carried through it makes the sort heavier. The first
    view of a visitor (no previous one) starts a session and counts the visitor, which spares a
    COUNT(DISTINCT visitor) over all the views.
    """
    n = views.select("key", "visitor", "sec")
    w = ibis.window(group_by=[n.key, n.visitor], order_by=[n.sec])
    prev = n.sec.lag().over(w)
    marked = n.select("key", first=prev.isnull(), idle=n.sec - prev)
    starts = marked.first | (marked.idle >= gap_minutes * 60)
    return marked.group_by("key").aggregate(
        visits=ibis.ifelse(starts, 1, 0).sum(), visitors=ibis.ifelse(marked.first, 1, 0).sum()
    )


def _days_active(views: ir.Table) -> ir.Table:
    """Per key: ``days_active``, the distinct UTC days with a view.

    A query of its own rather than a COUNT(DISTINCT …) next to the other aggregates: DuckDB runs
    such a mix by fanning the joined views out to two hash tables, which costs more than reading
    the two columns this needs once more.
    """
    d = views.select("key", day=views.sec // DAY).distinct()
    return d.group_by("key").aggregate(days_active=d.count())


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
    as_of: datetime | ir.Table,
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

    ``as_of`` is one time for every key, or a table of ``cutoffs`` (``key``, ``grain``, ``as_of``
    and its bounds): a time per row, several rows per account allowed — a training set's
    examples, each as of its own cutoff. The key column is then ``key``.
    """
    _check(categories)
    views = _views(events, as_of, by, min_confidence)
    visits = _visits(views, gap_minutes)
    v = _with_category(views, categories)
    one_time = isinstance(as_of, datetime)
    if isinstance(as_of, datetime):
        last_week = v.occurred_at >= as_of - timedelta(days=7)
        since_four_weeks = v.occurred_at >= as_of - timedelta(days=28)
    else:
        last_week, since_four_weeks = v.sec >= v.week_sec, v.sec >= v.four_weeks_sec
    aggs: dict[str, ir.Value] = {"page_views": v.count()}
    for name in _names(categories):
        aggs[f"views_{name}"] = ibis.ifelse(v.category == name, 1, 0).sum()
    aggs["dwell_ms"] = ibis.ifelse(v.category == dwell_category, v.dwell_ms, 0).sum()
    aggs["views_7d"] = ibis.ifelse(last_week, 1, 0).sum()
    aggs["views_prev_3w"] = ibis.ifelse(since_four_weeks & ~last_week, 1, 0).sum()
    aggs["last_view_at"] = v.occurred_at.max()
    if "ident_confidence" in events.columns:
        aggs["ident_confidence"] = v.ident_confidence.max()
    if not one_time:
        aggs["as_of_sec"] = v.as_of_sec.max()  # the same on every view of a key
    per_key = v.group_by(v.key).aggregate(**aggs)
    days = _days_active(views)
    g = per_key.join(visits, per_key.key == visits.key).join(days, per_key.key == days.key)
    g = g.select(
        per_key, visits=visits.visits, visitors=visits.visitors, days_active=days.days_active
    )
    as_of_sec = (
        ibis.literal((as_of - datetime(1970, 1, 1)).total_seconds(), "float64")
        if isinstance(as_of, datetime)
        else g.as_of_sec.cast("float64")
    )
    # The latest view's whole seconds, taken after the aggregation: the same figure as the
    # largest of the views' (rounding down keeps the order), without an epoch per view.
    last_sec = g.last_view_at.epoch_seconds().floor()
    prev_weekly = g.views_prev_3w.cast("float64") / 3.0
    counts = ["visits", "visitors", "page_views", *(f"views_{n}" for n in _names(categories))]
    return g.select(
        g.key.cast("int64").name(by if one_time else "key"),
        *(g[c].cast("int64").name(c) for c in counts),
        pricing_seconds=g.dwell_ms.cast("float64") / 1000.0,
        days_active=g.days_active.cast("int64"),
        days_since_last_view=(as_of_sec - last_sec.cast("float64")) / float(DAY),
        views_7d=g.views_7d.cast("int64"),
        views_prev_weekly=prev_weekly,
        trend=(g.views_7d.cast("float64") + 1.0) / (prev_weekly + 1.0),
        last_view_at=g.last_view_at,
        ident_confidence=(
            g.ident_confidence if "ident_confidence" in g.columns else ibis.null("float64")
        ),
    )
