"""Replay history month by month under a contract, in memory: nothing is written to the store.

Every lead starts as ``lead`` when it is created (a lead not created yet at a month end is left
out of that month) and moves by ``decide.evaluate.settle`` at each month end. The sales-side facts
(BANT answers, acceptances, deals) are the store's own, as they were at that month end —
``features.build`` cuts them by as-of. What the replay keeps, per lead and month end: the stage
after settling, fit and intent, and the columns the trade-off needs to re-run the ``mql`` rule
with another threshold without replaying again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadqual.contract.model import Contract, Intent
from leadqual.decide.evaluate import settle
from leadqual.domain.lifecycle import STAGES
from leadqual.errors import InvalidInput
from leadqual.features.frames import StoreFrames
from leadqual.features.series import FeatureSeries

__all__ = ["NOT_CREATED", "Replay", "replay"]

NOT_CREATED = -1  # the stage code of a lead that does not exist yet at a month end
_CODE = {s: i for i, s in enumerate(STAGES)}
_TS = pa.timestamp("us")


@dataclass(frozen=True, eq=False)
class Replay:
    """What a replay saw, as arrays (leads in ``lead_id`` order; months oldest first).

    ``stages[m, i]`` is the code (index in ``STAGES``) of lead ``i``'s stage after month end
    ``m``, or ``NOT_CREATED``; ``fit``/``intent`` are NaN where the lead did not exist.
    ``first_mql[i]`` is the index of the first month end at which lead ``i`` became an MQL
    (-1: never). ``rule_inputs[m]`` holds, for the leads that existed at month end ``m``, the
    columns the ``mql`` rule reads (with ``fit``), ``lead_index`` and the flags the trade-off
    uses to tell whether a lead could still become an MQL (``won_deal``, ``open_deal``,
    ``disqualify``).
    """

    month_ends: tuple[datetime, ...]
    lead_ids: np.ndarray
    keys: list[str]
    accounts: list[str | None]
    created_at: np.ndarray  # datetime64[us]
    stages: np.ndarray  # int8, months × leads
    fit: np.ndarray  # float64, months × leads
    intent: np.ndarray  # float64, months × leads
    first_mql: np.ndarray  # int, per lead
    rule_inputs: tuple[pa.Table, ...]

    @property
    def n_leads(self) -> int:
        return int(self.lead_ids.size)

    def stage_name(self, code: int) -> str:
        return "not created" if code == NOT_CREATED else STAGES[code]


def _mql_columns(contract: Contract) -> list[str]:
    return sorted(contract.stages.mql.fields - {"fit"})


def replay(frames: StoreFrames, contract: Contract, month_ends: Sequence[datetime]) -> Replay:
    """Replay ``frames`` (read up to the last month end at least) under ``contract``.

    >>> # r = replay(load_frames(store, until=ends[-1]), contract, ends); r.first_mql
    """
    ends = tuple(month_ends)
    if not ends:
        raise InvalidInput("the backtest needs at least one month end; widen --from/--to")
    if list(ends) != sorted(ends):
        raise InvalidInput("month ends must be in order, oldest first")
    leads = frames.leads
    n = leads.num_rows
    lead_ids = leads.column("lead_id").to_numpy()
    created = leads.column("created_at").to_numpy(zero_copy_only=False).astype("datetime64[us]")
    series = FeatureSeries(frames, contract)
    needed = _settle_columns(contract)
    # Settling reads the signals only to word the reasons, which a replay does not keep; without
    # them each evaluation costs half as much (intent itself is already in the feature table).
    deciding = replace(contract, intent=Intent(contract.intent.half_life_days, ()))

    stage = np.full(n, _CODE["lead"], dtype=np.int8)
    stages = np.full((len(ends), n), NOT_CREATED, dtype=np.int8)
    fit = np.full((len(ends), n), np.nan)
    intent = np.full((len(ends), n), np.nan)
    first_mql = np.full(n, -1, dtype=np.int64)
    inputs: list[pa.Table] = []
    keep = _mql_columns(contract)
    stage_names = np.array(STAGES, dtype=object)

    for m, as_of in enumerate(ends):
        # Every lead gets a feature row (rows are independent of each other) and the rows of
        # leads not created yet are dropped before settling.
        cut = np.datetime64(as_of, "us")
        exists = created <= cut
        idx = np.flatnonzero(exists)
        table = series.at(as_of, stage=pa.array(stage_names[stage], pa.string())).table
        table = table.select([c for c in table.column_names if c in needed])
        table = table.filter(pa.array(exists))
        ev, moves = settle(table, deciding)
        new = ev.table.column("new_stage").to_numpy(zero_copy_only=False)
        codes = np.fromiter((_CODE[s] for s in new), dtype=np.int8, count=idx.size)
        stage[idx] = codes
        stages[m, idx] = codes
        fit[m, idx] = ev.table.column("fit").to_numpy(zero_copy_only=False)
        intent[m, idx] = ev.table.column("intent").to_numpy(zero_copy_only=False)
        if moves:
            became = np.unique([mv["lead_id"] for mv in moves if mv["new_stage"] == "mql"])
            at = np.searchsorted(lead_ids, became.astype(lead_ids.dtype))
            at = at[first_mql[at] < 0]
            first_mql[at] = m
        inputs.append(_rule_inputs(table, ev.table, idx, keep))
    series.close()

    return Replay(
        month_ends=ends,
        lead_ids=lead_ids,
        keys=leads.column("key").to_pylist(),
        accounts=leads.column("account_domain").to_pylist(),
        created_at=created,
        stages=stages,
        fit=fit,
        intent=intent,
        first_mql=first_mql,
        rule_inputs=tuple(inputs),
    )


def _rule_inputs(features: pa.Table, ev: pa.Table, idx: np.ndarray, keep: list[str]) -> pa.Table:
    cols: dict[str, pa.Array | pa.ChunkedArray] = {"lead_index": pa.array(idx, pa.int64())}
    for name in keep:
        cols[name] = features.column(name)
    cols["fit"] = ev.column("fit")
    cols["won_deal"] = features.column("won_deal")
    cols["open_deal"] = features.column("open_deal")
    cols["disqualify"] = pc.is_valid(ev.column("rule:disqualify"))
    return pa.table(cols)


_EVENT_COLUMNS = ("lead_id", "type", "occurred_at", "page_type", "form_kind")


def _settle_columns(contract: Contract) -> set[str]:
    """The feature columns that evaluating ``contract`` reads; the others are dropped before
    settling, which makes each evaluation several times cheaper."""
    cols = {
        "lead_id",
        "stage",
        "sales_accepted",
        "won_deal",
        "open_deal",
        "lost_deal",
        "intent",
        "intent_window_start",
        "signals_in_window",
    }
    cols |= {f"intent:{s.name}" for s in contract.intent.signals}
    rules = contract.stages
    for expr in (rules.mql, rules.sql, *(c.when for c in (*contract.fit, *rules.disqualify))):
        cols |= expr.fields
    return cols
