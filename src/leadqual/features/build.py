"""Build the per-lead feature table as of a point in time, from frames read out of the store.

Everything here is vectorized: behaviour counts and intent decay in numpy over all events at once
(``features.events``), sales facts in DuckDB over Arrow. Only events up to a lead's cutoff count, so
a feature table as of a past date holds no information from after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadqual.contract.model import Contract
from leadqual.domain.persona import department_of, seniority_of
from leadqual.duck import connect
from leadqual.errors import InvalidInput
from leadqual.features.events import (
    BEHAVIOUR,
    DAY,
    INTENT_EVENT_COLUMNS,
    EventColumns,
    epoch_seconds,
    prepare_events,
    signal_matches,
)
from leadqual.features.frames import StoreFrames
from leadqual.features.schema import FEATURES, INTENT_FEATURES, INTENT_WINDOW_DAYS, feature

if TYPE_CHECKING:
    from leadqual.features.engines import EventSource

__all__ = [
    "AccountIntent",
    "FeatureTable",
    "assemble",
    "build_features",
    "capped",
    "ident_confidence",
    "intent_columns",
    "lead_columns",
    "sales_columns",
    "signal_matches",
    "uses_intent",
    "window_counts",
]

TS = pa.timestamp("us")

_SALES_SQL = """
WITH latest AS (
  SELECT lead_id, criterion, arg_max(confirmed, confirmed_at) AS confirmed
  FROM bant JOIN cut USING (lead_id) WHERE confirmed_at <= cut_at GROUP BY lead_id, criterion
), answers AS (
  SELECT lead_id,
    bool_or(confirmed) FILTER (WHERE criterion = 'budget') AS bant_budget,
    bool_or(confirmed) FILTER (WHERE criterion = 'authority') AS bant_authority,
    bool_or(confirmed) FILTER (WHERE criterion = 'need') AS bant_need,
    bool_or(confirmed) FILTER (WHERE criterion = 'timing') AS bant_timing
  FROM latest GROUP BY lead_id
), deal_flags AS (
  SELECT lead_id,
    bool_or(stage = 'won' AND closed_at <= cut_at) AS won_deal,
    bool_or(created_at <= cut_at AND (closed_at IS NULL OR closed_at > cut_at)) AS open_deal,
    bool_or(stage = 'lost' AND closed_at <= cut_at) AS lost_deal
  FROM deals JOIN cut USING (lead_id) GROUP BY lead_id
)
SELECT l.lead_id,
  coalesce(a.bant_budget, FALSE) AS bant_budget,
  coalesce(a.bant_authority, FALSE) AS bant_authority,
  coalesce(a.bant_need, FALSE) AS bant_need,
  coalesce(a.bant_timing, FALSE) AS bant_timing,
  coalesce(d.won_deal, FALSE) AS won_deal,
  coalesce(d.open_deal, FALSE) AS open_deal,
  coalesce(d.lost_deal, FALSE) AS lost_deal,
  (l.lead_id IN (SELECT lead_id FROM accepted JOIN cut USING (lead_id)
                 WHERE accepted_at <= cut_at)
    OR l.stage IN ('sal', 'sql', 'opportunity', 'customer')) AS sales_accepted
