"""Every command is registered by importing `leadqual.cli`, answers --help, and every reporting
command offers --json — checked through the real console script entry point."""

from __future__ import annotations

import subprocess
import sys

import pytest

COMMANDS = {
    # command: does it report (needs --json)?
    ("qualify",): True,
    ("leads",): True,
    ("funnel",): True,
    ("demo",): True,
    ("discover",): True,
    ("backtest",): True,
    ("import",): True,
    ("simulate",): True,
    ("train",): True,
    ("score",): True,
    ("model", "scorecard"): True,
    ("model", "report"): True,
    ("contract", "check"): True,
    ("contract", "apply"): True,
    ("contract", "show"): True,
    ("contract", "versions"): True,
    ("contract", "starter"): False,
    ("contract", "propose"): True,
    ("contract", "approve"): True,
    ("contract", "rollback"): True,
    ("contract", "proposals"): True,
    ("contract", "history"): True,
    # the hand-off to sales (docs/handoff.md) and the API (docs/api.md)
    ("serve",): False,
    ("users", "add"): True,
    ("users", "list"): True,
    ("keys", "create"): True,
    ("keys", "list"): True,
    ("keys", "revoke"): True,
    ("assign",): True,
    ("sla",): True,
    ("touch",): True,
    ("accept",): True,
    ("reject",): True,
    ("bant",): True,
    ("export",): True,
    ("report", "alignment"): True,
    ("feedback", "simulate"): True,
    ("webhooks", "add"): True,
    ("webhooks", "list"): True,
    ("webhooks", "remove"): True,
    ("webhooks", "deliver"): True,
    ("webhooks", "log"): True,
    # tracking and identification (docs/tracking.md)
    ("sites", "add"): True,
    ("sites", "list"): True,
    ("identify",): True,
    ("ipdata", "add"): True,
    ("ipdata", "list"): True,
    ("visitors",): True,
    ("purge",): True,
    ("erase",): True,
}


def _help(*args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", "from leadqual.cli import main; main()", *args, "--help"],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_every_command_is_listed() -> None:
    listed = _help()
    for command in {c[0] for c in COMMANDS}:
        assert f" {command} " in listed, command


@pytest.mark.parametrize(("command", "reports"), list(COMMANDS.items()))
def test_help_and_json(command: tuple[str, ...], reports: bool) -> None:
    text = _help(*command)
    assert "Usage:" in text
    assert ("--json" in text) == reports
