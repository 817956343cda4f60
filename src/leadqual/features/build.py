"""Build the per-lead feature table as of a point in time, from frames read out of the store.

Everything here is vectorized: aggregates run in DuckDB over Arrow, intent decay in numpy over all
events at once. Only events up to ``as_of`` count, so a feature table as of a past date holds no
information from after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadqual.contract.model import Contract, Signal
from leadqual.domain.decay import capped_sums, decayed_points
from leadqual.domain.persona import department_of, seniority_of
from leadqual.duck import connect
from leadqual.features.frames import StoreFrames
from leadqual.features.schema import FEATURES

__all__ = ["FeatureTable", "build_features", "signal_matches"]

_SECONDS_PER_DAY = 86_400.0
_TS = pa.timestamp("us")

_BEHAVIOUR_SQL = """
SELECT lead_id,
  count(*) FILTER (WHERE type = 'page_view' AND in30) AS page_views_30d,
  count(*) FILTER (WHERE type = 'page_view' AND page_type = 'pricing' AND in30)
    AS pricing_views_30d,
  count(*) FILTER (WHERE type = 'page_view' AND page_type = 'product' AND in30)
    AS product_views_30d,
  count(*) FILTER (WHERE type = 'page_view' AND page_type = 'docs' AND in30) AS docs_views_30d,
  count(*) FILTER (WHERE type = 'page_view' AND page_type = 'blog' AND in30) AS blog_views_30d,
  count(*) FILTER (WHERE type = 'page_view' AND page_type = 'careers' AND in30)
    AS careers_views_30d,
  count(*) FILTER (WHERE type = 'form_submit' AND form_kind IN ('content_download', 'webinar')
    AND in90) AS content_downloads_90d,
  count(*) FILTER (WHERE type = 'form_submit' AND form_kind = 'demo_request' AND in90)
    AS demo_requests_90d,
  count(*) FILTER (WHERE type = 'form_submit' AND form_kind = 'contact_sales' AND in90)
    AS contact_sales_90d,
  count(*) FILTER (WHERE type = 'email_click' AND in30) AS email_clicks_30d,
  count(*) FILTER (WHERE type = 'meeting') AS meetings_held,
  max(occurred_at) AS last_activity_at
FROM (
  SELECT *, occurred_at > cut_at - INTERVAL 30 DAY AS in30,
    occurred_at > cut_at - INTERVAL 90 DAY AS in90
  FROM events JOIN cut USING (lead_id) WHERE occurred_at <= cut_at
) GROUP BY lead_id
"""

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


def _epoch_seconds(ts: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False) / 1e6


def signal_matches(events: pa.Table, signals: Sequence[Signal]) -> np.ndarray:
    """A boolean matrix (events × signals): which events each intent signal counts."""
    if not signals or events.num_rows == 0:
        return np.zeros((events.num_rows, len(signals)), dtype=bool)
    con = connect()
    con.register("events", events)
    parts = []
    for i, s in enumerate(signals):
        cond = (
            f"type = '{s.event}'"
            if s.where is None
            else (f"type = '{s.event}' AND COALESCE(({s.where.to_sql('duckdb')}), FALSE)")
        )
        parts.append(f"({cond}) AS m{i}")
    got = con.sql(f"SELECT {', '.join(parts)} FROM events").to_arrow_table()
    con.close()
    return np.column_stack(
        [got.column(i).to_numpy(zero_copy_only=False) for i in range(len(signals))]
    )


def _intent(
    group: np.ndarray,
    seconds: np.ndarray,
    matches: np.ndarray,
    signals: Sequence[Signal],
    default_half_life: float,
    at: np.ndarray,
    n: int,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Intent per lead at ``at`` (seconds since the epoch, one per lead)."""
    event_at = at[group]
    seen = seconds <= event_at
    age_days = (event_at - seconds) / _SECONDS_PER_DAY
    total = np.zeros(n)
    parts: dict[str, np.ndarray] = {}
    for j, s in enumerate(signals):
        mask = matches[:, j] & seen
        half_life = s.half_life_days or default_half_life
        pts = decayed_points(float(s.points), age_days[mask], float(half_life))
        parts[s.name] = capped_sums(group[mask], pts, n, float(s.cap))
        total += parts[s.name]
    return total, parts


