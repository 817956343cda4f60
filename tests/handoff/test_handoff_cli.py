"""The hand-off commands end to end on one store, through the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import leadqual.cli  # noqa: F401  (registers the commands)
from leadqual.cli.common import app
from leadqual.errors import InvalidInput
from leadqual.store.database import open_store
from tests.handoff.handoffdata import CONTRACT, mql_store
from tests.handoff.receiver import Receiver, running_receiver

runner = CliRunner()
SECRET = "cli-secret-0123456789"


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_hand_off_commands(db_url: str, tmp_path: Path) -> None:
    store = open_store(db_url)
    try:
        keys = mql_store(store, ["US", "US", "DE"], meeting=True)
    finally:
        store.dispose()
    db = ("--db", db_url)
    receiver = Receiver(SECRET)
    with running_receiver(receiver):
        added = json.loads(
            _run(
                *db,
                "webhooks",
                "add",
                receiver.url,
                "--secret",
                SECRET,
                "--event",
                "sql",
                "--event",
                "rejected",
                "--json",
            )
        )
        assert added["events"] == ["sql", "rejected"]
        # `qualify` assigned the new MQLs (the contract has `routing:`): `sla` lists them at once
        sla = json.loads(_run(*db, "sla", "--at", "2030-01-01T12:00", "--json"))
        assert sorted(a["key"] for a in sla["overdue"]) == sorted(keys)
        assert {a["owner"] for a in sla["overdue"]} == {"ana", "bo", "dana"}
        assigned = json.loads(_run(*db, "assign", "--json"))  # a re-run: nothing left to assign
        assert assigned["assigned"] == 0
        assert "→ sal" in _run(*db, "accept", keys[0], "--by", "ana")
        out = _run(
            *db,
            "bant",
            keys[0],
            "--budget",
            "yes",
            "--authority",
            "y",
            "--need",
            "yes",
            "--timing",
            "yes",
            "--by",
            "ana",
        )
        assert "sal → sql" in out
        rejected = json.loads(
            _run(*db, "reject", keys[1], "--reason", "bad_timing", "--note", "Q3", "--json")
        )
        assert rejected["to_stage"] == "recycled"
        with pytest.raises(InvalidInput, match="did you mean `spam`"):
            _run(*db, "reject", keys[2], "--reason", "spma")
        _run(*db, "touch", keys[2], "--by", "dana")
        delivered = json.loads(_run(*db, "webhooks", "deliver", "--json"))
        assert delivered["delivered"] == 2
        log = json.loads(_run(*db, "webhooks", "log", "--json"))
        assert sorted(a["event"] for a in log) == ["rejected", "sql"]
        assert "outbox" in json.loads(_run(*db, "webhooks", "list", "--json"))
    assert {json.loads(r.body)["event"] for r in receiver.got} == {"sql", "rejected"}
    report = json.loads(_run(*db, "report", "alignment", "--json"))
    assert report["overall"]["accepted"] == 1 and report["overall"]["rejected"] == 1
    assert "acceptance" in _run(*db, "report", "alignment")
    out_file = tmp_path / "sf.csv"
    _run(*db, "export", "salesforce", "--stage", "sql", "-o", str(out_file))
    rows = list(csv.DictReader(out_file.read_text(encoding="utf-8").splitlines()))
    assert [r["Email"] for r in rows] == [keys[0]]

    contract = tmp_path / "v2.yaml"
    contract.write_text(CONTRACT.replace("intent >= 30", "intent >= 35"), encoding="utf-8")
    proposed = json.loads(_run(*db, "contract", "propose", str(contract), "--by", "mia", "--json"))
    assert proposed["missing"] == ["marketing", "sales"]
    _run(*db, "contract", "approve", "2", "--team", "marketing", "--by", "mia")
    assert "active since" in _run(*db, "contract", "approve", "2", "--team", "sales", "--by", "sam")
    history = json.loads(_run(*db, "contract", "history", "--json"))
    assert [v["version"] for v in history] == [2, 1]
    assert history[1]["mqls"] == 3 and history[1]["sql"] == 1
    assert "waiting for marketing and sales" in _run(*db, "contract", "rollback", "1", "--by", "s")
    assert "MQL→SQL" in _run(*db, "contract", "history")
    assert "rollback" in _run(*db, "contract", "proposals", "--open")


def test_feedback_simulate_command(db_url: str) -> None:
    store = open_store(db_url)
    try:
        mql_store(store, ["US"] * 5, meeting=True)
    finally:
        store.dispose()
    result = json.loads(
        _run("--db", db_url, "feedback", "simulate", "--as-of", "2026-02-10T12:00", "--json")
    )
    assert result["accepted"] + result["rejected"] == 5