FROM leads l LEFT JOIN answers a USING (lead_id) LEFT JOIN deal_flags d USING (lead_id)
ORDER BY l.lead_id
"""


@dataclass(frozen=True)
class FeatureTable:
    """The feature table: one row per lead, ordered by ``lead_id``.

    ``table`` holds every column of ``features.schema.FEATURES`` (but ``fit``, which qualification
    computes) plus ``lead_id``, the deal flags (``won_deal``, ``open_deal``, ``lost_deal``), each
    signal's points (``intent:<signal>``) and, for the recycle rule, ``intent_window_start``
    (intent as of ``as_of - recycle days``) and ``signals_in_window`` (intent events since then).
    """

    table: pa.Table
    as_of: datetime


def lead_columns(leads: pa.Table) -> dict[str, Any]:
    """The columns that do not depend on time: identity, firmographics, persona."""
    cols: dict[str, Any] = {name: leads.column(name) for name in leads.column_names}
    titles = leads.column("job_title").to_pylist()
    cache = {t: (seniority_of(t), department_of(t)) for t in set(titles)}
    cols["seniority"] = pa.array([cache[t][0] for t in titles], pa.string())
    cols["department"] = pa.array([cache[t][1] for t in titles], pa.string())
    return cols


def sales_columns(
    frames: StoreFrames, cut_at: pa.Array, con: duckdb.DuckDBPyConnection | None = None
) -> pa.Table:
    """BANT answers, acceptance and deal flags per lead as of its cutoff (small tables: DuckDB).
    ``con``: a DuckDB connection to reuse (one is opened and closed otherwise)."""
    own = con is None
    con = connect() if con is None else con
    try:
        for name in ("leads", "deals", "bant", "accepted"):
            con.register(name, getattr(frames, name))
        cut = pa.table({"lead_id": frames.leads.column("lead_id"), "cut_at": cut_at})
        con.register("cut", cut)
        return con.sql(_SALES_SQL).to_arrow_table()
    finally:
        if own:
            con.close()


def window_counts(
    ev: EventColumns, cut: np.ndarray, lo: int = 0, hi: int | None = None
) -> dict[str, np.ndarray]:
    """Behaviour counts of events[lo:hi] per lead, each in its window before the lead's ``cut``
    (seconds, one per lead), plus ``last_activity`` (NaN: none)."""
    hi = ev.seconds.size if hi is None else hi
    g, sec = ev.group[lo:hi], ev.seconds[lo:hi]
    age = cut[g] - sec
    seen = age >= 0
    out: dict[str, np.ndarray] = {}
    for name, (days, _) in BEHAVIOUR.items():
        keep = ev.behaviour[name][lo:hi] & seen
        if days is not None:
            keep &= age < days * DAY
        out[name] = np.bincount(g[keep], minlength=ev.n_leads)
    last = np.full(ev.n_leads, -np.inf)
    np.maximum.at(last, g[seen], sec[seen])
    out["last_activity"] = np.where(np.isinf(last), np.nan, last)
    return out


def ident_confidence(events: pa.Table, lead_ids: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Per lead, the best ``ident_confidence`` of its events up to its ``cut`` (seconds); NaN
    where none is identified, or when the events carry no such column."""
    best = np.full(lead_ids.size, np.nan)
    if "ident_confidence" not in events.column_names or events.num_rows == 0:
        return best
    conf = pc.cast(events.column("ident_confidence"), pa.float64())
    values = conf.to_numpy(zero_copy_only=False)
    group = np.searchsorted(lead_ids, events.column("lead_id").to_numpy())
    keep = ~np.isnan(values) & (epoch_seconds(events.column("occurred_at")) <= cut[group])
    np.fmax.at(best, group[keep], values[keep])
    return best


def uses_intent(contract: Contract) -> bool:
    """Whether a condition of ``contract`` reads an account-level intent feature (only then are
    they computed: the Ibis pipeline costs a DuckDB run per as-of)."""
    return not contract.fields.isdisjoint(INTENT_FEATURES)


class AccountIntent:
    """The account-level intent features (``schema.INTENT_FEATURES``) at any as-of: the Ibis
    pipeline ``intent_features(..., by="account_id")`` on DuckDB over the page views of
    ``events`` (loaded once) in the ``INTENT_WINDOW_DAYS`` days before each as-of.

    >>> # intent = AccountIntent(frames.events, contract.pages)
    >>> # intent.at(datetime(2026, 3, 31))  # account_id, visits_30d, visitors_30d, …
    """

    def __init__(
        self, events: pa.Table, pages: Mapping[str, Sequence[str]], *, min_events: int = 1
    ) -> None:
        missing = sorted(INTENT_EVENT_COLUMNS - set(events.column_names))
        if missing:
            raise InvalidInput(
                "the account-level intent features (visits_30d, …) need the events' "
                + ", ".join(missing)
                + " columns; load the frames with event_columns(signals, intent=True)",
                field="events",
            )
        keep = pc.and_(
            pc.fill_null(pc.equal(events["type"], "page_view"), False),
            pc.is_valid(events["account_id"]),
        )
        self.views = events.filter(keep).select(sorted(INTENT_EVENT_COLUMNS))
        self.pages = pages
        self._source: EventSource | None = None

    def at(self, as_of: datetime) -> pa.Table | None:
        """One row per account with a page view in the window: ``account_id`` and the
        features; None when there is no page view at all (no tracker data)."""
        if self.views.num_rows == 0:
            return None
        from leadqual.features.intent import intent_features

        source = self._engine()
        e = source.events
        since = as_of - timedelta(days=INTENT_WINDOW_DAYS)
        expr = intent_features(
            e.filter(e.occurred_at >= since), as_of, by="account_id", categories=self.pages
        )
        got = source.run(expr.select("account_id", *INTENT_FEATURES.values()))
        return got.rename_columns(["account_id", *INTENT_FEATURES])

    def _engine(self) -> EventSource:
        if self._source is None:
            # Ibis is imported here, not at the top: only contracts that use these features pay
            # for it (a third of a second), and the table goes to DuckDB once per series.
            from leadqual.features.engines import duckdb_arrow

            self._source = duckdb_arrow(self.views)
        return self._source

    def at_each(self, cut: np.ndarray, leads: pa.Table) -> dict[str, pa.Array]:
        """The features per lead of ``leads`` as of its own cutoff (``cut``: epoch seconds per
        lead, taken to the whole second; NaN: none, the lead gets nulls), over the
        ``INTENT_WINDOW_DAYS`` days before it — a training set's examples, in one run of the
        pipeline. Leads of one account cut at the same second share their figures."""
        n = leads.num_rows
        accounts = pc.fill_null(leads["account_id"], -1).to_numpy()
        rows = np.flatnonzero((accounts >= 0) & np.isfinite(cut))
        if self.views.num_rows == 0 or rows.size == 0:
            return intent_columns(None, leads)
        pairs = np.stack([accounts[rows], np.floor(cut[rows]).astype(np.int64)], axis=1)
        unique, row_of = np.unique(pairs, axis=0, return_inverse=True)
        row_of = row_of.reshape(-1)
        import ibis

        from leadqual.features.intent import cutoffs, intent_features

        source = self._engine()
        table = cutoffs(np.arange(len(unique)), unique[:, 0], unique[:, 1].astype("M8[s]"),
                        window_days=INTENT_WINDOW_DAYS)
        expr = intent_features(source.events, ibis.memtable(table), by="account_id",
                               categories=self.pages)
        got = source.run(expr.select("key", *INTENT_FEATURES.values()))
        got = got.rename_columns(["key", *INTENT_FEATURES])
        if got.num_rows == 0:  # no page view in any lead's window
            return intent_columns(None, leads)
        # Each lead's row of ``got`` through its (account, second): key → row of ``got``.
        where = np.full(len(unique), -1)
        where[got["key"].to_numpy()] = np.arange(got.num_rows)
        found = np.zeros(n, dtype=bool)
        take = np.zeros(n, dtype=np.int64)
        hit = where[row_of]
        found[rows] = hit >= 0
        take[rows] = np.maximum(hit, 0)
        return _per_lead(got, take, found)

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None


