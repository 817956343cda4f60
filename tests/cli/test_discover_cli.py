"""`leadqual discover`: the documented JSON keys, the human tables and snippet, clear refusals."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import leadqual.cli.discover  # noqa: F401  (registers the command until cli/__init__ imports it)
from leadqual.cli import app
from leadqual.errors import InvalidInput
from leadqual.services.imports import import_file
from leadqual.settings import sqlite_url
from leadqual.simulate import simulate, write_funnel
from leadqual.store.database import open_store

NOW = "2026-12-01"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("discover-cli")
    url = sqlite_url(root / "leadqual.db")
    store = open_store(url)
    paths = write_funnel(simulate(1500, 5), root / "funnel")
    for kind in ("accounts", "contacts", "events", "deals"):
        import_file(store, kind, paths[kind], now=datetime(2026, 12, 1))
    store.dispose()
    return url


def test_json_has_exactly_the_documented_keys(db: str) -> None:
    result = CliRunner().invoke(app, ["--db", db, "discover", "--now", NOW, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    required = {"base_rate", "n_leads", "n_customers", "one_question", "rules"}
    assert required <= set(doc) and set(doc) - required <= {"split", "target", "notes", "snippet"}
    for q in doc["one_question"]:
        assert {"field", "op", "value", "precision", "recall", "lift", "support", "ci"} <= set(q)
        assert q["op"] in (">=", "<=", "in", "=") and len(q["ci"]) == 2
        if q["field"] == "technologies":
            assert q["op"] == "in" and isinstance(q["value"], list)
    assert doc["rules"]
    for r in doc["rules"]:
        assert {"conditions", "precision", "recall", "support", "heldout"} <= set(r)
        assert set(r["heldout"]) >= {"precision", "recall", "support"}
        for c in r["conditions"]:
            assert set(c) == {"field", "op", "value"} and c["op"] in (">=", "<=", "in", "=")


def test_human_output_shows_tables_and_the_snippet(db: str) -> None:
    result = CliRunner().invoke(app, ["--db", db, "discover", "--now", NOW, "--top", "3"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "The one key question" in out and "Short rules" in out and "held out" in out
    assert "fit:" in out and "# alone: precision" in out


def test_bad_options_are_refused_clearly(db: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["--db", db, "discover", "--target", "precision"])
    assert isinstance(result.exception, InvalidInput)
    assert "--min-recall" in result.exception.message
    result = runner.invoke(app, ["--db", db, "discover", "--scope", "sales"])
    assert isinstance(result.exception, InvalidInput) and "scope" in result.exception.message


def test_an_empty_store_is_refused_with_the_numbers(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path / "empty.db")
    result = CliRunner().invoke(app, ["--db", db, "discover", "--now", NOW])
    assert isinstance(result.exception, InvalidInput)
    assert "at least 30 customers" in result.exception.message
