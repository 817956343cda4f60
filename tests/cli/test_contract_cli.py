"""`leadqual contract …` through the real command line app and a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import leadqual.cli  # noqa: F401 — registers every command on the app
from leadqual.cli.common import app
from leadqual.contract import starter_contract_text
from leadqual.errors import NotFound
from leadqual.settings import sqlite_url


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    return ["--db", sqlite_url(tmp_path / "leadqual.db")]


@pytest.fixture
def contract_file(tmp_path: Path) -> Path:
    path = tmp_path / "contract.yaml"
    path.write_text(starter_contract_text())
    return path


def test_starter_prints_a_valid_contract(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["contract", "starter"])
    assert result.exit_code == 0
    assert result.stdout == starter_contract_text()
    path = tmp_path / "out.yaml"
    path.write_text(result.stdout)
    checked = runner.invoke(app, ["contract", "check", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "ok:" in checked.stdout and "max fit 100" in checked.stdout


def test_check_reports_every_problem_and_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        starter_contract_text()
        .replace("annual_revenue >=", "anual_revenue >=")
        .replace("event: meeting ", "event: meetng ")
    )
    result = runner.invoke(app, ["contract", "check", str(path)])
    assert result.exit_code == 2
    assert f"{path}:" in result.stderr
    assert "did you mean `annual_revenue`?" in result.stderr
    assert "unknown event type `meetng` — did you mean `meeting`?" in result.stderr

    as_json = runner.invoke(app, ["contract", "check", str(path), "--json"])
    assert as_json.exit_code == 2
    payload = json.loads(as_json.stdout)
    assert payload["ok"] is False and len(payload["problems"]) == 2


def test_check_json_summarises_a_valid_contract(runner: CliRunner, contract_file: Path) -> None:
    result = runner.invoke(app, ["contract", "check", str(contract_file), "--json"])
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["ok"] is True
    assert payload["contract"]["stages"]["mql"] == "fit >= 40 and intent >= 30"


def test_apply_show_and_versions(
    runner: CliRunner, db: list[str], contract_file: Path, tmp_path: Path
) -> None:
    applied = runner.invoke(app, [*db, "contract", "apply", str(contract_file), "--author", "ana"])
    assert applied.exit_code == 0, applied.output
    assert "version 1" in applied.stdout and "by ana" in applied.stdout

    again = runner.invoke(app, [*db, "contract", "apply", str(contract_file), "--json"])
    assert json.loads(again.stdout)["version"] == 1  # same text: nothing new

    contract_file.write_text(starter_contract_text().replace("points: 25", "points: 30"))
    second = runner.invoke(app, [*db, "contract", "apply", str(contract_file), "--json"])
    info = json.loads(second.stdout)
    assert (info["version"], info["active"], info["author"]) == (2, True, None)

    shown = runner.invoke(app, [*db, "contract", "show"])
    assert shown.exit_code == 0
    assert shown.stdout.startswith("# version 2 · Starter contract")
    assert "points: 30" in shown.stdout
    # What `show` prints is itself a valid contract file.
    (tmp_path / "shown.yaml").write_text(shown.stdout)
    assert runner.invoke(app, ["contract", "check", str(tmp_path / "shown.yaml")]).exit_code == 0

    old = json.loads(
        runner.invoke(app, [*db, "contract", "show", "--version", "1", "--json"]).stdout
    )
    assert (old["version"], old["active"]) == (1, False)
    assert old["text"] == starter_contract_text()
    assert old["contract"]["max_fit"] == 100

    listed = json.loads(runner.invoke(app, [*db, "contract", "versions", "--json"]).stdout)
    assert [v["version"] for v in listed] == [2, 1]


def test_apply_refuses_an_invalid_contract(
    runner: CliRunner, db: list[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nfitt: []\n")
    result = runner.invoke(app, [*db, "contract", "apply", str(path)])
    assert result.exit_code == 2
    assert "unknown key `fitt` — did you mean `fit`?" in result.stderr
    versions = runner.invoke(app, [*db, "contract", "versions"])
    assert "no contract applied yet" in versions.stdout


def test_show_without_a_contract_is_not_found(runner: CliRunner, db: list[str]) -> None:
    result = runner.invoke(app, [*db, "contract", "show"])
    assert isinstance(result.exception, NotFound)
    assert result.exception.exit_code == 3
