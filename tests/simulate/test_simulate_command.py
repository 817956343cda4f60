"""`leadqual simulate`: writes the files and reports what it wrote."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from leadqual.cli import app
from leadqual.errors import InvalidInput


def test_simulate_writes_the_files_and_a_json_summary(tmp_path: Path) -> None:
    out = tmp_path / "funnel"
    args = ["simulate", "--accounts", "120", "--seed", "9", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--end", "2026-06-30", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["accounts"] == 120 and summary["seed"] == 9
    assert summary["end"] == "2026-06-30T00:00:00"
    assert summary["leads"] == summary["person_leads"] + summary["account_leads"]
    for name in ("accounts", "contacts", "events", "deals", "truth"):
        assert Path(summary["files"][name]).is_file()
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth["profile"] == summary["profile"]
    assert len(truth["leads"]) == summary["leads"]


def test_simulate_prints_a_readable_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", "--accounts", "50", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "accounts" in result.output and "profile" in result.output
    assert (tmp_path / "events.csv").is_file()


def test_simulate_refuses_a_bad_size(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", "--accounts", "0", "--out", str(tmp_path)])
    assert isinstance(result.exception, InvalidInput)
    assert "--accounts" in result.exception.message
