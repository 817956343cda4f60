"""Contributions add up to the model's log-odds and are mapped back to documented features."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from leadqual.ml.dataset import FeatureEncoder
from leadqual.ml.explain import describe, field_contributions, top_reasons
from leadqual.ml.model import LeadScorer


def _table(n: int, seed: int = 0) -> tuple[pa.Table, np.ndarray]:
    rng = np.random.default_rng(seed)
    industry = rng.choice(["software", "retail", "banking"], n)
    revenue = rng.lognormal(15, 1, n)
    pricing = rng.poisson(1, n)
    logit = -2 + (industry == "software") * 1.5 + 0.8 * pricing + 0.3 * np.log(revenue / 3e6)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    table = pa.table(
        {
            "industry": industry.tolist(),
            "annual_revenue": revenue,
            "pricing_views_30d": pricing.astype(np.int64),
        }
    )
    return table, y


def test_contributions_sum_to_the_log_odds_and_map_to_fields() -> None:
    table, y = _table(2000)
    enc = FeatureEncoder(["industry", "annual_revenue", "pricing_views_30d"]).fit(table)
    x = enc.transform(table)
    model = LeadScorer(n_estimators=60).fit(x, y)
    contrib = model.contributions(x)
    assert np.allclose(contrib.sum(axis=1), model.decision_function(x), atol=1e-6)
    raw = model.booster_.predict(x, pred_contrib=True)
    assert np.allclose(raw.sum(axis=1), model.raw_log_odds(x), atol=1e-6)
    fields, per_field, base = field_contributions(contrib, enc.sources_)
    assert fields == ["industry", "annual_revenue", "pricing_views_30d"]
    assert np.allclose(per_field.sum(axis=1) + base, model.decision_function(x), atol=1e-6)
    reasons = top_reasons(table.slice(0, 5), fields, per_field[:5], k=2)
    assert all(len(r) == 2 for r in reasons)
    first = reasons[0][0]
    assert first.feature in fields and abs(first.contribution) >= abs(reasons[0][1].contribution)
    assert first.text.endswith(f"{first.contribution:+.2f}")
    assert first.value == table.column(first.feature)[0].as_py()


def test_reasons_read_as_plain_words() -> None:
    assert describe("annual_revenue", 4_200_000.0, 0.18) == "annual revenue 4,200,000: +0.18"
    assert describe("pricing_views_30d", 3, 0.121) == "pricing views (30 days) 3: +0.12"
    assert describe("technologies", ["shopify", "hubspot"], -0.05) == (
        "technologies shopify, hubspot: -0.05"
    )
    assert describe("employees", None, 0.0) == "employees unknown: +0.00"
