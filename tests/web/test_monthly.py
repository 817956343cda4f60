"""The funnel by month: each lead counts once per stage, in the month it first reached it."""

from __future__ import annotations

from datetime import datetime

from leadqual.store.database import Store
from leadqual.store.models import StageChange
from leadqual.web.monthly import funnel_by_month
from tests.factories import make_lead


def _move(lead_id: int, to: str, at: datetime) -> StageChange:
    return StageChange(
        lead_id=lead_id, from_stage="lead", to_stage=to, at=at, reason="t", recorded_at=at
    )


def test_leads_and_stages_by_month(sqlite_store: Store) -> None:
    with sqlite_store.session() as s:
        a = make_lead(s, created_at=datetime(2025, 12, 5))
        b = make_lead(s, created_at=datetime(2026, 2, 1))
        s.add(_move(a.id, "mql", datetime(2026, 1, 3)))
        s.add(_move(a.id, "mql", datetime(2026, 2, 9)))  # again: still counted in January
        s.add(_move(b.id, "mql", datetime(2026, 2, 2)))
        s.add(_move(a.id, "customer", datetime(2026, 2, 20)))
    got = funnel_by_month(sqlite_store)
    assert got.months == ["2025-12", "2026-01", "2026-02"]
    assert got.series == {
        "leads": [1, 0, 1],
        "mql": [0, 1, 1],
        "sql": [0, 0, 0],
        "customer": [0, 0, 1],
    }
    assert funnel_by_month(sqlite_store, months=2).months == ["2026-01", "2026-02"]


def test_an_empty_store_has_no_month(sqlite_store: Store) -> None:
    got = funnel_by_month(sqlite_store)
    assert got.months == [] and got.as_json()["series"]["mql"] == []
