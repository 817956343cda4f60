"""The account-level intent features of the feature table (visits_30d, visitors_30d,
days_active_30d, pricing_seconds_30d, views_trend): the visitor feed's figures for the same
data, null without tracker data, computed only when a contract reads them, usable in a rule."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest

from leadqual.contract import load_contract
from leadqual.errors import InvalidInput
from leadqual.features.build import build_features, uses_intent
from leadqual.features.events import event_columns
from leadqual.features.frames import load_frames
from leadqual.features.schema import INTENT_FEATURES
from leadqual.features.series import FeatureSeries
from leadqual.ml.dataset import MODEL_FEATURES
from leadqual.services.backtest import run_backtest
from leadqual.services.contracts import apply_contract
from leadqual.services.lookup import lead_features
from leadqual.services.qualify import qualify
from leadqual.services.visitors import visitor_feed
from leadqual.store.database import Store
from leadqual.store.models import Lead
from tests.factories import T0, make_account, make_event, make_lead

AS_OF = T0 + timedelta(days=60)
FIELDS = tuple(INTENT_FEATURES)


def contract_text(
    mql: str = "visits_30d >= 3 and pricing_seconds_30d > 60", pages: str = ""
) -> str:
    return f"""
name: Intent fields
fit:
  - name: anyone
    when: employees >= 0
    points: 1
intent:
  signals:
    - name: visit
      event: page_view
      points: 1
      cap: 5
