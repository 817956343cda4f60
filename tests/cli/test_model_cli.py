"""`leadqual model scorecard` and `leadqual model report` through the CLI, with their JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import leadqual.cli  # noqa: F401  (registers every command)
from leadqual.cli.common import app
from leadqual.errors import NotFound
from leadqual.store.database import open_store
from tests.ml.simhistory import import_history, write_history

runner = CliRunner()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_history(tmp_path_factory.mktemp("model-cli"), accounts=600)


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_scorecard_and_report(sqlite_db_url: str, history: dict[str, Path], tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", sqlite_db_url, "model", "report"])
    assert isinstance(result.exception, NotFound)
    store = open_store(sqlite_db_url)
    import_history(store, history)
    store.dispose()

    card = json.loads(
        _run("--db", sqlite_db_url, "model", "scorecard", "--target", "sql", "--json")
    )
    assert card["criteria"] and card["fit_yaml"].lstrip().startswith("#")
    assert all(isinstance(c["points"], int) and c["points"] != 0 for c in card["criteria"])
    text = _run("--db", sqlite_db_url, "model", "scorecard", "--target", "sql")
    assert "Held-out ROC AUC" in text and "fit:" in text

    _run("--db", sqlite_db_url, "train", "--target", "sql", "--json")
    out = tmp_path / "report"
    report = json.loads(_run("--db", sqlite_db_url, "model", "report", "--out", str(out), "--json"))
    assert report["model_version"] == 1 and "p_win" in report["drift"]
    assert (out / "model-v1-report.png").exists() and (out / "model-v1-report.html").exists()
    assert "Calibration" in _run("--db", sqlite_db_url, "model", "report")
