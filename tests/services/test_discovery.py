"""Discovery on a real store (SQLite and PostgreSQL): it recovers the simulator's planted profile,
runs on the real Maven CRM data with consistent figures, and refuses too little history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from leadqual.discover.conditions import Condition
from leadqual.discover.report import DiscoveryReport
from leadqual.errors import InvalidInput
from leadqual.services.discovery import discover
from leadqual.services.imports import import_file
from leadqual.simulate import simulate, write_funnel
from leadqual.simulate.profile import MIN_EFFECT, condition_effects
from leadqual.store.database import Store
from tests.conftest import shared_data
from tests.factories import T0, make_deal, make_lead

NOW = datetime(2026, 12, 1)
MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"
THRESHOLD_TOLERANCE = 0.10
MIN_JACCARD = 0.5


def condition_matches(planted: dict[str, Any], found: Condition) -> bool:
    """The matching rule (docs/discovery.md): same field; a number with the same op within 10%
    of the planted threshold; a value set (``in`` or ``=``) whose Jaccard overlap with the
    planted set is at least 1/2."""
    if planted["field"] != found.field:
        return False
    if planted["op"] in (">=", "<="):
        value = float(planted["value"])
        return found.op == planted["op"] and abs(float(found.value) - value) <= (
            THRESHOLD_TOLERANCE * abs(value))
    if found.op not in ("in", "="):
        return False
    want = set(planted["value"]) if planted["op"] == "in" else {planted["value"]}
    got = set(found.value) if found.op == "in" else {found.value}
    return len(want & got) / len(want | got) >= MIN_JACCARD


def rule_matches(profile: Sequence[dict[str, Any]], conditions: Sequence[Condition]) -> bool:
    """Every planted condition is matched by its own found condition, and nothing is left
    over. (The simulator plants only conditions that each remove at least 20% of what the
    others match — docs/simulate.md — so no planted condition is optional.)"""
    left = list(conditions)
    for planted in profile:
        hit = next((c for c in left if condition_matches(planted, c)), None)
        if hit is None:
            return False
        left.remove(hit)
    return not left


@dataclass(frozen=True)
class Planted:
    profile: list[dict[str, Any]]


def load_simulated(store: Store, tmp_path: Path, accounts: int, seed: int) -> Planted:
    funnel = simulate(accounts, seed)
    paths = write_funnel(funnel, tmp_path / f"funnel-{seed}")
    for kind in ("accounts", "contacts", "events", "deals"):
        import_file(store, kind, paths[kind], now=NOW)
    # identifiable by construction: every planted condition matters
    assert min(condition_effects(funnel.profile, funnel.accounts)) >= MIN_EFFECT
    return Planted(list(funnel.truth["profile"]))


def recovered(report: DiscoveryReport, planted: Planted) -> bool:
    """The best rule, or the best rule with as many conditions as the planted profile
    (docs/discovery.md, "Checking it against a known answer")."""
    candidates = [report.rules[0].conditions]
    candidates += [r.conditions for r in report.rules
                   if len(r.conditions) == len(planted.profile)][:1]
    return any(rule_matches(planted.profile, conds) for conds in candidates)


# Seeds fixed in advance (0, 1, 2), not picked from the results; bench/ measures 0..9.
@pytest.mark.parametrize("seed", [1, 2])
def test_discovery_recovers_the_planted_profile(
    sqlite_store: Store, tmp_path: Path, seed: int
) -> None:
    planted = load_simulated(sqlite_store, tmp_path, 2000, seed)
    assert recovered(discover(sqlite_store, now=NOW), planted), planted


def test_discovery_on_both_stores(store: Store, tmp_path: Path) -> None:
    # seed 0 of the recovery seeds, on SQLite and on PostgreSQL
    planted = load_simulated(store, tmp_path, 2000, 0)
    report = discover(store, now=NOW)
    assert recovered(report, planted), planted
    doc = report.as_json()
    assert doc["n_customers"] >= 30 and doc["split"]["heldout"]["customers"] > 0
    assert any("younger than" in note for note in report.notes)


def test_too_few_customers_are_refused(store: Store) -> None:
    with store.session() as s:
        for i in range(40):
            lead = make_lead(s, created_at=T0)
            make_deal(s, lead, stage="won" if i % 4 == 0 else "lost",
                      created_at=T0 + timedelta(days=20), closed_at=T0 + timedelta(days=50))
    with pytest.raises(InvalidInput) as err:
        discover(store, now=datetime(2026, 6, 1))
    assert "at least 30 customers" in err.value.message and "10 in all" in err.value.message


def test_maven_real_data_runs_on_account_leads_with_consistent_figures(store: Store) -> None:
    accounts = shared_data("maven-crm-sales-opportunities/accounts.csv")
    pipeline = shared_data("maven-crm-sales-opportunities/sales_pipeline.csv")
    now = datetime(2026, 3, 1)
    import_file(store, "accounts", accounts, mapping=MAPPINGS / "maven-accounts.yaml", now=now)
    import_file(store, "deals", pipeline, mapping=MAPPINGS / "maven-deals.yaml", now=now)
    # Maven's deals name an account only: discovery makes each such account an account lead.
    report = discover(store, now=now, min_support=5)
    doc = report.as_json()
    split = doc["split"]
    assert split["all"]["leads"] <= 85
    assert split["train"]["leads"] + split["heldout"]["leads"] == split["all"]["leads"]
    assert doc["n_leads"] == split["train"]["leads"]
    assert doc["base_rate"] == pytest.approx(doc["n_customers"] / doc["n_leads"], abs=1e-6)
    assert doc["one_question"], "the one-question table is empty"
    for entry in doc["one_question"] + doc["rules"]:
        assert 0 <= entry["precision"] <= 1 and 0 <= entry["recall"] <= 1
        assert entry["ci"][0] <= entry["precision"] <= entry["ci"][1]
        assert entry["customers"] <= entry["support"] <= doc["n_leads"]
        assert entry["lift"] == pytest.approx(entry["precision"] / doc["base_rate"], rel=1e-4)
        held = entry["heldout"]
        assert held["customers"] <= held["support"] <= split["heldout"]["leads"]
