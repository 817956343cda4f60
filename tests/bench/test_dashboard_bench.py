"""bench/dashboard.py at toy size, so it does not rot: every page answers and prints its
documented JSON line (no timing is asserted — timings belong to the bench, not to a test)."""

from __future__ import annotations

import json

import pytest

from bench import dashboard as bench

KEYS = {"bench", "ours", "baseline", "baseline_value", "unit", "ratio", "goal", "met"}


@pytest.mark.slow
def test_dashboard_bench_runs_at_toy_size(capsys: pytest.CaptureFixture[str]) -> None:
    lines = bench.main(["--leads", "300", "--repeats", "1"])
    assert [line["bench"] for line in lines] == [f"dashboard_{p}" for p in bench.PAGES]
    for line in lines:
        assert set(line) >= KEYS and isinstance(line["met"], bool) and line["leads"] == 300
    printed = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert [p["bench"] for p in printed] == [line["bench"] for line in lines]


def test_an_unknown_page_is_refused() -> None:
    with pytest.raises(SystemExit):
        bench.main(["--leads", "10", "--pages", "nope"])
