"""Qualification of 1M leads with precomputed features: leadqual's contract evaluation against the
same conditions hand-written in DuckDB's own SQL, each in a fresh process (time and peak memory).
Both sides start from the same Parquet file read into Arrow, as qualify gets its feature table.

    python -m bench.qualify [--leads N] [--quick]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bench.report import emit, in_child
from leadqual.contract import load_contract
from leadqual.decide.evaluate import evaluate
from leadqual.duck import connect
from leadqual.features.schema import FEATURES

CONTRACT = """
name: Bench contract
fit:
  - name: right_size
    when: employees >= 50 and employees <= 5000
    points: 25
  - name: revenue
    when: annual_revenue >= 5000000
    points: 20
  - name: industry
    when: industry in ('software', 'retail', 'ecommerce')
    points: 15
  - name: platform
    when: has_any(technologies, 'shopify', 'bigcommerce')
    points: 15
  - name: decision_maker
    when: seniority in ('c_level', 'vp', 'director')
    points: 15
intent:
  half_life_days: 14
  signals:
    - name: pricing_visit
      event: page_view
      where: page_type = 'pricing'
      points: 10
      cap: 30
    - name: demo_request
      event: form_submit
      where: form_kind = 'demo_request'
      points: 40
      cap: 40
stages:
  mql: fit >= 40 and intent >= 30
  sql: sales_accepted and bant_confirmed and meetings_held >= 1
  disqualify:
    - name: student
      when: job_title ilike '%student%'
  recycle:
    intent_below: 10
    for_days: 30
"""

HAND_WRITTEN = """
WITH c AS (
  SELECT *,
    COALESCE(employees >= 50 AND employees <= 5000, FALSE) AS c1,
    COALESCE(annual_revenue >= 5000000, FALSE) AS c2,
    COALESCE(industry IN ('software', 'retail', 'ecommerce'), FALSE) AS c3,
    COALESCE(list_has_any(technologies, ['shopify', 'bigcommerce']), FALSE) AS c4,
    COALESCE(seniority IN ('c_level', 'vp', 'director'), FALSE) AS c5
  FROM features
), s AS (
  SELECT *, (CASE WHEN c1 THEN 25 ELSE 0 END) + (CASE WHEN c2 THEN 20 ELSE 0 END)
    + (CASE WHEN c3 THEN 15 ELSE 0 END) + (CASE WHEN c4 THEN 15 ELSE 0 END)
    + (CASE WHEN c5 THEN 15 ELSE 0 END) AS fit
  FROM c
), r AS (
  SELECT *, COALESCE(fit >= 40 AND intent >= 30, FALSE) AS is_mql,
    COALESCE(sales_accepted AND bant_confirmed AND meetings_held >= 1, FALSE) AS is_sql,
    CASE WHEN COALESCE(job_title ILIKE '%student%', FALSE) THEN 'student' END AS disq,
    intent < 10 AND intent_window_start < 10 AND signals_in_window = 0 AS recycle
  FROM s
)
SELECT lead_id, stage, intent, fit, c1, c2, c3, c4, c5, is_mql, is_sql, disq, recycle,
  CASE
    WHEN won_deal AND stage <> 'customer' THEN 'customer'
    WHEN open_deal AND stage IN ('lead', 'mql', 'sal', 'sql', 'recycled') THEN 'opportunity'
    WHEN lost_deal AND NOT open_deal AND stage = 'opportunity' THEN 'recycled'
    WHEN disq IS NOT NULL AND stage IN ('lead', 'mql', 'sal', 'recycled') THEN 'disqualified'
    WHEN is_sql AND stage IN ('mql', 'sal') THEN 'sql'
    WHEN is_mql AND stage IN ('lead', 'recycled') THEN 'mql'
    WHEN recycle AND stage = 'mql' THEN 'recycled'
    ELSE stage
  END AS new_stage,
  list_filter([
    CASE WHEN c1 THEN 'right_size (+25)' END, CASE WHEN c2 THEN 'revenue (+20)' END,
    CASE WHEN c3 THEN 'industry (+15)' END, CASE WHEN c4 THEN 'platform (+15)' END,
    CASE WHEN c5 THEN 'decision_maker (+15)' END,
    CASE WHEN "intent:pricing_visit" >= 0.05
      THEN 'pricing_visit (+' || CAST(round("intent:pricing_visit", 1) AS VARCHAR) || ')' END,
    CASE WHEN "intent:demo_request" >= 0.05
      THEN 'demo_request (+' || CAST(round("intent:demo_request", 1) AS VARCHAR) || ')' END
  ], lambda x: x IS NOT NULL) AS reasons
