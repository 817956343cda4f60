"""bench/intent_features.py at toy size, so it does not rot: leadqual's Ibis pipeline and the
hand-written DuckDB SQL must give the same features, and so must a time per row and a run per
cutoff (the bench exits otherwise); the JSON lines are the documented ones (no timing is
asserted)."""

from __future__ import annotations

import json

import pytest

from bench import intent_features as bench

KEYS = {"bench", "ours", "baseline", "baseline_value", "unit", "ratio", "goal", "met"}


@pytest.mark.slow
def test_intent_features_bench_runs_at_toy_size(capsys: pytest.CaptureFixture[str]) -> None:
    lines = bench.main(
        ["--rows", "20000", "--accounts", "150", "--repeat", "1", "--cutoffs", "300"]
    )
    assert [line["bench"] for line in lines] == ["intent_features", "intent_features_per_row"]
    line, per_row = lines
    for one in lines:
        assert set(one) >= KEYS and isinstance(one["met"], bool)
    assert line["rows"] == 20000 and 0 < line["accounts"] <= 150
    # the per-row run and a run per cutoff agreed on every row (the bench exits otherwise)
    assert per_row["cutoffs"] == 300 and per_row["distinct_cutoffs"] == bench.CUTOFF_DAYS
    printed = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert printed == [json.loads(json.dumps(one)) for one in lines]