def build_features(
    frames: StoreFrames,
    as_of: datetime,
    contract: Contract,
    *,
    cutoffs: pa.Array | None = None,
) -> FeatureTable:
    """The feature table as of ``as_of`` under ``contract``'s intent signals (fit is computed
    by qualification, from the contract's criteria over these columns).

    ``cutoffs`` (a timestamp per lead, in ``frames.leads`` order; null means ``as_of``) gives
    every lead its own point in time — e.g. the day its first deal was created — so that nothing
    a lead did after its cutoff reaches its row.
    """
    leads = frames.leads
    n = leads.num_rows
    cut_at = (
        pa.array([as_of] * n, _TS)
        if cutoffs is None
        else pc.fill_null(pc.cast(cutoffs, _TS), pa.scalar(as_of, _TS))
    )
    cut = pa.table({"lead_id": leads.column("lead_id"), "cut_at": cut_at})
    con = connect()
    for name in ("leads", "events", "deals", "bant", "accepted"):
        con.register(name, getattr(frames, name))
    con.register("cut", cut)
    behaviour = con.sql(
        f"SELECT b.* EXCLUDE (lead_id) FROM leads l LEFT JOIN ({_BEHAVIOUR_SQL}) b "
        "USING (lead_id) ORDER BY l.lead_id"
    ).to_arrow_table()
    sales = con.sql(_SALES_SQL).to_arrow_table()
    con.close()

    cols: dict[str, pa.Array | pa.ChunkedArray] = {"lead_id": leads.column("lead_id")}
    for name in leads.column_names:
        cols[name] = leads.column(name)
    for name in behaviour.column_names:
        if name == "last_activity_at":
            continue
        cols[name] = pc.fill_null(behaviour.column(name), 0)
    as_of_s = _epoch_seconds(cut_at)
    last = behaviour.column("last_activity_at")
    cols["days_since_last_activity"] = pa.array(
        (as_of_s - _epoch_seconds(last)) / _SECONDS_PER_DAY,
        mask=last.is_null().to_numpy(zero_copy_only=False),
    )
    created = _epoch_seconds(leads.column("created_at"))
    cols["days_since_created"] = pa.array(np.maximum(as_of_s - created, 0) / _SECONDS_PER_DAY)
    titles = leads.column("job_title").to_pylist()
    cache: dict[str | None, tuple[str | None, str | None]] = {}
    for t in titles:
        if t not in cache:
            cache[t] = (seniority_of(t), department_of(t))
    cols["seniority"] = pa.array([cache[t][0] for t in titles], pa.string())
    cols["department"] = pa.array([cache[t][1] for t in titles], pa.string())
    for name in sales.column_names:
        if name != "lead_id":
            cols[name] = sales.column(name)
    bant = [sales.column(f"bant_{c}") for c in ("budget", "authority", "need", "timing")]
    cols["bant_confirmed"] = pc.and_(pc.and_(bant[0], bant[1]), pc.and_(bant[2], bant[3]))

    # Intent: every event's points decayed to as-of, capped per signal, summed per lead.
    events = frames.events
    signals = contract.intent.signals
    lead_ids = leads.column("lead_id").to_numpy()
    group = np.searchsorted(lead_ids, events.column("lead_id").to_numpy())
    seconds = _epoch_seconds(events.column("occurred_at"))
    matches = signal_matches(events, signals)
    half = float(contract.intent.half_life_days)
    intent, parts = _intent(group, seconds, matches, signals, half, as_of_s, n)
    window_start = as_of_s - contract.stages.recycle.for_days * _SECONDS_PER_DAY
    intent_start, _ = _intent(group, seconds, matches, signals, half, window_start, n)
    in_window = matches.any(axis=1) & (seconds > window_start[group]) & (seconds <= as_of_s[group])
    cols["intent"] = pa.array(np.round(intent, 6))
    for name, points in parts.items():
        cols[f"intent:{name}"] = pa.array(np.round(points, 6))
    cols["intent_window_start"] = pa.array(np.round(intent_start, 6))
    cols["signals_in_window"] = pa.array(np.bincount(group[in_window], minlength=n))

    order = (
        ["lead_id"]
        + [f.name for f in FEATURES if f.name != "fit"]
        + [
            "won_deal",
            "open_deal",
            "lost_deal",
            "intent_window_start",
            "signals_in_window",
        ]
        + [f"intent:{name}" for name in parts]
    )
    table = pa.table({name: cols[name] for name in order})
    return FeatureTable(table=table, as_of=as_of)
