"""`leadqual train` and `leadqual score` through the CLI, with their JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import leadqual.cli  # registers the other commands
import leadqual.cli.score
import leadqual.cli.train  # noqa: F401
from leadqual.cli.common import app
from leadqual.errors import InvalidInput, NotFound
from leadqual.store.database import open_store
from tests.ml.simhistory import import_history, write_history

runner = CliRunner()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_history(tmp_path_factory.mktemp("cli"), accounts=600)


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_train_then_score_json(db_url: str, history: dict[str, Path]) -> None:
    store = open_store(db_url)
    import_history(store, history)
    store.dispose()

    trained = json.loads(_run("--db", db_url, "train", "--target", "sql", "--json"))
    assert trained["version"] == 1 and trained["target"] == "sql"
    assert set(trained["metrics"]) == {"auc", "log_loss", "ece", "n_train", "n_test"}
    assert "Held-out metrics" in _run("--db", db_url, "train", "--target", "sql", "--horizon", "60")

    scores = json.loads(_run("--db", db_url, "score", "--json"))
    leads = json.loads(_run("--db", db_url, "leads", "--json"))
    assert {s["key"] for s in scores} == {lead["key"] for lead in leads}
    for s in scores:
        assert set(s) == {"key", "p_win", "reasons"}
        assert all(set(r) == {"feature", "value", "contribution", "text"} for r in s["reasons"])
    top = json.loads(_run("--db", db_url, "score", "--model", "1", "--top", "3", "--json"))
    assert len(top) == 3 and top[0]["p_win"] >= top[2]["p_win"]
    assert "log-odds" in _run("--db", db_url, "score", "--top", "2")


def test_clear_errors(sqlite_db_url: str) -> None:
    result = runner.invoke(app, ["--db", sqlite_db_url, "score"])
    assert isinstance(result.exception, NotFound)
    assert "run `leadqual train` first" in result.exception.message
    result = runner.invoke(app, ["--db", sqlite_db_url, "train"])
    assert isinstance(result.exception, InvalidInput)
    assert "only 0 of 0 usable leads became customers" in result.exception.message
