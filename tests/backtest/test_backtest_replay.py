"""The replay on a hand-built store where every figure is known, and on a simulated one where the
figures must add up — on SQLite and PostgreSQL, and without writing anything."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from leadqual.contract import load_contract
from leadqual.services.backtest import backtest, backtest_month_ends
from leadqual.store.database import Store
from tests.backtest.simstore import import_simulated, snapshot, starter, write_simulated
from tests.factories import T0, make_account, make_deal, make_event, make_lead

CONTRACT = """
name: Tiny contract
fit:
  - name: right_size
    when: employees >= 50 and employees <= 5000
    points: 30
  - name: decision_maker
    when: seniority in ('c_level', 'vp', 'director')
    points: 20
intent:
  half_life_days: 10
  signals:
    - name: demo_request
      event: form_submit
      where: form_kind = 'demo_request'
      points: 40
      cap: 40
stages:
  mql: fit >= 40 and intent >= 30
  sql: sales_accepted and bant_confirmed and meetings_held >= 1
"""
NOW = datetime(2026, 6, 1)
FEB_END = datetime(2026, 2, 28, 23, 59, 59)


def _tiny(store: Store) -> None:
    """A: MQL at the end of February (demo request on the 25th), deal created in March, won on
    April 15 → caught, 45 days from MQL to won. B: fits, no intent, deal in March won in April →
    missed. C: MQL at the end of January, never buys. D: too small to fit, same intent as A."""
    with store.session() as s:
        a = make_lead(s, title="VP Marketing", email="a@alpha.example")
        make_event(s, a, datetime(2026, 2, 25), type="form_submit", form_kind="demo_request")
        make_deal(
            s,
            a,
            stage="won",
            created_at=datetime(2026, 3, 10),
            closed_at=datetime(2026, 4, 15),
            amount=1000.0,
        )
        b = make_lead(s, title="CEO", email="b@beta.example")
        make_deal(
            s,
            b,
            stage="won",
            created_at=datetime(2026, 3, 5),
            closed_at=datetime(2026, 4, 20),
            amount=500.0,
        )
        c = make_lead(s, title="Director of IT", email="c@gamma.example")
        make_event(s, c, datetime(2026, 1, 30), type="form_submit", form_kind="demo_request")
        d = make_lead(s, make_account(s, employees=5), title="Founder", email="d@delta.example")
        make_event(s, d, datetime(2026, 2, 25), type="form_submit", form_kind="demo_request")
        # A lead created after the window: never counted.
        make_lead(s, email="late@later.example", created_at=datetime(2026, 5, 20))


def test_tiny_store_gives_the_known_answer(store: Store) -> None:
    _tiny(store)
    before = snapshot(store)
    rep = backtest(store, load_contract(CONTRACT), start=T0, end=datetime(2026, 4, 30), now=NOW)
    assert snapshot(store) == before  # nothing written, on either database
    o = rep.overall
    assert (o["mql"], o["won"], o["customers"], o["sql"]) == (2, 1, 2, 1)
    assert (o["precision"], o["recall"]) == (0.5, 0.5)
    assert o["median_days_to_won"] == pytest.approx(
        (datetime(2026, 4, 15) - FEB_END) / timedelta(days=1), abs=0.05
    )
    assert o["pipeline_value"] == 1000.0 and o["leads"] == 4
    assert [m.month for m in rep.months] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert [m.mql for m in rep.months] == [1, 1, 0, 0]
    assert [m.won for m in rep.months] == [0, 1, 0, 0]
    assert [m.customers_won for m in rep.months] == [0, 0, 0, 2]
    assert rep.months[1].mql_to_won == 1.0 and rep.months[0].mql_to_won == 0.0
    assert [c.key for c in rep.missed] == ["b@beta.example"]
    miss = rep.missed[0]
    assert miss.amount == 500.0 and miss.won_at == datetime(2026, 4, 20)
    assert miss.fit == 50 and miss.intent == 0 and "fit >= 40 and intent >= 30" in miss.why
    assert [n.key for n in rep.never_bought] == ["c@gamma.example"]
    assert rep.never_bought[0].mql_at == datetime(2026, 1, 31, 23, 59, 59)
    js = rep.as_json()
    assert {"overall", "months", "missed", "never_bought"} <= set(js)
    assert js["from"] == "2026-01-01T00:00:00" and js["to"] == "2026-04-30T23:59:59"


def test_an_mql_after_the_deal_was_created_is_not_caught(sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        lead = make_lead(s, email="e@eps.example")
        make_deal(
            s,
            lead,
            stage="won",
            created_at=datetime(2026, 1, 20),
            closed_at=datetime(2026, 2, 10),
            amount=10.0,
        )
        make_event(s, lead, datetime(2026, 1, 25), type="form_submit", form_kind="demo_request")
    rep = backtest(
        sqlite_store, load_contract(CONTRACT), start=T0, end=datetime(2026, 3, 31), now=NOW
    )
    # The deal opened before the first month end: too early to judge, not a miss.
    assert rep.overall["customers"] == 0 and rep.overall["customers_before_window"] == 1
    assert rep.overall["mql"] == 0 and rep.overall["recall"] is None


def test_month_ends_of_the_window(sqlite_store: Store) -> None:
    ends = backtest_month_ends(
        sqlite_store, start=datetime(2026, 1, 15), end=datetime(2026, 3, 10, 8, 30)
    )
    assert ends == [
        datetime(2026, 1, 31, 23, 59, 59),
        datetime(2026, 2, 28, 23, 59, 59),
        datetime(2026, 3, 10, 23, 59, 59),
    ]


@pytest.fixture(scope="module")
def sim_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_simulated(tmp_path_factory.mktemp("sim"))


def test_simulated_store_figures_add_up_and_nothing_is_written(
    store: Store, sim_paths: dict[str, Path]
) -> None:
    import_simulated(store, sim_paths)
    before = snapshot(store)
    rep = backtest(store, starter(), start=None, end=None, now=datetime(2026, 7, 15))
    assert snapshot(store) == before
    o = rep.overall
    assert len(rep.months) == 12 and o["mql"] > 0 and o["customers"] > 0
    assert sum(m.mql for m in rep.months) == o["mql"]
    assert sum(m.sql for m in rep.months) == o["sql"] and sum(m.won for m in rep.months) == o["won"]
    assert o["precision"] == round(o["won"] / o["mql"], 4)
    assert o["recall"] == round(1 - len(rep.missed) / o["customers"], 4)
    assert o["won"] + len(rep.missed) == o["customers"]
    assert o["never_bought"] == o["mql"] - o["won"] >= len(rep.never_bought)
    assert o["sql"] <= o["mql"] and o["won"] <= o["mql"]
    assert rep.caught_keys <= rep.mql_keys
    assert {n.key for n in rep.never_bought} <= rep.mql_keys - rep.caught_keys
    assert all(c.key in rep.customer_keys and c.key not in rep.caught_keys for c in rep.missed)
    assert sum(m.customers_won for m in rep.months) == o["customers"]
    assert o["median_days_to_won"] is None or o["median_days_to_won"] >= 0
