"""bench/scoring.py at toy size, so it does not rot: every part runs and prints its documented
JSON lines (no timing is asserted — timings belong to the bench, not to a test)."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from bench import scoring as bench
from bench.odoo_nb import OdooNaiveBayes
from leadqual.ml.dataset import MODEL_FEATURES
from tests.conftest import shared_data

KEYS = {"bench", "ours", "baseline", "baseline_value", "unit", "ratio", "goal", "met"}


@pytest.mark.slow
def test_scoring_bench_runs_at_toy_size(capsys: pytest.CaptureFixture[str]) -> None:
    shared_data("x-education-leads/Leads.csv")
    shared_data("uci-online-shoppers-intention/online_shoppers_intention.csv")
    lines = bench.main(
        [
            "--train-rows",
            "2000",
            "--score-rows",
            "300",
            "--chunk",
            "100",
            "--accounts",
            "1500",
            "--repeats",
            "1",
        ]
    )
    names = [line["bench"] for line in lines]
    assert names == [
        "x_education_auc",
        "x_education_auc_vs_published",
        "shoppers_roc_auc",
        "shoppers_pr_auc",
        "simulated_auc_vs_bayes",
        "train_100k",
        "score_1m",
        "score_1m_peak_memory",
    ]
    for line in lines:
        assert set(line) >= KEYS and isinstance(line["met"], bool)
    printed = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert [p["bench"] for p in printed] == names


def test_x_education_drops_the_leaky_columns_and_reads_select_as_missing() -> None:
    table, y = bench.read_x_education(shared_data("x-education-leads/Leads.csv"))
    assert table.num_rows == y.size == 9240
    assert 0.3 < y.mean() < 0.45
    for name in table.column_names:
        assert name not in bench.LEAKY and not name.startswith("Asymmetrique")
        assert name not in ("converted", "prospect_id", "lead_number")
        if pa.types.is_string(table.column(name).type):
            assert "Select" not in table.column(name).to_pylist()
    assert table.column("specialization").null_count > 0


def test_x_education_through_the_import_is_the_file_itself() -> None:
    """The generic import (mapping → store → attributes) loses and changes nothing: every column,
    value and missing value is what reading the CSV straight gives, in the file's order."""
    path = shared_data("x-education-leads/Leads.csv")
    imported, y = bench.read_x_education(path)
    direct, y_direct = bench.read_x_education_csv(path)
    assert (y == y_direct).all() and imported.num_columns == direct.num_columns == 26
    for ours, theirs in zip(imported.column_names, direct.column_names, strict=True):
        want = direct.column(theirs).to_pylist()
        if not pa.types.is_string(direct.column(theirs).type):
            want = [None if v is None else float(v) for v in want]
        assert imported.column(ours).to_pylist() == want, ours


def test_odoo_naive_bayes_follows_the_frequencies() -> None:
    t = pa.table({"source": ["ad"] * 30 + ["seo"] * 30, "visits": list(range(60))})
    y = np.array([1] * 25 + [0] * 5 + [1] * 5 + [0] * 25)
    p = OdooNaiveBayes(bins=4).fit(t, y).predict_proba(t)
    assert p[:30].mean() > 0.7 > 0.3 > p[30:].mean()
    assert ((p > 0) & (p < 1)).all()
    # An empty or never-seen value leaves the prior (and the other fields) alone.
    unseen = pa.table({"source": pa.array([None, "mail"], pa.string()), "visits": [None, None]})
    assert np.allclose(OdooNaiveBayes().fit(t, y).predict_proba(unseen), 0.5)


def test_synthetic_leads_have_the_model_columns_and_a_signal() -> None:
    table, y = bench.synthetic_leads(3000, seed=3)
    assert tuple(table.column_names) == MODEL_FEATURES and table.num_rows == y.size
    assert 0.05 < y.mean() < 0.7
