"""Training examples: cutoffs, labels within the horizon, the encoder, the time split, and that
nothing after a lead's cutoff reaches its features."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from leadqual.contract import load_contract, starter_contract_text
from leadqual.features.build import build_features
from leadqual.features.frames import load_frames
from leadqual.features.schema import FEATURES
from leadqual.ml.dataset import (
    MODEL_FEATURES,
    FeatureEncoder,
    label_examples,
    outcome_times,
    time_split,
)
from leadqual.store.database import Store
from leadqual.store.models import Deal
from tests.factories import T0, make_event, make_lead

TS = pa.timestamp("us")


def _us(t: datetime) -> int:
    return int(np.datetime64(t, "us").astype(np.int64))


def test_model_features_leave_out_sales_score_and_identity() -> None:
    scope = {f.name: f.scope for f in FEATURES}
    assert {scope[n] for n in MODEL_FEATURES} <= {"firmographic", "persona", "behaviour"}
    for leaky in ("stage", "sales_accepted", "bant_confirmed", "fit", "intent", "p_win", "key"):
        assert leaky not in MODEL_FEATURES
    assert "annual_revenue" in MODEL_FEATURES and "pricing_views_30d" in MODEL_FEATURES


def test_labels_count_only_the_horizon_after_the_cutoff() -> None:
    created = pa.array([T0] * 4, TS)
    never = np.iinfo(np.int64).max
    won = np.array(
        [
            _us(T0 + timedelta(days=60)),  # within cutoff (day 30) + 90 days
            _us(T0 + timedelta(days=200)),  # after the horizon: a negative
            _us(T0 + timedelta(days=10)),  # before the cutoff: already reached, left out
            never,
        ]
    )
    ex = label_examples(created, won, until=T0 + timedelta(days=365), horizon_days=90)
    assert ex.keep.tolist() == [True, True, False, True]
    assert ex.label.tolist() == [True, False, False, False]
    assert ex.already_reached == 1


def test_leads_whose_horizon_has_not_ended_are_left_out() -> None:
    created = pa.array([T0, T0 + timedelta(days=300)], TS)
    never = np.full(2, np.iinfo(np.int64).max)
    ex = label_examples(created, never, until=T0 + timedelta(days=365), horizon_days=90)
    assert ex.keep.tolist() == [True, False] and ex.not_known_yet == 1


def test_one_cutoff_for_every_lead_with_as_of() -> None:
    created = pa.array([T0, T0 + timedelta(days=50)], TS)
    never = np.full(2, np.iinfo(np.int64).max)
    as_of = T0 + timedelta(days=40)
    ex = label_examples(
        created, never, until=T0 + timedelta(days=365), horizon_days=90, as_of=as_of
    )
    assert ex.keep.tolist() == [True, False]  # the second lead did not exist yet
    assert ex.cutoff[0] == np.datetime64(as_of, "us")


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=60), st.floats(0.0, 0.9))
def test_time_split_puts_later_leads_in_test(created: list[int], fraction: float) -> None:
    arr = np.array(created)
    tr, te = time_split(arr, fraction)
    assert sorted(tr.tolist() + te.tolist()) == list(range(arr.size))
    if tr.size and te.size:
        assert arr[tr].max() <= arr[te].min()


def test_outcome_times_take_the_first_won_close() -> None:
    deals = pa.table(
        {
            "lead_id": [1, 1, 2],
            "stage": ["won", "won", "lost"],
            "created_at": pa.array([T0, T0, T0], TS),
            "closed_at": pa.array([T0 + timedelta(days=9), T0 + timedelta(days=3), T0], TS),
        }
    )
    got = outcome_times(np.array([1, 2]), deals, "won")
    assert got[0] == _us(T0 + timedelta(days=3)) and got[1] == np.iinfo(np.int64).max
    sql = outcome_times(np.array([1, 2]), deals, "sql")
    assert sql.tolist() == [_us(T0), _us(T0)]


def test_encoder_one_hots_top_values_and_keeps_numbers() -> None:
    t = pa.table(
        {
            "industry": ["software", "software", "retail", None],
            "technologies": [["shopify", "hubspot"], ["shopify"], [], None],
            "employees": [10, None, 30, 40],
        }
    )
    enc = FeatureEncoder(["industry", "technologies", "employees"], min_count=2).fit(t)
    assert enc.names_ == ["industry=software", "technologies=shopify", "employees"]
    assert enc.sources_ == ["industry", "technologies", "employees"]
    x = enc.transform(t)
    assert x[:, 0].tolist() == [1, 1, 0, 0] and x[:, 1].tolist() == [1, 1, 0, 0]
    assert np.isnan(x[1, 2]) and x[3, 2] == 40


def test_no_leakage_an_event_after_the_cutoff_is_not_seen(sqlite_store: Store) -> None:
    """A demo request after the lead's cutoff would reveal the deal that follows it: the
    training row (as of the cutoff) must not count it, though the row as of now does."""
    with sqlite_store.session() as s:
        lead = make_lead(s, created_at=T0)
        make_event(s, lead, T0 + timedelta(days=5), type="page_view", page_type="pricing")
        make_event(s, lead, T0 + timedelta(days=40), type="form_submit", form_kind="demo_request")
        s.add(
            Deal(
                external_id="d1",
                lead_id=lead.id,
                stage="won",
                created_at=T0 + timedelta(days=41),
                closed_at=T0 + timedelta(days=60),
            )
        )
    now = T0 + timedelta(days=200)
    frames = load_frames(sqlite_store, until=now)
    ids = frames.leads.column("lead_id").to_numpy()
    ex = label_examples(
        frames.leads.column("created_at"),
        outcome_times(ids, frames.deals, "won"),
        until=now,
        horizon_days=90,
    )
    assert ex.label.tolist() == [True]
    contract = load_contract(starter_contract_text())
    row = build_features(frames, now, contract, cutoffs=pa.array(ex.cutoff, TS)).table
    assert row.column("demo_requests_90d").to_pylist() == [0]
    assert row.column("pricing_views_30d").to_pylist() == [1]
    x = FeatureEncoder().fit(row).transform(row)
    assert x[0, FeatureEncoder().fit(row).names_.index("demo_requests_90d")] == 0
    later = build_features(frames, T0 + timedelta(days=45), contract).table
    assert later.column("demo_requests_90d").to_pylist() == [1]
