"""The backtest service: its window, its errors, and one run doing report, --vs and trade-off."""

from __future__ import annotations

from datetime import datetime

import pytest

from leadqual.errors import InvalidInput
from leadqual.services.backtest import backtest, backtest_month_ends, run_backtest, tradeoff
from leadqual.store.database import Store
from tests.backtest.simstore import starter, strict
from tests.factories import make_deal, make_event, make_lead

NOW = datetime(2026, 8, 1)


def test_an_empty_store_is_refused_with_what_to_do(store: Store) -> None:
    with pytest.raises(InvalidInput, match="no leads and no events; import"):
        backtest(store, starter(), now=NOW)


def test_from_after_to_is_refused(sqlite_store: Store) -> None:
    with pytest.raises(InvalidInput, match="--from 2026-05-01 is after --to 2026-03-01"):
        backtest_month_ends(sqlite_store, start=datetime(2026, 5, 1), end=datetime(2026, 3, 1))


def test_default_window_is_the_twelve_months_up_to_the_latest_event(store: Store) -> None:
    with store.session() as s:
        lead = make_lead(s)
        make_event(s, lead, datetime(2026, 7, 10, 15, 0))
    ends = backtest_month_ends(store, start=None, end=None)
    assert len(ends) == 12
    assert ends[0] == datetime(2025, 8, 31, 23, 59, 59)
    assert ends[-1] == datetime(2026, 7, 10, 23, 59, 59)


def test_one_run_reports_compares_and_varies(store: Store) -> None:
    with store.session() as s:
        for i in range(6):
            lead = make_lead(s, email=f"p{i}@one.example")
            make_event(
                s, lead, datetime(2026, 2, 20 + i), type="form_submit", form_kind="demo_request"
            )
            if i % 2:
                make_deal(
                    s,
                    lead,
                    stage="won",
                    created_at=datetime(2026, 3, 10),
                    closed_at=datetime(2026, 4, 1),
                    amount=100.0,
                )
    run = run_backtest(
        store,
        starter(),
        start=datetime(2026, 1, 1),
        end=datetime(2026, 5, 31),
        now=NOW,
        vs=strict(),
        vary="intent",
    )
    assert run.comparison is not None and run.tradeoff is not None
    assert run.report.overall["customers"] == 3
    assert run.comparison.b.overall["mql"] <= run.report.overall["mql"]
    assert run.tradeoff.field == "intent" and run.tradeoff.current == 30.0
    only = tradeoff(
        store, starter(), vary="fit", start=datetime(2026, 1, 1), end=datetime(2026, 5, 31), now=NOW
    )
    assert only.current_point.mql == run.report.overall["mql"]


def test_the_window_stops_at_now(sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        make_lead(s)
    rep = backtest(
        sqlite_store,
        starter(),
        start=datetime(2026, 1, 1),
        end=datetime(2026, 12, 31),
        now=datetime(2026, 3, 15, 12, 0),
    )
    assert [m.month for m in rep.months] == ["2026-01", "2026-02", "2026-03"]
    assert rep.end == datetime(2026, 3, 15, 12, 0)
