"""`leadqual ipdata add|list` and `leadqual identify` through the real command line app, on a
real SQLite store with the real IP tables in ../shared/data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import leadqual.cli  # noqa: F401 — registers every command on the app
from leadqual.cli.common import app
from leadqual.errors import InvalidInput
from leadqual.settings import sqlite_url
from tests.conftest import shared_data

IP_DATA = "ip-to-asn-org"


def _load(runner: CliRunner, db: list[str]) -> list[dict[str, object]]:
    files = [
        str(shared_data(f"{IP_DATA}/ipasn_20140513.dat.gz")),
        str(shared_data(f"{IP_DATA}/ipcat-datacenters.csv")),
    ]
    names = str(shared_data(f"{IP_DATA}/asnames.json.gz"))
    result = runner.invoke(app, [*db, "ipdata", "add", *files, "--asn-names", names, "--json"])
    assert result.exit_code == 0, result.output
    out: list[dict[str, object]] = json.loads(result.output)
    return out


def test_add_list_and_identify_json(tmp_path: Path) -> None:
    db = ["--db", sqlite_url(tmp_path / "leadqual.db")]
    runner = CliRunner()
    added = _load(runner, db)
    assert [(r["format"], r["status"]) for r in added] == [
        ("pyasn", "added"),
        ("ipcat", "added"),
        ("asnames", "added"),
    ]
    again = _load(runner, db)
    assert {r["status"] for r in again} == {"unchanged"}
    table = runner.invoke(app, [*db, "ipdata", "list"])
    assert table.exit_code == 0 and "ipasn_20140513.dat.gz" in table.output
    listed = json.loads(runner.invoke(app, [*db, "ipdata", "list", "--json"]).output)
    assert len(listed) == 3

    result = runner.invoke(
        app, [*db, "identify", "8.8.8.8", "23.20.0.1", "::ffff:73.0.0.1", "2001:db8::1", "--json"]
    )
    assert result.exit_code == 0, result.output
    google, aws, comcast, doc = json.loads(result.output)
    assert google == {
        "ip": "8.8.8.8",
        "org": "Google Inc.",
        "domain": None,
        "asn": 15169,
        "kind": "company",
        "reason": "AS15169 (Google Inc.): the network is registered to this organisation itself",
        "source": "ipasn_20140513.dat.gz",
        "confidence": 0.7,
    }
    assert (aws["kind"], aws["confidence"]) == ("hosting", 0.0)
    assert (comcast["kind"], comcast["asn"]) == ("isp", 7922)
    assert doc["kind"] == "unknown"

    text = runner.invoke(app, [*db, "identify", "8.8.8.8"])
    assert text.exit_code == 0 and "Google Inc." in text.output and "AS15169" in text.output


def test_identify_with_no_data_says_how_to_load_some(tmp_path: Path) -> None:
    db = ["--db", sqlite_url(tmp_path / "leadqual.db")]
    empty = CliRunner().invoke(app, [*db, "ipdata", "list"])
    assert "no IP data loaded" in empty.output
    result = CliRunner().invoke(app, [*db, "identify", "8.8.8.8", "--json"])
    (found,) = json.loads(result.output)
    assert found["kind"] == "unknown" and "leadqual ipdata add" in found["reason"]


def test_bad_address_is_invalid_input(tmp_path: Path) -> None:
    db = ["--db", sqlite_url(tmp_path / "leadqual.db")]
    result = CliRunner().invoke(app, [*db, "identify", "8.8.8.8", "8.8.8.800"])
    assert isinstance(result.exception, InvalidInput)
    assert result.exception.exit_code == 2


def test_errors_are_one_clear_line_through_the_console_script(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path / "leadqual.db")
    bad = tmp_path / "own.csv"
    bad.write_text("cidr,domain\n10.0.0.0/8,not a domain\n", encoding="utf-8")
    run = [sys.executable, "-c", "from leadqual.cli import main; main()", "--db", db]
    env = {"COLUMNS": "300", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([*run, "identify", "nope"], capture_output=True, text=True, env=env)
    assert out.returncode == 2
    assert "error: 'nope' (position 1) is not an IPv4 or IPv6 address" in out.stderr
    assert "Traceback" not in out.stderr
    out = subprocess.run([*run, "ipdata", "add", str(bad)], capture_output=True, text=True, env=env)
    assert out.returncode == 2
    assert "own.csv, line 2: 'not a domain' is not a web domain" in out.stderr
