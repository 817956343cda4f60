"""`leadqual demo --serve` end to end: the real command in its own process runs a small demo,
prints one key per role, and serves the dashboard and the API on the demo's store until stopped."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from leadqual.services.auth import authenticate
from leadqual.services.demo import DEMO_ROLES, demo_logins
from leadqual.settings import sqlite_url
from leadqual.store.database import open_store

# The real entry point, as the console script runs it.
LEADQUAL = [sys.executable, "-c", "from leadqual.cli import main; main()"]
KEY_LINE = re.compile(r"^\s+(admin|marketing|sales|viewer)\s+(\S+)\s*$", re.MULTILINE)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_logins_give_one_working_key_per_role(tmp_path: Path) -> None:
    store = open_store(sqlite_url(tmp_path / "x.db"))
    try:
        keys = demo_logins(store, now=datetime(2026, 12, 1))
        assert set(keys) == set(DEMO_ROLES) and len(set(keys.values())) == len(DEMO_ROLES)
        for role, key in keys.items():
            who = authenticate(store, key)
            assert (who.user, who.role) == (f"demo-{role}", role)
        again = demo_logins(store, now=datetime(2026, 12, 2))  # a second run adds keys
        assert authenticate(store, again["sales"]).role == "sales"
        assert authenticate(store, keys["sales"]).role == "sales"
    finally:
        store.dispose()


def test_a_bad_port_is_refused_before_the_demo_runs(tmp_path: Path) -> None:
    out = subprocess.run(
        [*LEADQUAL, "demo", "--dir", str(tmp_path), "--serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode != 0 and "--port 0 is not a TCP port" in out.stderr
    assert not (tmp_path / "leadqual.db").exists()


@pytest.mark.slow
def test_demo_serve_prints_keys_and_serves_the_dashboard(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [
            *LEADQUAL,
            "demo",
            "--dir",
            str(tmp_path),
            "--accounts",
            "150",
            "--months",
            "4",
            "--serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        keys: dict[str, str] = {}
        assert proc.stdout is not None
        while len(keys) < len(DEMO_ROLES) and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            lines.append(line)
            keys.update(dict(KEY_LINE.findall(line)))
        assert set(keys) == set(DEMO_ROLES), "".join(lines[-40:])
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"{base}/app/login", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert health.status_code == 200
        with httpx.Client(base_url=base, timeout=10) as client:
            leads = client.get("/leads", headers={"Authorization": f"Bearer {keys['sales']}"})
            assert leads.status_code == 200 and leads.json()["items"]
            assert client.get("/leads").status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
