"""A lead's events as numpy columns, prepared once: time, lead row, the masks of every behaviour
count and of every intent signal. Feature builds (one as-of, per-lead cutoffs, or a series of
month ends) all count from these, so each definition lives in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadqual.contract.model import Signal
from leadqual.domain.decay import capped_sums, decayed_points
from leadqual.duck import connect

__all__ = [
    "BEHAVIOUR",
    "DAY",
    "INTENT_EVENT_COLUMNS",
    "EventColumns",
    "epoch_seconds",
    "event_columns",
    "prepare_events",
    "signal_matches",
]

DAY = 86_400.0

# Behaviour counts: name → (window in days, None for all time; which events count).
BEHAVIOUR: dict[str, tuple[int | None, tuple[str, str | None, tuple[str, ...] | None]]] = {
    # (type, page_type, form kinds)
    "page_views_30d": (30, ("page_view", None, None)),
    "pricing_views_30d": (30, ("page_view", "pricing", None)),
    "product_views_30d": (30, ("page_view", "product", None)),
    "docs_views_30d": (30, ("page_view", "docs", None)),
    "blog_views_30d": (30, ("page_view", "blog", None)),
    "careers_views_30d": (30, ("page_view", "careers", None)),
    "content_downloads_90d": (90, ("form_submit", None, ("content_download", "webinar"))),
    "demo_requests_90d": (90, ("form_submit", None, ("demo_request",))),
    "contact_sales_90d": (90, ("form_submit", None, ("contact_sales",))),
    "email_clicks_30d": (30, ("email_click", None, None)),
    "meetings_held": (None, ("meeting", None, None)),
}


def epoch_seconds(ts: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Naive-UTC timestamps as float seconds since the epoch (NaN for nulls)."""
    us = pc.cast(ts, pa.int64()).to_numpy(zero_copy_only=False)
    return np.asarray(us, dtype=np.float64) / 1e6


def signal_matches(events: pa.Table, signals: Sequence[Signal]) -> np.ndarray:
    """A boolean matrix (events × signals): which events each intent signal counts."""
    if not signals or events.num_rows == 0:
        return np.zeros((events.num_rows, len(signals)), dtype=bool)
    con = connect()
    con.register("events", events)
    parts = []
    for i, s in enumerate(signals):
        cond = f"type = '{s.event}'"
        if s.where is not None:
            cond += f" AND COALESCE(({s.where.to_sql('duckdb')}), FALSE)"
        parts.append(f"({cond}) AS m{i}")
    got = con.sql(f"SELECT {', '.join(parts)} FROM events").to_arrow_table()
    con.close()
    return np.column_stack(
        [got.column(i).to_numpy(zero_copy_only=False) for i in range(len(signals))]
    )


def _mask(
    events: pa.Table, kind: str, page: str | None, forms: tuple[str, ...] | None
) -> np.ndarray:
    m = pc.equal(events["type"], kind)
    if page is not None:
        m = pc.and_(m, pc.equal(events["page_type"], page))
    if forms is not None:
        m = pc.and_(m, pc.is_in(events["form_kind"], pa.array(forms)))
    return np.asarray(pc.fill_null(m, False).to_numpy(zero_copy_only=False), dtype=bool)


@dataclass(frozen=True)
class EventColumns:
    """Events sorted by time: ``seconds``, ``group`` (the lead's row), one mask per behaviour
    count and the signal matrix (events × signals)."""

    seconds: np.ndarray
    group: np.ndarray
    behaviour: dict[str, np.ndarray]
    matches: np.ndarray
    signals: tuple[Signal, ...]
    n_leads: int
    confidence: np.ndarray  # each event's identification confidence; NaN: none

    def upto(self, t: float) -> int:
        """How many events happened at or before ``t`` (they come first: sorted by time)."""
        return int(np.searchsorted(self.seconds, t, side="right"))

    def intent_sums(self, at: np.ndarray, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """Uncapped decayed points per signal and lead (signals × leads) of events[lo:hi] seen
        at ``at`` (a time per lead); events after a lead's time are worth nothing."""
        hi = self.seconds.size if hi is None else hi
        g, sec = self.group[lo:hi], self.seconds[lo:hi]
        age = (at[g] - sec) / DAY
        out = np.zeros((len(self.signals), self.n_leads))
        for j, s in enumerate(self.signals):
            mask = self.matches[lo:hi, j] & (age >= 0)
            pts = decayed_points(float(s.points), age[mask], float(s.half_life_days))
            out[j] = capped_sums(g[mask], pts, self.n_leads, np.inf)
        return out


# The event columns the account-level intent features read (features.intent's pipeline).
INTENT_EVENT_COLUMNS = frozenset(
    {"type", "occurred_at", "account_id", "contact_id", "visitor_id", "path", "dwell_ms"}
)


def event_columns(signals: Sequence[Signal], *, intent: bool = False) -> list[str]:
    """The event columns features need under these signals (the rest need not be read), and
    those of the account-level intent features when ``intent`` (a contract that uses them:
    ``features.build.uses_intent``)."""
    needed = {"lead_id", "type", "occurred_at", "page_type", "form_kind", "ident_confidence"}
    if intent:
        needed |= INTENT_EVENT_COLUMNS
    for s in signals:
        if s.where is not None:
            needed |= s.where.fields
    return sorted(needed)


def prepare_events(
    events: pa.Table, lead_ids: np.ndarray, signals: Sequence[Signal]
) -> EventColumns:
    """Compute every mask once and sort the columns by time (numpy columns only: the event
    table itself is never reordered)."""
    seconds = epoch_seconds(events.column("occurred_at"))
    order = np.argsort(seconds, kind="stable")
    group = np.searchsorted(lead_ids, events.column("lead_id").to_numpy())
    return EventColumns(
        seconds=seconds[order],
        group=group.astype(np.intp)[order],
        behaviour={name: _mask(events, *spec)[order] for name, (_, spec) in BEHAVIOUR.items()},
        matches=signal_matches(events, signals)[order],
        signals=tuple(signals),
        n_leads=int(lead_ids.size),
        confidence=_confidence(events)[order],
    )


def _confidence(events: pa.Table) -> np.ndarray:
    if "ident_confidence" not in events.column_names:
        return np.full(events.num_rows, np.nan)
    column = pc.cast(events.column("ident_confidence"), pa.float64())
    return np.asarray(pc.fill_null(column, np.nan).to_numpy(zero_copy_only=False), dtype=float)
