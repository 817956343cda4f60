"""Feature tables at a series of increasing as-of times (a backtest's month ends), each event
processed about once: intent is carried forward (decay is multiplicative, so yesterday's sum
decays into today's and only new events are added), windowed counts read only their window's
events, all-time counts and the latest activity are running values.

``FeatureSeries.at(t)`` gives the same table as ``build_features(frames, t, contract)`` — a test
holds them equal — at a fraction of the cost when called for many ``t``.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa

from leadqual.contract.model import Contract
from leadqual.duck import connect
from leadqual.errors import InvalidInput
from leadqual.features.build import (
    TS,
    AccountIntent,
    FeatureTable,
    assemble,
    capped,
    intent_columns,
    lead_columns,
    sales_columns,
    uses_intent,
    window_counts,
)
from leadqual.features.events import BEHAVIOUR, DAY, EventColumns, prepare_events
from leadqual.features.frames import StoreFrames

__all__ = ["FeatureSeries"]

_LONGEST_WINDOW = max(days for days, _ in BEHAVIOUR.values() if days is not None) * DAY
_EPOCH = datetime(1970, 1, 1)


class _Carry:
    """Uncapped decayed sums per signal and lead at a moving time, plus matched-event counts."""

    def __init__(self, ev: EventColumns) -> None:
        self.ev = ev
        self.t = -np.inf
        self.pos = 0
        self.sums = np.zeros((len(ev.signals), ev.n_leads))
        self.halves = np.array([float(s.half_life_days) for s in ev.signals])
        self.matched = np.zeros(ev.n_leads, dtype=np.int64)

    def advance(self, t: float) -> None:
        if t < self.t:
            raise InvalidInput("a feature series moves forward in time only")
        if np.isfinite(self.t) and self.sums.size:
            self.sums *= np.exp2(-(t - self.t) / DAY / self.halves)[:, None]
        hi = self.ev.upto(t)
        at = np.full(self.ev.n_leads, t)
        self.sums += self.ev.intent_sums(at, self.pos, hi)
        if self.ev.matches.size:
            new = self.ev.matches[self.pos : hi].any(axis=1)
            self.matched += np.bincount(
                self.ev.group[self.pos : hi][new], minlength=self.ev.n_leads
            )
        self.t, self.pos = t, hi


class FeatureSeries:
    """Feature tables of ``frames`` under ``contract`` at increasing times.

    >>> # series = FeatureSeries(frames, contract)
    >>> # tables = [series.at(end, stage=replayed_stage) for end in month_ends]
    """

    def __init__(
        self, frames: StoreFrames, contract: Contract, *, intent: bool | None = None
    ) -> None:
        """``intent``: compute the account-level intent features (by default only when the
        contract reads one; ``features.build.build_features`` says the same)."""
        self.frames = frames
        self.contract = contract
        lead_ids = frames.leads.column("lead_id").to_numpy()
        self.events = prepare_events(frames.events, lead_ids, contract.intent.signals)
        self.static = lead_columns(frames.leads)
        self.window = contract.stages.recycle.for_days * DAY
        self.now = _Carry(self.events)
        self.start = _Carry(self.events)  # the recycle window's start: t - window
        self.meetings = np.zeros(lead_ids.size, dtype=np.int64)
        self.last = np.full(lead_ids.size, np.nan)
        self.confidence = np.full(lead_ids.size, np.nan)  # best ident_confidence so far
        self.pos = 0
        self._con = connect()  # one DuckDB connection for the whole series
        wanted = uses_intent(contract) if intent is None else intent
        # The page views go to DuckDB once; each as-of then runs the Ibis pipeline over its
        # window only. A contract without these features never pays for them.
        self.intent = AccountIntent(frames.events, contract.pages) if wanted else None

    def close(self) -> None:
        self._con.close()
        if self.intent is not None:
            self.intent.close()

    def at(self, as_of: datetime, stage: pa.Array | None = None) -> FeatureTable:
        """The feature table as of ``as_of`` (not earlier than the previous call), with the
        leads' ``stage`` replaced when given (a replay keeps its own stages)."""
        t = (as_of - _EPOCH).total_seconds()
        ev, n = self.events, self.events.n_leads
        self.now.advance(t)
        self.start.advance(t - self.window)
        hi = ev.upto(t)
        new = slice(self.pos, hi)
        seen = ev.behaviour["meetings_held"][new]
        self.meetings += np.bincount(ev.group[new][seen], minlength=n)
        if hi > self.pos:
            latest = np.full(n, -np.inf)
            np.maximum.at(latest, ev.group[new], ev.seconds[new])
            self.last = np.where(latest > -np.inf, latest, self.last)
            np.fmax.at(self.confidence, ev.group[new], ev.confidence[new])
        self.pos = hi
        cut = np.full(n, t)
        counts = window_counts(ev, cut, ev.upto(t - _LONGEST_WINDOW), hi)
        counts["meetings_held"] = self.meetings.copy()
        counts["last_activity"] = self.last.copy()
        cut_at = pa.array(np.full(n, np.datetime64(as_of, "us")), TS)
        table = assemble(
            self.static,
            self.frames.leads.column("stage") if stage is None else stage,
            counts,
            sales_columns(self._frames_with(stage), cut_at, self._con),
            cut,
            capped(self.now.sums, self.contract),
            sum(capped(self.start.sums, self.contract).values(), np.zeros(n)),
            self.now.matched - self.start.matched,
            self.confidence.copy(),
            None
            if self.intent is None
            else intent_columns(self.intent.at(as_of), self.frames.leads),
        )
        return FeatureTable(table=table, as_of=as_of)

    def _frames_with(self, stage: pa.Array | None) -> StoreFrames:
        if stage is None:
            return self.frames
        leads = self.frames.leads
        return StoreFrames(
            leads=leads.set_column(leads.schema.get_field_index("stage"), "stage", stage),
            events=self.frames.events,
            deals=self.frames.deals,
            bant=self.frames.bant,
            accepted=self.frames.accepted,
            until=self.frames.until,
        )
