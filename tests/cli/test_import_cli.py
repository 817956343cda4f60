"""`leadqual import …` through the real command line app and a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import leadqual.cli  # noqa: F401 — registers every command on the app
from leadqual.cli.common import app
from leadqual.errors import ImportRowError
from leadqual.settings import sqlite_url


def test_import_json_output_and_rerun(tmp_path: Path) -> None:
    db = ["--db", sqlite_url(tmp_path / "leadqual.db")]
    path = tmp_path / "contacts.csv"
    path.write_text("email,first_name\nann@acme.com,Ann\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, [*db, "import", "contacts", str(path), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["rows_read"], out["inserted"], out["leads_created"]) == (1, 1, 1)
    assert out["format"] == "canonical"
    again = runner.invoke(app, [*db, "import", "contacts", str(path)])
    assert again.exit_code == 0
    assert "unchanged" in again.output and "rows read" in again.output


def test_import_bad_row_is_an_import_row_error(tmp_path: Path) -> None:
    db = ["--db", sqlite_url(tmp_path / "leadqual.db")]
    path = tmp_path / "accounts.csv"
    path.write_text("domain,employees\nacme.com,many\n", encoding="utf-8")
    result = CliRunner().invoke(app, [*db, "import", "accounts", str(path), "--format",
                                      "canonical"])
    assert isinstance(result.exception, ImportRowError)
    assert result.exception.exit_code == 2
    assert result.exception.row == 2
