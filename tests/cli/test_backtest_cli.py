"""`leadqual backtest` end to end: --json keys, --vs, --chart, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

# Importing the command modules registers them (`backtest` until cli/__init__ imports it).
import leadqual.cli
import leadqual.cli.backtest  # noqa: F401
from leadqual.cli.common import app
from leadqual.contract import starter_contract_text
from leadqual.settings import sqlite_url
from leadqual.store.database import open_store
from tests.backtest.simstore import STRICT_MQL, import_simulated, write_simulated

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("cli")
    url = sqlite_url(tmp / "store.db")
    store = open_store(url)
    import_simulated(store, write_simulated(tmp / "data", accounts=100, seed=11))
    store.dispose()
    return url


@pytest.fixture
def contracts(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    text = starter_contract_text()
    a.write_text(text)
    b.write_text(text.replace("mql: fit >= 40 and intent >= 30", f"mql: {STRICT_MQL}"))
    return a, b


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_json_has_exactly_the_documented_keys(db: str, contracts: tuple[Path, Path]) -> None:
    out = json.loads(
        _run(
            "--db",
            db,
            "backtest",
            str(contracts[0]),
            "--json",
            "--from",
            "2026-01-01",
            "--to",
            "2026-06-30",
        )
    )
    assert set(out) == {
        "contract",
        "contract_sha256",
        "from",
        "to",
        "overall",
        "months",
        "missed",
        "never_bought",
    }
    assert {"mql", "sql", "won", "precision", "recall", "median_days_to_won"} <= set(out["overall"])
    assert [m["month"] for m in out["months"]] == [f"2026-0{i}" for i in range(1, 7)]
    assert set(out["months"][0]) == {
        "month",
        "as_of",
        "leads",
        "mql",
        "sql",
        "won",
        "mql_to_sql",
        "mql_to_won",
        "customers_won",
    }
    for c in out["missed"]:
        assert set(c) == {
            "key",
            "account",
            "won_at",
            "deal_created_at",
            "amount",
            "fit",
            "intent",
            "stage",
            "why",
        }
    for n in out["never_bought"]:
        assert set(n) == {"key", "account", "mql_at", "fit", "intent", "stage"}
    assert sum(m["mql"] for m in out["months"]) == out["overall"]["mql"]


def test_vs_and_chart(db: str, contracts: tuple[Path, Path], tmp_path: Path) -> None:
    out = json.loads(
        _run(
            "--db",
            db,
            "backtest",
            str(contracts[0]),
            "--vs",
            str(contracts[1]),
            "--chart",
            str(tmp_path / "charts"),
            "--vary",
            "intent",
            "--json",
        )
    )
    assert out["vs"]["overall"]["mql"] <= out["overall"]["mql"]
    assert (
        out["differences"]["overall"]["mql"] == out["vs"]["overall"]["mql"] - out["overall"]["mql"]
    )
    assert out["tradeoff"]["vary"] == "intent" and out["tradeoff"]["current"] == 30.0
    assert Path(out["chart"]["png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert '<table id="tradeoff">' in Path(out["chart"]["html"]).read_text()


def test_human_output_with_vs(db: str, contracts: tuple[Path, Path]) -> None:
    text = _run("--db", db, "backtest", str(contracts[0]), "--vs", str(contracts[0]))
    assert "Backtest of Starter contract" in text and "Per month" in text
    assert "No differences" in text


def test_errors_are_one_clear_message(
    db: str, contracts: tuple[Path, Path], tmp_path: Path
) -> None:
    bad = tmp_path / "nofit.yaml"
    bad.write_text(
        starter_contract_text().replace("mql: fit >= 40 and intent >= 30", "mql: intent >= 30")
    )
    result = runner.invoke(app, ["--db", db, "backtest", str(bad), "--chart", str(tmp_path)])
    assert result.exit_code != 0 and "compares no number with `fit`" in str(result.exception)
    result = runner.invoke(app, ["--db", db, "backtest", str(contracts[0]), "--vary", "size"])
    assert "--vary must be fit or intent" in str(result.exception)
