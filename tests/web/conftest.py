"""Dashboard fixtures: a small seeded store behind an in-process client (fast page tests), and a
simulated funnel behind a real uvicorn server on loopback with one headless Chromium per module
(the browser tests)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

with warnings.catch_warnings():
    # Starlette 1.x prefers the `httpx2` package for its test client and warns when it runs on
    # httpx; the client behaves the same (httpx2 is not installed here).
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from leadqual.api.app import create_app
from leadqual.contract import starter_contract_text
from leadqual.services.auth import ROLES, add_user, create_key
from leadqual.services.contracts import apply_contract
from leadqual.settings import Settings, sqlite_url
from leadqual.store.database import Store, open_store
from tests.conftest import IN_CI, ROOT
from tests.factories import make_account, make_event, make_lead
from tests.web.webdata import Users, fill_funnel

NOW = datetime(2026, 3, 1, 12)


@dataclass
class Site:
    """An in-process client over a seeded store, with a key per role."""

    client: TestClient
    store: Store
    keys: dict[str, str]
    mql_key: str

    def login(self, role: str) -> None:
        answer = self.client.post(
            "/app/login", data={"api_key": self.keys[role]}, follow_redirects=False
        )
        assert answer.status_code == 303, answer.text


@pytest.fixture
def site(store: Store, db_url: str) -> Iterator[Site]:
    """One MQL (with an event) and one plain lead under the starter contract; a user per role.
    On SQLite and on PostgreSQL."""
    apply_contract(store, starter_contract_text(), source="starter", author="t", now=NOW)
    with store.session() as s:
        acme = make_account(s, domain="acme.example")
        mql = make_lead(
            s,
            acme,
            email="ana@acme.example",
            fit=80.0,
            intent=40.0,
            stage="mql",
            owner="sam",
            source="webinar",
        )
        make_event(s, mql, datetime(2026, 2, 10), event_id="web-1", page_type="pricing")
        make_lead(s, acme, email="bo@acme.example", fit=20.0, intent=5.0)
        mql_key = mql.key
    keys = {}
    for role in ROLES:
        add_user(store, f"{role}-user", role=role, now=NOW)
        keys[role] = create_key(store, f"{role}-user", now=NOW).key
    app = create_app(store, Settings(database_url=db_url))
    # A real loopback address, so that visits in these tests have an IP to resolve.
    with TestClient(app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000)) as client:
        yield Site(client, store, keys, mql_key)


# -- the browser tests ---------------------------------------------------------------------------


@dataclass
class Live:
    """A dashboard served by uvicorn on loopback over a simulated funnel."""

    url: str
    store: Store
    users: Users
    shots: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("dashboard")
    url = sqlite_url(root / "leadqual.db")
    store = open_store(url)
    users = fill_funnel(store, root / "data")
    # Screenshots of every page go to test-output/dashboard/ (git-ignored; LEADQUAL_TEST_OUTPUT
    # moves the folder, e.g. for CI artifacts or docs/img).
    shots = Path(os.environ.get("LEADQUAL_TEST_OUTPUT") or ROOT / "test-output") / "dashboard"
    shots.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    config = uvicorn.Config(
        create_app(store, Settings(database_url=url)),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="dashboard-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the dashboard server did not start")
        time.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", store, users, shots)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        message = "no chromium on PATH; the Debian `chromium` package provides it (.ci/run)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()
