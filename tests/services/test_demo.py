"""The demo end to end on a real SQLite store: every step reports; simulated sales works the MQLs
the contract's routing assigned, and the alignment report measures it; the scoring step stores a
model, scores every lead and shows the best with their reasons."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from leadqual.errors import Conflict
from leadqual.services.assignments import list_assignments, overdue
from leadqual.services.demo import run_demo
from leadqual.services.feedback_sim import DEMO_OWNERS
from leadqual.services.scoring import list_scores
from leadqual.settings import sqlite_url
from leadqual.store.database import open_store

NOW = datetime(2026, 12, 3)


@pytest.mark.slow
def test_demo_runs_every_step_and_scores(tmp_path: Path) -> None:
    store = open_store(sqlite_url(tmp_path / "demo.db"))
    try:
        report = run_demo(store, tmp_path / "data", now=NOW)
        assert report.funnel is not None and report.qualify_runs
        assert report.training is not None, report.training_note
        assert report.training.metrics["auc"] > 0.8
        scores = [v.p_win for v in report.top_scores]
        assert len(scores) == 5 and scores == sorted(scores, reverse=True)
        assert all(v.reasons for v in report.top_scores)
        assert len(list_scores(store)) == report.funnel.as_json()["leads"]
        assert report.scorecard is not None and report.scorecard.criteria
        out = report.as_json()
        assert out["training"]["version"] == 1 and "train+score" in out["seconds"]
        # Sales feedback, simulated after each month's qualification, then the alignment report.
        fb = out["feedback"]
        assert fb["accepted"] > 0 and fb["rejected"] > 0 and 0 < fb["sql"] <= fb["bant_recorded"]
        assert sum(fb["reasons"].values()) == fb["rejected"]
        al = out["alignment"]
        overall = al["overall"]
        assert overall["mqls"] == out["funnel"]["reached"]["mql"]
        assert 0.3 < overall["acceptance_rate"] < 0.9
        assert overall["undecided"] < 0.05 * overall["mqls"]  # sales worked nearly all of them
        assert sum(overall["rejection_reasons"].values()) == overall["rejected"]
        assert {"right_size", "enough_revenue", "decision_maker"} <= set(al["by_criterion"])
        assert all("rejection_reasons" in g for g in al["by_criterion"].values())
        assert sum(g["mqls"] for g in al["by_source"].values()) == overall["mqls"]
        assert al["mql_to_sql_hours"]["n"] == overall["sql"] and al["mql_to_sql_hours"]["median"]
        # Owners and deadlines came from the starter's `routing:` and `sla:` when qualify ran.
        sla = al["sla"]
        assert sla["with_deadline"] == overall["mqls"]
        assert 0.6 < sla["compliance_rate"] < 1  # most touched within 8 working hours, not all
        assert {a.owner for a in list_assignments(store, now=NOW)} == set(DEMO_OWNERS)
        assert overdue(store, now=NOW) == []
        with pytest.raises(Conflict, match="empty store"):
            run_demo(store, tmp_path / "again", now=NOW)
    finally:
        store.dispose()
