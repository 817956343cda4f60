"""The funnel over time (``services.leads.monthly_funnel``): each lead counts once per stage, in
the month or week it first reached it; filters by source and segment; time in stage from the
stage history. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest

from leadqual.errors import InvalidInput
from leadqual.services.leads import Segment, funnel_options, monthly_funnel
from leadqual.store.database import Store
from leadqual.store.models import StageChange
from tests.factories import make_account, make_lead


def _move(lead_id: int, frm: str, to: str, at: datetime) -> StageChange:
    return StageChange(
        lead_id=lead_id, from_stage=frm, to_stage=to, at=at, reason="t", recorded_at=at
    )


@pytest.fixture
def history(store: Store) -> Store:
    """``a`` (web, 200 employees, software): created 5 Dec, MQL 3 Jan, MQL again 9 Feb, won
    20 Feb. ``b`` (event, 2,000 employees, retail): created 1 Feb, MQL 2 Feb."""
    with store.session() as s:
        small = make_account(s, employees=200, industry="software")
        big = make_account(s, employees=2_000, industry="Retail")
        a = make_lead(s, small, created_at=datetime(2025, 12, 5), source="web")
        b = make_lead(s, big, created_at=datetime(2026, 2, 1), source="event")
        s.add(_move(a.id, "lead", "mql", datetime(2026, 1, 3)))
        s.add(_move(a.id, "mql", "mql", datetime(2026, 2, 9)))  # again: still counted in January
        s.add(_move(b.id, "lead", "mql", datetime(2026, 2, 2)))
        s.add(_move(a.id, "mql", "customer", datetime(2026, 2, 20)))
    return store


def test_leads_and_stages_by_month(history: Store) -> None:
    got = monthly_funnel(history)
    assert got.by == "month" and got.periods == ["2025-12", "2026-01", "2026-02"]
    assert got.series == {
        "leads": [1, 0, 1],
        "mql": [0, 1, 1],
        "sql": [0, 0, 0],
        "customer": [0, 0, 1],
    }
    assert got.totals == {"leads": 2, "mql": 2, "sql": 0, "customer": 1}
    assert got.conversion == {"lead→mql": 1.0, "mql→sql": 0.0, "mql→won": 0.5}
    assert monthly_funnel(history, periods=2).periods == ["2026-01", "2026-02"]


def test_by_week_names_each_week_by_its_monday(history: Store) -> None:
    got = monthly_funnel(history, by="week", periods=3)
    # 2 Feb 2026 is a Monday; the 9th and the 16th start the next weeks.
    assert got.periods == ["2026-02-02", "2026-02-09", "2026-02-16"]
    assert got.series["mql"] == [1, 0, 0] and got.series["customer"] == [0, 0, 1]
    assert got.series["leads"] == [0, 0, 0]  # b was created on Sunday 1 Feb, the week before


def test_source_and_segment_slice_the_funnel(history: Store) -> None:
    web = monthly_funnel(history, source="web")
    assert web.totals == {"leads": 1, "mql": 1, "sql": 0, "customer": 1}
    big = monthly_funnel(history, segment="employees:1000+")
    assert big.totals == {"leads": 1, "mql": 1, "sql": 0, "customer": 0}
    retail = monthly_funnel(history, segment=Segment("industry", "retail"))
    assert retail.totals == big.totals and retail.segment == "industry:retail"
    none = monthly_funnel(history, source="web", segment="industry:retail")
    assert none.periods == [] and none.totals["leads"] == 0


def test_time_in_stage_is_the_median_of_finished_stays(history: Store) -> None:
    got = monthly_funnel(history).time_in_stage
    # lead: a 29 days (5 Dec → 3 Jan), b 1 day; mql: a 37 days then 11 days (the repeat counts
    # as a stay of its own).
    assert got["lead"].stays == 2 and got["lead"].median_days == 15.0
    assert got["mql"].stays == 2 and got["mql"].median_days == 24.0
    assert "customer" not in got  # nobody has left it


def test_filter_options_and_bad_filters(history: Store) -> None:
    options = funnel_options(history)
    assert options.sources == ["event", "web"]
    assert options.industries == ["Retail", "software"]
    with pytest.raises(InvalidInput, match="employees:BAND"):
        monthly_funnel(history, segment="size:big")
    with pytest.raises(InvalidInput, match="bands are"):
        monthly_funnel(history, segment="employees:7")
    with pytest.raises(InvalidInput, match="by must be"):
        monthly_funnel(history, by="day")


def test_an_empty_store_has_no_period(store: Store) -> None:
    got = monthly_funnel(store)
    assert got.periods == [] and got.as_json()["series"]["mql"] == []
    assert got.time_in_stage == {}
