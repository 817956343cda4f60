"""The vectorized evaluation agrees with a plain-Python reading of the same contract."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadqual.contract import load_contract
from leadqual.decide.evaluate import evaluate, settle
from leadqual.features.schema import FEATURES

CONTRACT = load_contract(
    """
name: Property contract
fit:
  - name: right_size
    when: employees >= 50 and employees <= 5000
    points: 30
  - name: decision_maker
    when: seniority in ('c_level', 'vp')
    points: 20
  - name: platform
    when: has_any(technologies, 'shopify')
    points: 10
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
  disqualify:
    - name: tiny
      when: employees < 3
  recycle:
    intent_below: 10
    for_days: 30
"""
)
KINDS = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
         "list": pa.list_(pa.string())}

row = st.fixed_dictionaries(
    {
        "employees": st.one_of(st.none(), st.integers(0, 20_000)),
        "seniority": st.sampled_from([None, "c_level", "vp", "manager"]),
        "technologies": st.lists(st.sampled_from(["shopify", "hubspot"]), max_size=2),
        "intent": st.floats(0, 100),
        "intent_window_start": st.floats(0, 100),
        "signals_in_window": st.integers(0, 2),
        "stage": st.sampled_from(["lead", "mql", "sal", "recycled", "opportunity", "customer"]),
        "sales_accepted": st.booleans(),
        "bant_confirmed": st.booleans(),
        "meetings_held": st.integers(0, 2),
        "won_deal": st.booleans(),
        "open_deal": st.booleans(),
        "lost_deal": st.booleans(),
    }
)


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    cols: dict[str, pa.Array] = {"lead_id": pa.array(range(len(rows)), pa.int64())}
    for f in FEATURES:
        if f.name != "fit":
            cols[f.name] = pa.array([r.get(f.name) for r in rows], KINDS[f.kind])
    for extra, kind in (("won_deal", pa.bool_()), ("open_deal", pa.bool_()),
                        ("lost_deal", pa.bool_()), ("intent_window_start", pa.float64()),
                        ("signals_in_window", pa.int64())):
        cols[extra] = pa.array([r[extra] for r in rows], kind)
    cols["intent:demo_request"] = pa.array([min(r["intent"], 40.0) for r in rows])
    return pa.table(cols)


def _fit(r: dict[str, Any]) -> float:
    e = r["employees"]
    return (30.0 if e is not None and 50 <= e <= 5000 else 0.0) + (
        20.0 if r["seniority"] in ("c_level", "vp") else 0.0
    ) + (10.0 if "shopify" in r["technologies"] else 0.0)


def _expected(r: dict[str, Any]) -> str:
    stage, fit = r["stage"], _fit(r)
    if r["won_deal"] and stage != "customer":
        return "customer"
    if r["open_deal"] and stage in ("lead", "mql", "sal", "sql", "recycled"):
        return "opportunity"
    if r["lost_deal"] and not r["open_deal"] and stage == "opportunity":
        return "recycled"
    if r["employees"] is not None and r["employees"] < 3 and stage in (
        "lead", "mql", "sal", "recycled"
    ):
        return "disqualified"
    if r["sales_accepted"] and r["bant_confirmed"] and r["meetings_held"] >= 1 and stage in (
        "mql", "sal"
    ):
        return "sql"
    if fit >= 40 and r["intent"] >= 30 and stage in ("lead", "recycled"):
        return "mql"
    if (r["intent"] < 10 and r["intent_window_start"] < 10 and r["signals_in_window"] == 0
            and stage == "mql"):
        return "recycled"
    return stage


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row, min_size=1, max_size=30))
def test_evaluation_matches_the_plain_reading(rows: list[dict[str, Any]]) -> None:
    got = evaluate(_table(rows), CONTRACT).table
    assert got["fit"].to_pylist() == [_fit(r) for r in rows]
    assert got["new_stage"].to_pylist() == [_expected(r) for r in rows]
    for r, reasons in zip(rows, got["reasons"].to_pylist(), strict=True):
        assert ("right_size (+30)" in reasons) == (
            r["employees"] is not None and 50 <= r["employees"] <= 5000
        )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row, min_size=1, max_size=30))
def test_settled_stages_are_a_fixed_point(rows: list[dict[str, Any]]) -> None:
    table = _table(rows)
    ev, moves = settle(table, CONTRACT)
    assert ev.changed.num_rows == 0
    assert ev.table["lead_id"].to_pylist() == table["lead_id"].to_pylist()
    # Leads that never moved keep their first evaluation, row for row.
    first = evaluate(table, CONTRACT).table
    moved = {m["lead_id"] for m in moves}
    keep = pa.array([i not in moved for i in table["lead_id"].to_pylist()])
    assert first.filter(keep).equals(ev.table.filter(keep))
    assert len(moves) >= sum(1 for r in rows if _expected(r) != r["stage"])