FROM r ORDER BY lead_id
"""


def synthetic_features(n: int, seed: int = 1) -> pa.Table:
    """A feature table of ``n`` leads with every column qualification reads."""
    rng = np.random.default_rng(seed)
    employees = np.exp(rng.normal(4.8, 1.5, n)).astype(np.int64) + 1
    techs = np.array(["shopify", "bigcommerce", "hubspot", "salesforce", "segment", "magento"])
    tech_lists = [list(techs[rng.random(6) < 0.2]) for _ in range(min(n, 4096))]
    industries = np.array(["software", "retail", "ecommerce", "healthcare", "education", "media"])
    seniorities = np.array(["c_level", "vp", "director", "manager", "individual", None])
    stages = np.array(["lead", "mql", "sal", "sql", "recycled", "opportunity"])
    titles = np.array(["CEO", "VP Marketing", "Student", "Engineer", "Head of Growth"])
    cols: dict[str, pa.Array] = {"lead_id": pa.array(np.arange(n, dtype=np.int64))}
    for f in FEATURES:
        if f.name == "fit":
            continue
        if f.name == "technologies":
            cols[f.name] = pa.array([tech_lists[i % len(tech_lists)] for i in range(n)])
        elif f.name == "employees":
            cols[f.name] = pa.array(employees)
        elif f.name == "annual_revenue":
            cols[f.name] = pa.array(employees * np.exp(rng.normal(12, 0.5, n)))
        elif f.name == "industry":
            cols[f.name] = pa.array(industries[rng.integers(0, len(industries), n)])
        elif f.name == "seniority":
            cols[f.name] = pa.array(seniorities[rng.integers(0, len(seniorities), n)])
        elif f.name == "job_title":
            cols[f.name] = pa.array(titles[rng.integers(0, len(titles), n)])
        elif f.name == "stage":
            cols[f.name] = pa.array(stages[rng.integers(0, len(stages), n)])
        elif f.name == "intent":
            cols[f.name] = pa.array(rng.exponential(20, n))
        elif f.kind == "str":
            cols[f.name] = pa.array(np.char.add("v", rng.integers(0, 50, n).astype(str)))
        elif f.kind == "int":
            cols[f.name] = pa.array(rng.poisson(3, n).astype(np.int64))
        elif f.kind == "float":
            cols[f.name] = pa.array(rng.exponential(10, n))
        elif f.kind == "bool":
            cols[f.name] = pa.array(rng.random(n) < 0.3)
    for flag in ("won_deal", "open_deal", "lost_deal"):
        cols[flag] = pa.array(rng.random(n) < 0.02)
    cols["intent_window_start"] = pa.array(rng.exponential(20, n))
    cols["signals_in_window"] = pa.array(rng.poisson(1, n).astype(np.int64))
    cols["intent:pricing_visit"] = pa.array(rng.exponential(8, n))
    cols["intent:demo_request"] = pa.array(np.where(rng.random(n) < 0.1, 40.0, 0.0))
    return pa.table(cols)


def run_ours(path: str) -> tuple[int, list[str]]:
    contract = load_contract(CONTRACT, source="bench contract")
    ev = evaluate(pq.read_table(path), contract)
    return ev.table.num_rows, ev.table["new_stage"].to_pylist()[:1000]


def run_hand_written(path: str) -> tuple[int, list[str]]:
    con = connect()
    con.register("features", pq.read_table(path))
    got = con.sql(HAND_WRITTEN).to_arrow_table()
    return got.num_rows, got["new_stage"].to_pylist()[:1000]


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="200k leads")
    args = parser.parse_args(argv)
    n = 200_000 if args.quick else args.leads
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "features.parquet")
        pq.write_table(synthetic_features(n), path)
        ours_s, ours_mb, ours_out = in_child(run_ours, path)
        base_s, base_mb, base_out = in_child(run_hand_written, path)
    if ours_out != base_out:
        raise SystemExit("qualify bench: leadqual and the hand-written SQL disagree")
    print(f"qualify {n:,} leads   leadqual {ours_s:6.2f} s {ours_mb:7.0f} MB peak")
    print(f"{'':21}hand-written DuckDB SQL {base_s:6.2f} s {base_mb:7.0f} MB peak")
    scale = 1_000_000 / n
    return [
        emit(
            "qualify_1m",
            ours_s,
            "hand-written DuckDB SQL",
            base_s,
            goal="<= 2x hand-written, < 10 s for 1M",
            met=ours_s <= 2 * base_s and ours_s * scale < 10,
            leads=n,
        ),
        emit(
            "qualify_1m_peak_memory",
            ours_mb,
            "hand-written DuckDB SQL",
            base_mb,
            unit="MB",
            goal="< 1500 MB for 1M",
            met=ours_mb < 1500,
            leads=n,
        ),
    ]


if __name__ == "__main__":
    main()
