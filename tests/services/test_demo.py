"""The demo end to end on a real SQLite store: every step reports, and the scoring step stores a
model, scores every lead and shows the best with their reasons."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from leadqual.errors import Conflict
from leadqual.services.demo import run_demo
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
        with pytest.raises(Conflict, match="empty store"):
            run_demo(store, tmp_path / "again", now=NOW)
    finally:
        store.dispose()
