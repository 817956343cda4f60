"""bench/discover.py at toy size, so it does not rot: every part runs and prints its documented
JSON lines (no timing is asserted — timings belong to the bench, not to a test)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench import discover as bench
from leadqual.discover.conditions import Condition

EMP = {"field": "employees", "op": ">=", "value": 200}
KEYS = {"bench", "ours", "baseline", "baseline_value", "unit", "ratio", "goal", "met"}


@pytest.mark.slow
def test_discover_bench_runs_at_toy_size(capsys: pytest.CaptureFixture[str]) -> None:
    lines = bench.main(["--seeds", "1", "--accounts", "1000", "--peer-accounts", "1000",
                        "--rows", "3000", "--workers", "1"])
    names = {line["bench"] for line in lines}
    assert {"discover_recovery", "discover_one_question_100k", "discover_rules_100k"} <= names
    for line in lines:
        assert set(line) >= KEYS and isinstance(line["met"], bool)
    printed = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
    assert [p["bench"] for p in printed] == [line["bench"] for line in lines]


def test_synthetic_leads_have_forty_attributes_and_the_planted_rule_shows() -> None:
    table, label, cutoff = bench.synthetic_leads(4000, seed=2)
    assert table.num_columns == 40 and table.num_rows == 4000 == label.size == cutoff.size
    assert 0 < label.mean() < 0.2
    assert bench.plain_scan(table, label) > 0


@pytest.mark.parametrize(
    ("planted", "found", "expected"),
    [
        (EMP, Condition("employees", ">=", 215), True),
        (EMP, Condition("employees", ">=", 230), False),
        (EMP, Condition("employees", "<=", 200), False),
        ({"field": "industry", "op": "in", "value": ["a", "b"]},
         Condition("industry", "in", ("a", "b", "c")), True),
        ({"field": "industry", "op": "in", "value": ["a", "b"]},
         Condition("industry", "=", "c"), False),
    ],
)
def test_condition_matching_follows_the_documented_rule(
    planted: dict[str, object], found: Condition, expected: bool
) -> None:
    assert bench.condition_matches(planted, found) is expected


def test_a_redundant_planted_condition_may_be_missing() -> None:
    profile = [{"field": "employees", "op": ">=", "value": 60},
               {"field": "dept_marketing", "op": ">=", "value": 15}]
    found = (Condition("dept_marketing", ">=", 15.0),)
    assert not bench.rule_matches(profile, found)
    assert bench.rule_matches(profile, found, redundant=[profile[0]])
    assert not bench.rule_matches(profile[1:], (*found, Condition("country", "=", "Spain")))


def test_f1_of_predictions() -> None:
    got = bench.f1(np.array([1, 1, 0, 0], bool), np.array([1, 0, 1, 0], bool))
    assert got == (0.5, 0.5, 0.5, 2)
