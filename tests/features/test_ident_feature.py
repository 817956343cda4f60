"""The ``ident_confidence`` feature: the best identification confidence of a lead's events up to
its cutoff, null when none is identified — usable in contract conditions and by the model."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadqual.contract import load_contract
from leadqual.features.build import build_features, ident_confidence
from leadqual.features.frames import load_frames
from leadqual.features.schema import FEATURES, feature
from leadqual.features.series import FeatureSeries
from leadqual.ml.dataset import MODEL_FEATURES
from leadqual.store.database import Store
from tests.factories import T0, make_event, make_lead

CONTRACT = load_contract(
    """
name: Identification test
fit:
  - name: identified_company
    when: ident_confidence >= 0.5
    points: 10
intent:
  signals:
    - name: visit
      event: page_view
      points: 1
      cap: 5
      half_life_days: 7
"""
)
AS_OF = T0 + timedelta(days=30)


def test_the_best_confidence_up_to_as_of(store: Store) -> None:
    with store.session() as s:
        strong, weak, unknown = make_lead(s), make_lead(s), make_lead(s)
        make_event(s, strong, T0 + timedelta(days=1), ident_confidence=0.7)
        make_event(s, strong, T0 + timedelta(days=2), ident_confidence=1.0)
        make_event(s, weak, T0 + timedelta(days=3), ident_confidence=0.3)
        make_event(s, weak, AS_OF + timedelta(days=1), ident_confidence=1.0)  # after as-of
        make_event(s, weak, T0 + timedelta(days=4), ident_confidence=None)  # e.g. imported
        make_event(s, unknown, T0 + timedelta(days=5))
    frames = load_frames(store, until=AS_OF + timedelta(days=2))
    rows = build_features(frames, AS_OF, CONTRACT).table.to_pylist()
    assert [r["ident_confidence"] for r in rows] == [1.0, 0.3, None]


def test_a_replay_carries_the_same_confidence_month_by_month(store: Store) -> None:
    with store.session() as s:
        lead, other = make_lead(s), make_lead(s)
        make_event(s, lead, T0 + timedelta(days=1), ident_confidence=0.3)
        make_event(s, lead, T0 + timedelta(days=40), ident_confidence=1.0)
        make_event(s, other, T0 + timedelta(days=50), ident_confidence=0.7)
    ends = [T0 + timedelta(days=d) for d in (20, 45, 60)]
    frames = load_frames(store, until=ends[-1])
    series = FeatureSeries(frames, CONTRACT)
    try:
        for end in ends:
            replayed = series.at(end).table.column("ident_confidence").to_pylist()
            built = build_features(frames, end, CONTRACT).table.column("ident_confidence")
            assert replayed == built.to_pylist()
    finally:
        series.close()
    assert replayed == [1.0, 0.7]


def test_per_lead_cutoffs_are_respected(store: Store) -> None:
    with store.session() as s:
        lead = make_lead(s)
        make_event(s, lead, T0 + timedelta(days=1), ident_confidence=0.3)
        make_event(s, lead, T0 + timedelta(days=10), ident_confidence=1.0)
    frames = load_frames(store, until=AS_OF)
    cutoffs = pa.array([T0 + timedelta(days=5)], pa.timestamp("us"))
    (row,) = build_features(frames, AS_OF, CONTRACT, cutoffs=cutoffs).table.to_pylist()
    assert row["ident_confidence"] == 0.3


def test_null_when_the_events_carry_no_confidence(store: Store) -> None:
    with store.session() as s:
        lead = make_lead(s)
        make_event(s, lead, T0 + timedelta(days=1))
    table = build_features(load_frames(store, until=AS_OF), AS_OF, CONTRACT).table
    assert table.column("ident_confidence").to_pylist() == [None]
    assert table.schema.field("ident_confidence").type == pa.float64()
    names = [f.name for f in FEATURES if f.name != "fit"]
    assert [c for c in table.column_names if c in names] == names  # the documented order


def test_documented_and_usable_in_fit_criteria_and_the_model() -> None:
    f = feature("ident_confidence")
    assert (f.kind, f.scope) == ("float", "behaviour")
    assert "ident_confidence" in MODEL_FEATURES
    assert CONTRACT.fit[0].name == "identified_company"


@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.integers(0, 100),
            st.one_of(st.none(), st.floats(0, 1, allow_nan=False)),
        ),
        max_size=30,
    ),
    st.lists(st.integers(0, 100), min_size=4, max_size=4),
)
def test_matches_a_plain_maximum(
    events: list[tuple[int, int, float | None]], cuts: list[int]
) -> None:
    table = pa.table(
        {
            "lead_id": pa.array([e[0] for e in events], pa.int64()),
            "occurred_at": pa.array([e[1] * 1_000_000 for e in events], pa.timestamp("us")),
            "ident_confidence": pa.array([e[2] for e in events], pa.float64()),
        }
    )
    got = ident_confidence(table, np.arange(4), np.asarray(cuts, dtype=np.float64))
    for lead in range(4):
        seen = [c for lid, t, c in events if lid == lead and c is not None and t <= cuts[lead]]
        if seen:
            assert got[lead] == pytest.approx(max(seen))
        else:
            assert np.isnan(got[lead])
