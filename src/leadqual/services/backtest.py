"""Backtest a contract: replay the store's history month by month under it, in memory, and report
what it would have done — without writing anything to the store.

The store is read once (``features.frames.load_frames``); every contract of one run (``--vs``,
the trade-off) replays over the same read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import func, select

from leadqual.backtest.chart import write_chart
from leadqual.backtest.compare import Comparison, compare_reports
from leadqual.backtest.metrics import BacktestReport, report
from leadqual.backtest.outcomes import Outcomes, outcomes
from leadqual.backtest.replay import Replay, replay
from leadqual.backtest.tradeoff import Tradeoff, Vary, tradeoff_points
from leadqual.contract.model import Contract
from leadqual.domain.calendar import month_ends
from leadqual.errors import InvalidInput
from leadqual.features.build import uses_intent
from leadqual.features.events import event_columns
from leadqual.features.frames import StoreFrames, load_frames
from leadqual.store.database import Store
from leadqual.store.models import Event, Lead

__all__ = [
    "BacktestRun",
    "backtest",
    "backtest_month_ends",
    "compare",
    "run_backtest",
    "tradeoff",
    "write_chart",
]

DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class BacktestRun:
    """One run: the report, and the comparison and the trade-off when asked for."""

    report: BacktestReport
    comparison: Comparison | None = None
    tradeoff: Tradeoff | None = None


def backtest_month_ends(
    store: Store, *, start: datetime | None, end: datetime | None
) -> list[datetime]:
    """The month ends to replay: those from ``start``'s month to ``end`` (the last one cut at
    ``end``'s day); by default the 12 months up to the store's latest event.

    >>> # backtest_month_ends(store, start=datetime(2026, 1, 1), end=datetime(2026, 3, 31))
    >>> # → [2026-01-31 23:59:59, 2026-02-28 23:59:59, 2026-03-31 23:59:59]
    """
    if end is None:
        with store.session() as s:
            end = s.scalar(select(func.max(Event.occurred_at))) or s.scalar(
                select(func.max(Lead.created_at))
            )
        if end is None:
            raise InvalidInput(
                "nothing to backtest: the store has no leads and no events; import some "
                "(`leadqual import accounts|contacts|events|deals FILE`) first",
                field="to",
            )
    day = end.replace(hour=0, minute=0, second=0, microsecond=0)
    if start is None:
        return month_ends(day, DEFAULT_MONTHS)
    if start > end:
        raise InvalidInput(
            f"--from {start:%Y-%m-%d} is after --to {end:%Y-%m-%d}; swap them", field="from"
        )
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return month_ends(day, months)


def _report(
    frames: StoreFrames, contract: Contract, ends: list[datetime]
) -> tuple[BacktestReport, Replay, Outcomes]:
    r = replay(frames, contract, ends)
    out = outcomes(
        frames.deals, r.lead_ids, np.datetime64(ends[0], "us"), np.datetime64(ends[-1], "us")
    )
    rep = report(
        r,
        out,
        contract_name=contract.name,
        contract_sha256=contract.sha256,
        mql_rule=contract.stages.mql.source,
    )
    return rep, r, out


def run_backtest(
    store: Store,
    contract: Contract,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime,
    vs: Contract | None = None,
    vary: Vary | None = None,
    steps: int = 20,
) -> BacktestRun:
    """Backtest ``contract`` and, in the same run, compare it with ``vs`` and compute the
    trade-off of one threshold (``vary``: ``fit`` or ``intent``) — one read of the store.

    ``now`` bounds the default window: nothing after ``now`` is replayed.

    >>> # run_backtest(store, load_contract_file(Path("contract.yaml")), now=now).report.overall
    """
    if end is not None and end > now:
        end = now
    ends = backtest_month_ends(store, start=start, end=end)
    ends = sorted({min(e, now) for e in ends})  # a month still running is replayed up to now
    signals = [*contract.intent.signals, *(vs.intent.signals if vs is not None else ())]
    intent = uses_intent(contract) or (vs is not None and uses_intent(vs))
    frames = load_frames(store, until=ends[-1], event_columns=event_columns(signals, intent=intent))
    rep, r, out = _report(frames, contract, ends)
    comparison = None
    if vs is not None:
        other, _, _ = _report(frames, vs, ends)
        comparison = compare_reports(rep, other)
    curve = tradeoff_points(r, out, contract, vary=vary, steps=steps) if vary else None
    return BacktestRun(report=rep, comparison=comparison, tradeoff=curve)


def backtest(
    store: Store,
    contract: Contract,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime,
) -> BacktestReport:
    """Replay the store's history under ``contract`` and report (nothing is written).

    >>> # backtest(store, contract, start=None, end=None, now=now).as_json()["overall"]["mql"]
    """
    return run_backtest(store, contract, start=start, end=end, now=now).report


def compare(
    store: Store,
    a: Contract,
    b: Contract,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime,
) -> Comparison:
    """Backtest ``a`` and ``b`` over the same window, side by side (differences are ``b - a``).

    >>> # compare(store, starter, discovered, now=now).deltas["precision"]
    """
    run = run_backtest(store, a, start=start, end=end, now=now, vs=b)
    assert run.comparison is not None
    return run.comparison


def tradeoff(
    store: Store,
    contract: Contract,
    *,
    vary: Vary = "fit",
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime,
    steps: int = 20,
) -> Tradeoff:
    """Volume, precision and recall as the ``vary`` threshold of the mql rule goes from 0 to its
    maximum, from one replay (see ``backtest.tradeoff`` for the approximation).

    >>> # write_chart(tradeoff(store, contract, now=now), Path("charts"))
    """
    run = run_backtest(store, contract, start=start, end=end, now=now, vary=vary, steps=steps)
    assert run.tradeoff is not None
    return run.tradeoff
