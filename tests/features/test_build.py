from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
import pytest

from leadqual.contract import load_contract
from leadqual.features.build import build_features
from leadqual.features.frames import load_frames
from leadqual.features.schema import FEATURES
from leadqual.store.database import Store
from tests.factories import T0, confirm_bant, make_account, make_deal, make_event, make_lead

CONTRACT = load_contract(
    """
name: Features test
fit:
  - name: anyone
    when: employees >= 0
    points: 1
intent:
  signals:
    - name: pricing_visit
      event: page_view
      where: page_type = 'pricing'
      points: 10
      cap: 15
      half_life_days: 5
"""
)
AS_OF = T0 + timedelta(days=60)


def test_behaviour_counts_respect_their_windows_and_the_as_of(store: Store) -> None:
    with store.session() as s:
        lead = make_lead(s, make_account(s, technologies=["Shopify"], industry="Software"))
        for days in (59, 55, 25, 10):  # 30-day window: the first two only
            make_event(s, lead, T0 + timedelta(days=days), page_type="pricing")
        make_event(s, lead, AS_OF + timedelta(days=1), page_type="pricing")  # after as-of
        make_event(s, lead, T0 + timedelta(days=50), type="form_submit", form_kind="webinar")
        make_event(s, lead, T0 + timedelta(days=20), type="meeting")
        confirm_bant(s, lead, T0 + timedelta(days=30))
        make_deal(s, lead, stage="won", created_at=T0, closed_at=AS_OF + timedelta(days=5))
        capped = make_lead(s)
        for hours in range(4):
            make_event(s, capped, AS_OF - timedelta(hours=hours), page_type="pricing")
        other = make_lead(s)
    row, full, quiet = build_features(
        load_frames(store, until=AS_OF), AS_OF, CONTRACT
    ).table.to_pylist()
    assert full["intent"] == pytest.approx(15.0)  # four fresh visits: 40 points, capped at 15
    assert row["page_views_30d"] == 2 and row["pricing_views_30d"] == 2
    assert row["content_downloads_90d"] == 1 and row["meetings_held"] == 1
    assert row["days_since_last_activity"] == pytest.approx(1.0)
    assert row["bant_confirmed"] is True and quiet["bant_confirmed"] is False
    assert row["won_deal"] is False and row["open_deal"] is True  # won only after as-of
    assert row["technologies"] == ["shopify"] and row["industry"] == "software"
    assert row["seniority"] == "vp" and row["department"] == "marketing"
    expected = sum(10 * 2 ** (-age / 5) for age in (1, 5, 35, 50))  # 14.6, under the cap
    assert row["intent"] == pytest.approx(expected, abs=1e-5)
    assert row["intent:pricing_visit"] == row["intent"]
    assert quiet["intent"] == 0 and quiet["page_views_30d"] == 0
    assert quiet["days_since_last_activity"] is None
    assert other.key == quiet["key"]
    assert {f.name for f in FEATURES} - {"fit"} <= set(row)


def test_each_lead_can_have_its_own_cutoff(store: Store) -> None:
    with store.session() as s:
        early, late = make_lead(s), make_lead(s)
        for lead in (early, late):
            for days in (5, 15, 25):
                make_event(s, lead, T0 + timedelta(days=days), page_type="pricing")
            make_event(s, lead, T0 + timedelta(days=20), type="meeting")
    frames = load_frames(store, until=AS_OF)
    cutoffs = pa.array([T0 + timedelta(days=10), None], pa.timestamp("us"))
    a, b = build_features(
        frames, T0 + timedelta(days=30), CONTRACT, cutoffs=cutoffs
    ).table.to_pylist()
    assert (a["pricing_views_30d"], a["meetings_held"]) == (1, 0)  # nothing after day 10
    assert (b["pricing_views_30d"], b["meetings_held"]) == (3, 1)  # null cutoff: the as-of
    assert a["days_since_created"] == pytest.approx(10.0)
    assert a["intent"] == pytest.approx(10 * 2 ** (-5 / 5))