_ARROW = {"int": pa.int64(), "float": pa.float64()}


def intent_columns(
    per_account: pa.Table | None, leads: pa.Table, valid: np.ndarray | None = None
) -> dict[str, pa.Array]:
    """The account-level intent features per lead (in ``leads`` order) from ``per_account``
    (``AccountIntent.at``): null for a lead without an account, whose account had no page view
    in the window, or where ``valid`` (a bool per lead) is False."""
    n = leads.num_rows
    if per_account is None or per_account.num_rows == 0:
        return {name: pa.nulls(n, _ARROW[feature(name).kind]) for name in INTENT_FEATURES}
    if "account_id" not in leads.column_names:
        raise InvalidInput("the leads frame has no account_id column; read it with load_frames")
    accounts = per_account["account_id"].to_numpy()
    order = np.argsort(accounts, kind="stable")
    accounts = accounts[order]
    lead_accounts = pc.fill_null(leads["account_id"], -1).to_numpy()
    row = np.clip(np.searchsorted(accounts, lead_accounts), 0, accounts.size - 1)
    found = accounts[row] == lead_accounts
    if valid is not None:
        found &= valid
    return _per_lead(per_account, np.where(found, order[row], 0), found)


def _per_lead(table: pa.Table, take: np.ndarray, found: np.ndarray) -> dict[str, pa.Array]:
    """The intent features per lead: row ``take[i]`` of ``table`` for lead ``i`` where
    ``found[i]``, else null."""
    mask = pa.array(~found)
    out: dict[str, pa.Array] = {}
    for name in INTENT_FEATURES:
        kind = _ARROW[feature(name).kind]
        values = table[name].take(pa.array(take)).combine_chunks()
        out[name] = pc.if_else(mask, pa.scalar(None, kind), values.cast(kind))
    return out