stages:
  mql: {mql}
{pages}"""


USING = load_contract(contract_text())
NOT_USING = load_contract(contract_text(mql="fit >= 1 and intent >= 1"))


def view(s: Any, lead: Lead, at: datetime, visitor: str, path: str = "/", dwell: int = 0) -> None:
    make_event(s, lead, at, visitor_id=visitor, path=path, dwell_ms=dwell, page_type=None)


def visited(store: Store) -> tuple[int, int, int]:
    """Two leads at a busy account, one at a quiet one (no views), one at an account seen only
    before the 30-day window; returns the account ids of the busy, quiet and old accounts."""
    with store.session() as s:
        busy, quiet, old = make_account(s), make_account(s), make_account(s)
        ana, bo = make_lead(s, busy), make_lead(s, busy)
        make_lead(s, quiet)
        gone = make_lead(s, old)
        day = AS_OF - timedelta(days=1)
        # ana: two sessions yesterday (40 minutes apart), a pricing read of 90 s in the first
        view(s, ana, day, "v-ana", "/pricing", 90_000)
        view(s, ana, day + timedelta(minutes=5), "v-ana", "/docs/start")
        view(s, ana, day + timedelta(minutes=45), "v-ana", "/Plans/enterprise", 30_000)
        # bo: one visit three weeks ago and one 29 days ago; one 31 days ago (outside)
        view(s, bo, AS_OF - timedelta(days=21), "v-bo", "/blog/a")
        view(s, bo, AS_OF - timedelta(days=29), "v-bo", "/product")
        view(s, bo, AS_OF - timedelta(days=31), "v-bo", "/pricing", 500_000)
        view(s, gone, AS_OF - timedelta(days=45), "v-old", "/pricing", 10_000)
        # not a page view, and a view after as-of: neither counts
        make_event(s, ana, day, type="form_submit", form_kind="demo_request", visitor_id="v-ana")
        view(s, ana, AS_OF + timedelta(hours=1), "v-ana", "/pricing", 99_000)
        return busy.id, quiet.id, old.id


def by_account(store: Store, table: pa.Table) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in table.to_pylist():
        out.setdefault(row["account_domain"], []).append(row)
    return out


def test_the_fields_equal_the_visitor_feeds_figures(store: Store) -> None:
    visited(store)
    table = build_features(load_frames(store, until=AS_OF), AS_OF, USING).table
    rows = by_account(store, table)
    feed = {c.domain: c for c in visitor_feed(store, now=AS_OF, since=timedelta(days=30))}
    assert len(feed) == 1  # the busy account; the old one was seen 45 days ago
    for domain, company in feed.items():
        for row in rows[domain]:  # every lead of the account gets the account's figures
            assert row["visits_30d"] == company.visits == 4
            assert row["visitors_30d"] == company.visitors == 2
            assert row["days_active_30d"] == company.features["days_active"] == 3
            assert row["pricing_seconds_30d"] == company.features["pricing_seconds"] == 120.0
            assert row["views_trend"] == pytest.approx(company.features["trend"])
    # 3 views in the last week against a weekly mean of 1/3 in the three weeks before (the view
    # 29 days ago is in the 30-day window but before those four weeks)
    assert rows[next(iter(feed))][0]["views_trend"] == pytest.approx((3 + 1) / (1 / 3 + 1))


def test_null_without_tracker_data(store: Store) -> None:
    visited(store)
    rows = by_account(store, build_features(load_frames(store, until=AS_OF), AS_OF, USING).table)
    quiet_rows = [r for rs in rows.values() for r in rs if r["visits_30d"] is None]
    assert len(quiet_rows) == 2  # the quiet account's lead and the one seen only long ago
    assert all(r[f] is None for r in quiet_rows for f in FIELDS)


def test_null_when_the_store_has_no_page_views(store: Store) -> None:
    with store.session() as s:
        lead = make_lead(s)
        make_event(s, lead, AS_OF - timedelta(days=1), type="email_click")
    (row,) = build_features(load_frames(store, until=AS_OF), AS_OF, USING).table.to_pylist()
    assert all(row[f] is None for f in FIELDS)


def test_computed_only_when_the_contract_reads_them_or_the_caller_asks(store: Store) -> None:
    visited(store)
    frames = load_frames(store, until=AS_OF)
    assert uses_intent(USING) and not uses_intent(NOT_USING)
    skipped = build_features(frames, AS_OF, NOT_USING).table
    assert all(v is None for f in FIELDS for v in skipped[f].to_pylist())
    asked = build_features(frames, AS_OF, NOT_USING, intent=True).table
    assert asked.select(FIELDS).equals(build_features(frames, AS_OF, USING).table.select(FIELDS))


def test_a_contract_condition_on_them_qualifies_a_lead(store: Store) -> None:
    busy, _, _ = visited(store)
    apply_contract(store, contract_text(), source="c.yaml", author="ana", now=AS_OF)
    qualify(store, as_of=AS_OF, now=AS_OF)
    with store.session() as s:
        stages = {(lead.account_id, lead.key): lead.stage for lead in s.query(Lead).all()}
    assert {k for k, v in stages.items() if v == "mql"} == {k for k in stages if k[0] == busy}


def test_the_contracts_pages_decide_what_pricing_is(store: Store) -> None:
    visited(store)
    pages = "pages:\n  pricing: ['re:^/plans/']\n  docs: [/docs*]\n"
    contract = load_contract(contract_text(pages=pages))
    table = build_features(load_frames(store, until=AS_OF), AS_OF, contract).table
    assert 30.0 in table["pricing_seconds_30d"].to_pylist()  # /Plans/enterprise only


def test_a_feature_series_gives_the_same_fields_as_a_build(store: Store) -> None:
    visited(store)
    frames = load_frames(store, until=AS_OF)
    series = FeatureSeries(frames, USING)
    try:
        for t in (AS_OF - timedelta(days=20), AS_OF):
            got = series.at(t).table.select(FIELDS)
            assert got.equals(build_features(frames, t, USING).table.select(FIELDS))
    finally:
        series.close()


def test_a_lead_cut_before_the_as_of_gets_the_figures_as_of_its_cutoff(store: Store) -> None:
    """Training cuts each lead at its own time: a lead of the busy account cut 20 days before
    as-of sees bo's three earlier views (the 30 days before its cutoff), not ana's later ones;
    one cut before any view gets nulls; leads cut at as-of get the as-of figures."""
    visited(store)
    frames = load_frames(store, until=AS_OF)
    cut = [AS_OF - timedelta(days=20), T0] + [None] * (frames.leads.num_rows - 2)
    table = build_features(frames, AS_OF, USING, cutoffs=pa.array(cut, pa.timestamp("us")))
    first, second, *rest = table.table.to_pylist()
    assert (first["visits_30d"], first["visitors_30d"], first["days_active_30d"]) == (3, 1, 3)
    assert first["pricing_seconds_30d"] == 500.0  # the /pricing read 31 days before as-of
    assert second["visits_30d"] is None
    at_as_of = build_features(frames, AS_OF, USING).table.to_pylist()[2:]
    assert [r["visits_30d"] for r in rest] == [r["visits_30d"] for r in at_as_of]


def test_frames_read_without_the_intent_columns_are_refused_with_the_fix(store: Store) -> None:
    visited(store)
    lean = load_frames(store, until=AS_OF, event_columns=event_columns(USING.intent.signals))
    with pytest.raises(InvalidInput, match=r"event_columns\(signals, intent=True\)"):
        build_features(lean, AS_OF, USING)
    full = load_frames(
        store, until=AS_OF, event_columns=event_columns(USING.intent.signals, intent=True)
    )
    assert build_features(full, AS_OF, USING).table["visits_30d"].null_count == 2


def test_the_model_uses_them() -> None:
    assert set(FIELDS) <= set(MODEL_FEATURES)


def test_a_backtest_of_a_contract_that_reads_them_runs_and_qualifies(store: Store) -> None:
    visited(store)
    run = run_backtest(store, USING, start=AS_OF - timedelta(days=40), end=AS_OF, now=AS_OF)
    assert run.report.overall["mql"] >= 1
    vs = run_backtest(store, NOT_USING, vs=USING, end=AS_OF, now=AS_OF)
    assert vs.comparison is not None


def test_one_leads_features_count_its_colleagues_visits(store: Store) -> None:
    """A hand-off action builds the features of one lead: the account figures must still count
    every visit of its account, not only that lead's own."""
    visited(store)
    with store.session() as s:
        ana, bo = (lead.id for lead in s.query(Lead).order_by(Lead.id).limit(2))
    (row,) = lead_features(store, [bo], AS_OF, USING).to_pylist()
    everyone = build_features(load_frames(store, until=AS_OF), AS_OF, USING).table.to_pylist()
    (full,) = [r for r in everyone if r["lead_id"] == bo]
    assert row["visits_30d"] == full["visits_30d"] == 4 and ana != bo
