"""bench/intent_features.py at toy size, so it does not rot: leadqual's Ibis pipeline and the
hand-written DuckDB SQL must give the same features (the bench exits otherwise), and the JSON
line is the documented one (no timing is asserted)."""

from __future__ import annotations

import json

import pytest

from bench import intent_features as bench

KEYS = {"bench", "ours", "baseline", "baseline_value", "unit", "ratio", "goal", "met"}


@pytest.mark.slow
def test_intent_features_bench_runs_at_toy_size(capsys: pytest.CaptureFixture[str]) -> None:
    lines = bench.main(["--rows", "20000", "--accounts", "150", "--repeat", "1"])
    assert [line["bench"] for line in lines] == ["intent_features"]
    (line,) = lines
    assert set(line) >= KEYS and isinstance(line["met"], bool)
    assert line["rows"] == 20000 and 0 < line["accounts"] <= 150
    printed = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert printed == [json.loads(json.dumps(line))]