def assemble(
    static: dict[str, Any],
    stage: pa.Array | pa.ChunkedArray,
    counts: dict[str, np.ndarray],
    sales: pa.Table,
    cut: np.ndarray,
    intent_parts: dict[str, np.ndarray],
    intent_window_start: np.ndarray,
    signals_in_window: np.ndarray,
    confidence: np.ndarray | None = None,
    intent: Mapping[str, pa.Array] | None = None,
) -> pa.Table:
    """The feature table, columns in the documented order (``confidence``: the leads'
    ``ident_confidence``, NaN or absent for none; ``intent``: the account-level intent features,
    ``intent_columns``, all null when absent)."""
    cols = dict(static)
    n = len(cut)
    for name in INTENT_FEATURES:
        kind = _ARROW[feature(name).kind]
        cols[name] = intent[name] if intent is not None else pa.nulls(n, kind)
    cols["stage"] = stage
    for name in BEHAVIOUR:
        cols[name] = pa.array(counts[name], pa.int64())
    last = counts["last_activity"]
    cols["days_since_last_activity"] = pa.array((cut - last) / DAY, mask=np.isnan(last))
    best = np.full(len(cut), np.nan) if confidence is None else confidence
    cols["ident_confidence"] = pa.array(best, mask=np.isnan(best))
    created = epoch_seconds(static["created_at"])
    cols["days_since_created"] = pa.array(np.maximum(cut - created, 0) / DAY)
    for name in sales.column_names:
        if name != "lead_id":
            cols[name] = sales.column(name)
    bant = [sales.column(f"bant_{c}") for c in ("budget", "authority", "need", "timing")]
    cols["bant_confirmed"] = pc.and_(pc.and_(bant[0], bant[1]), pc.and_(bant[2], bant[3]))
    total = np.zeros(len(cut))
    for name, points in intent_parts.items():
        total += points
        cols[f"intent:{name}"] = pa.array(np.round(points, 6))
    cols["intent"] = pa.array(np.round(total, 6))
    cols["intent_window_start"] = pa.array(np.round(intent_window_start, 6))
    cols["signals_in_window"] = pa.array(signals_in_window, pa.int64())
    order = (
        ["lead_id"]
        + [f.name for f in FEATURES if f.name != "fit"]
        + ["won_deal", "open_deal", "lost_deal", "intent_window_start", "signals_in_window"]
        + [f"intent:{name}" for name in intent_parts]
    )
    return pa.table({name: cols[name] for name in order})


def capped(sums: np.ndarray, contract: Contract) -> dict[str, np.ndarray]:
    """Each signal's decayed sum (signals × leads) capped, by signal name."""
    return {s.name: np.minimum(sums[j], s.cap) for j, s in enumerate(contract.intent.signals)}


def build_features(
    frames: StoreFrames,
    as_of: datetime,
    contract: Contract,
    *,
    cutoffs: pa.Array | None = None,
    events: EventColumns | None = None,
    intent: bool | None = None,
) -> FeatureTable:
    """The feature table as of ``as_of`` under ``contract``'s intent signals (fit is computed
    by qualification, from the contract's criteria over these columns).

    ``cutoffs`` (a timestamp per lead, in ``frames.leads`` order; null means ``as_of``) gives
    every lead its own point in time — e.g. the day its first deal was created — so that nothing
    a lead did after its cutoff reaches its row. ``events``: the frames' events already prepared
    (``prepare_events``) by a caller that builds several tables.

    ``intent``: compute the account-level intent features (``visits_30d``, …; else they are
    null) — by default only when a condition of ``contract`` reads one (``uses_intent``). A
    lead whose cutoff is earlier than ``as_of`` gets them as of its cutoff (to the second),
    never figures from after it (docs/intent.md).
    """
    leads = frames.leads
    lead_ids = leads.column("lead_id").to_numpy()
    if events is None:
        events = prepare_events(frames.events, lead_ids, contract.intent.signals)
    cut_at = (
        pa.array(np.full(leads.num_rows, np.datetime64(as_of, "us")), TS)
        if cutoffs is None
        else pc.fill_null(pc.cast(cutoffs, TS), pa.scalar(as_of, TS))
    )
    cut = epoch_seconds(cut_at)
    window = contract.stages.recycle.for_days * DAY
    matched = events.matches.any(axis=1)
    age = cut[events.group] - events.seconds
    in_window = matched & (age >= 0) & (age < window)
    table = assemble(
        lead_columns(leads),
        leads.column("stage"),
        window_counts(events, cut),
        sales_columns(frames, cut_at),
        cut,
        capped(events.intent_sums(cut), contract),
        sum(capped(events.intent_sums(cut - window), contract).values(), np.zeros(len(cut))),
        np.bincount(events.group[in_window], minlength=leads.num_rows),
        ident_confidence(frames.events, lead_ids, cut),
        _intent_at(frames, contract, as_of, cut, intent),
    )
    return FeatureTable(table=table, as_of=as_of)


def _intent_at(
    frames: StoreFrames, contract: Contract, as_of: datetime, cut: np.ndarray, wanted: bool | None
) -> dict[str, pa.Array] | None:
    if not (uses_intent(contract) if wanted is None else wanted):
        return None
    source = AccountIntent(frames.events, contract.pages)
    try:
        at_as_of = cut >= (as_of - datetime(1970, 1, 1)).total_seconds()
        # (A training set cuts every lead earlier: then the as-of figures are not needed.)
        per_account = source.at(as_of) if at_as_of.any() else None
        columns = intent_columns(per_account, frames.leads, at_as_of)
        if at_as_of.all():
            return columns
        # Leads cut earlier (training examples): each as of its own cutoff, never later.
        earlier = source.at_each(np.where(at_as_of, np.nan, cut), frames.leads)
    finally:
        source.close()
    now = pa.array(at_as_of)
    return {name: pc.if_else(now, columns[name], earlier[name]) for name in columns}
