"""bench/collector.py at toy size, so it does not rot: a real uvicorn worker (the collector-only
app, and the full app) on a fresh SQLite store, every phase for a moment, and the store must hold
exactly the events acknowledged — also after some are sent again with the same ids (no timing is
asserted)."""

from __future__ import annotations

import json

import pytest

from bench import collector as bench

KEYS = {"bench", "ours", "baseline", "baseline_value", "unit", "ratio", "goal", "met"}


@pytest.mark.slow
@pytest.mark.parametrize("app", ["collector", "full"])
def test_collector_bench_runs_at_toy_size(app: str, capsys: pytest.CaptureFixture[str]) -> None:
    lines = bench.main(
        [
            "--app",
            app,
            "--seconds",
            "1",
            "--ceiling-seconds",
            "0.5",
            "--batch-seconds",
            "0.5",
            "--connections",
            "2",
            "--max-requests",
            "300",
            "--no-ip-data",
            *(["--breakdown", "--breakdown-seconds", "0.5"] if app == "collector" else []),
        ]
    )
    names = [line["bench"] for line in lines]
    assert names == ["collector_single_events", "collector_batch_events", "collector_worker_rss"]
    for line in lines:
        assert set(line) >= KEYS and isinstance(line["met"], bool)
        assert line["ours"] > 0
        assert line["app"] == app
    single, batch, _rss = lines
    assert single["verified"] and batch["verified"]  # stored == acknowledged, no error replies
    if app == "collector":  # each part served by a worker of its own, every request answered
        shares = single["breakdown_of_preflight"]
        assert set(shares) == {"drain", "unstored", "single"}
        assert all(share > 0 for share in shares.values())
    printed = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert [p["bench"] for p in printed] == names
