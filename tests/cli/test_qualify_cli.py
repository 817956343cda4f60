"""End to end through the CLI: demo → leads / qualify / funnel on the same store."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import leadqual.cli  # noqa: F401  (registers the commands)
from leadqual.cli.common import app
from leadqual.domain.lifecycle import STAGES

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_then_every_reporting_command(db_url: str, tmp_path: Path) -> None:
    out = _run("--db", db_url, "demo", "--dir", str(tmp_path), "--accounts", "80", "--months", "4")
    assert "Funnel" in out and "Top 10 leads" in out and "Planted ideal-customer profile" in out

    truth = json.loads((tmp_path / "leadqual-demo-data" / "truth.json").read_text())
    leads = json.loads(_run("--db", db_url, "leads", "--json"))
    assert {lead["key"] for lead in leads} == set(truth["leads"])
    assert all(
        set(lead) == {"key", "account_domain", "email", "stage", "fit", "intent", "reasons"}
        for lead in leads
    )
    scores = [(lead["fit"] or 0) + (lead["intent"] or 0) for lead in leads]
    assert scores == sorted(scores, reverse=True)

    top = json.loads(_run("--db", db_url, "leads", "--json", "--top", "3", "--stage", "mql"))
    assert len(top) <= 3 and all(lead["stage"] == "mql" for lead in top)

    again = json.loads(_run("--db", db_url, "qualify", "--json", "--as-of", "2026-11-30T23:59:59"))
    assert set(again) >= {"as_of", "contract_version", "counts", "changes"}
    assert list(again["counts"]) == list(STAGES)
    assert sum(again["counts"].values()) == len(leads)
    assert again["changes"] == 0  # the demo already qualified as of the same moment

    funnel = json.loads(_run("--db", db_url, "funnel", "--json"))
    assert funnel["leads"] == len(leads)
    assert funnel["reached"]["won"] == sum(1 for t in truth["leads"].values() if t["won"])


def test_demo_defaults_to_a_store_in_its_directory(tmp_path: Path) -> None:
    _run("demo", "--dir", str(tmp_path), "--accounts", "30", "--months", "3")
    assert (tmp_path / "leadqual.db").exists()
    # A second run starts afresh instead of refusing or doubling the data.
    _run("demo", "--dir", str(tmp_path), "--accounts", "30", "--months", "3")
    leads = json.loads(_run("--db", f"sqlite:///{tmp_path / 'leadqual.db'}", "leads", "--json"))
    truth = json.loads((tmp_path / "leadqual-demo-data" / "truth.json").read_text())
    assert len(leads) == len(truth["leads"])


def test_demo_refuses_a_store_that_already_has_leads(sqlite_db_url: str, tmp_path: Path) -> None:
    _run("--db", sqlite_db_url, "demo", "--dir", str(tmp_path), "--accounts", "20", "--months", "2")
    result = runner.invoke(
        app, ["--db", sqlite_db_url, "demo", "--dir", str(tmp_path), "--accounts", "20"]
    )
    assert result.exit_code != 0
    assert "needs an empty store" in str(result.exception)


def test_bad_options_are_clear_errors(sqlite_db_url: str) -> None:
    result = runner.invoke(app, ["--db", sqlite_db_url, "leads", "--stage", "won"])
    assert "unknown stage 'won'" in str(result.exception)
    result = runner.invoke(app, ["--db", sqlite_db_url, "qualify", "--as-of", "yesterday"])
    assert "not an ISO-8601 time" in str(result.exception)
    result = runner.invoke(app, ["--db", sqlite_db_url, "qualify"])
    assert "contract apply" in str(result.exception)  # no active contract yet: says what to do


def test_demo_json_reports_every_step(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["demo", "--dir", str(tmp_path), "--accounts", "30", "--months", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) >= {
        "store",
        "profile",
        "imports",
        "contract_version",
        "qualify_runs",
        "funnel",
        "top",
    }
    assert list(report["imports"]) == ["accounts", "contacts", "events", "deals"]
    assert len(report["qualify_runs"]) == 3
    assert report["funnel"]["leads"] == sum(report["qualify_runs"][-1]["counts"].values())
    assert len(report["top"]) <= 10


def test_demo_discovers_and_backtests(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--dir", str(tmp_path), "--accounts", "1200", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["discovery"]["rules"], report["discovery_note"]
    assert "fit:" in report["discovered_contract"]
    a, b = report["backtest"]["a"], report["backtest"]["b"]
    assert a["contract"] == "Starter contract" and b["contract"] == "Discovered contract"
    assert set(a["overall"]) >= {"mql", "sql", "won", "precision", "recall", "median_days_to_won"}


def test_demo_says_when_there_are_too_few_customers(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["demo", "--dir", str(tmp_path), "--accounts", "40", "--months", "3", "--json"]
    )
    report = json.loads(result.stdout)
    assert report["discovery"] is None and report["backtest"] is None
    assert "too few customers" in report["discovery_note"]
