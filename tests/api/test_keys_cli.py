"""`leadqual users|keys …` and `leadqual serve`: a key made on the command line opens the API,
over real HTTP to a real uvicorn process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import leadqual.cli  # noqa: F401 — registers every command on the app
from leadqual.cli.common import app
from leadqual.settings import sqlite_url


@pytest.fixture
def db(tmp_path: Path) -> list[str]:
    return ["--db", sqlite_url(tmp_path / "leadqual.db")]


def run(db: list[str], *args: str) -> str:
    result = CliRunner().invoke(app, [*db, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_keys_are_printed_once_and_listed_without_secret(db: list[str]) -> None:
    run(db, "users", "add", "ana", "--role", "marketing")
    key = run(db, "keys", "create", "--user", "ana").strip()
    assert key.startswith("lq_")
    listed = json.loads(run(db, "keys", "list", "--json"))
    assert [(k["user"], k["role"], k["active"]) for k in listed] == [("ana", "marketing", True)]
    assert key not in json.dumps(listed) and key.startswith(listed[0]["prefix"])
    revoked = json.loads(run(db, "keys", "revoke", str(listed[0]["id"]), "--json"))
    assert revoked["active"] is False


def test_keys_create_with_a_role_adds_the_user_or_a_service_user(db: list[str]) -> None:
    named = json.loads(run(db, "keys", "create", "--role", "sales", "--name", "bo", "--json"))
    assert (named["user"], named["role"], named["active"]) == ("bo", "sales", True)
    again = json.loads(run(db, "keys", "create", "--role", "sales", "--name", "bo", "--json"))
    assert again["user"] == "bo" and again["key"] != named["key"]  # a second key, same user
    first = json.loads(run(db, "keys", "create", "--role", "viewer", "--json"))
    second = json.loads(run(db, "keys", "create", "--role", "viewer", "--json"))
    assert (first["user"], second["user"]) == ("viewer-key-1", "viewer-key-2")
    plain = run(db, "keys", "create", "--role", "admin").strip()  # the key alone on stdout
    assert plain.startswith("lq_") and "\n" not in plain
    users = {u["name"]: u["role"] for u in json.loads(run(db, "users", "list", "--json"))}
    assert users == {
        "bo": "sales",
        "viewer-key-1": "viewer",
        "viewer-key-2": "viewer",
        "admin-key-1": "admin",
    }
    # the old two-step form still works, and --name is --user
    assert json.loads(run(db, "keys", "create", "--user", "bo", "--json"))["role"] == "sales"
    keys = json.loads(run(db, "keys", "list", "--json"))
    assert [k["user"] for k in keys].count("bo") == 3


def test_keys_create_refuses_a_role_that_is_not_the_users(db: list[str]) -> None:
    run(db, "users", "add", "ana", "--role", "marketing")
    result = CliRunner().invoke(app, [*db, "keys", "create", "--role", "admin", "--name", "ana"])
    assert result.exit_code != 0
    assert "has the role 'marketing', not 'admin'" in str(result.exception or result.output)
    result = CliRunner().invoke(app, [*db, "keys", "create"])
    assert result.exit_code != 0 and "--role ROLE" in str(result.exception or result.output)
    result = CliRunner().invoke(app, [*db, "keys", "create", "--role", "boss"])
    assert result.exit_code != 0 and "roles are admin" in str(result.exception or result.output)
    result = CliRunner().invoke(app, [*db, "keys", "create", "--name", "nobody"])
    assert result.exit_code != 0 and "keys create --role ROLE --name nobody" in str(
        result.exception or result.output
    )
    assert json.loads(run(db, "keys", "list", "--json")) == []


def test_a_bad_role_is_refused(db: list[str]) -> None:
    result = CliRunner().invoke(app, [*db, "users", "add", "bo", "--role", "boss"])
    assert result.exit_code != 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_with_the_key(db: list[str]) -> None:
    run(db, "users", "add", "root", "--role", "admin")
    key = json.loads(run(db, "keys", "create", "--user", "root", "--json"))["key"]
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from leadqual.cli import main; main()",
            *db,
            "serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        me = httpx.get(f"{base}/me", headers={"Authorization": f"Bearer {key}"})
        assert me.json()["user"] == "root"
        assert httpx.get(f"{base}/me").status_code == 401
        assert "swagger" in httpx.get(f"{base}/docs").text.lower()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
