"""bench/ip_lookup.py at toy size, so it does not rot: it loads the real prefix table through
leadqual's loader, checks leadqual and maxminddb agree, and prints its JSON lines (no timing is
asserted — timings belong to the bench, not to a test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import ip_lookup as bench
from tests.conftest import shared_data

KEYS = {"bench", "ours", "baseline", "baseline_value", "unit", "ratio", "goal", "met"}


@pytest.mark.slow
def test_ip_lookup_bench_runs_at_toy_size(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("mmdb_writer", reason="the bench writes its mmdb with mmdb-writer")
    path = shared_data("ip-to-asn-org/ipasn_20140513.dat.gz")
    argv = [
        "--data",
        str(path),
        "--prefixes",
        "3000",
        "--lookups",
        "20000",
        "--baseline-lookups",
        "5000",
    ]
    lines = bench.main(argv)  # exits if leadqual and maxminddb disagree on any sampled address
    names = [line["bench"] for line in lines]
    assert names == ["ip_lookup_batch_ints", "ip_lookup_batch_strings", "ip_index_memory"]
    for line in lines:
        assert set(line) >= KEYS and isinstance(line["met"], bool)
        assert line["ours"] > 0 and line["baseline_value"] > 0
        assert line["prefixes"] == 3000 and line["lookups"] == 20000
    printed = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert [p["bench"] for p in printed] == names


def test_ip_lookup_bench_says_so_when_the_data_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--data", str(tmp_path / "absent.dat.gz")]) == []
    assert "skipped" in capsys.readouterr().out
