"""The collector-only app (``create_collector_app``, what ``leadqual serve --collector`` runs):
the tracker, ``/collect`` with its CORS preflight and ``/health`` — and nothing else; and the
light import it promises (no FastAPI, dashboard or ML stack)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadqual.cli.serve import APP_FACTORIES
from leadqual.errors import InvalidInput
from leadqual.store.database import Store
from leadqual.tracking.sites import SiteInfo
from tests.tracking.conftest import ORIGIN, Collector, collector_settings, open_collector, page_view

HEAVY = ("fastapi", "leadqual.web", "sklearn", "lightgbm", "scipy", "pandas", "duckdb", "ibis")


@pytest.fixture
def collector(store: Store, site: SiteInfo) -> Iterator[Collector]:
    yield from open_collector(store, collector_settings(store), site, collector_only=True)


def test_it_serves_the_tracker_and_stores_events(collector: Collector) -> None:
    script = collector.request("GET", "/t.js", headers={"Accept-Encoding": "gzip"})
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("application/javascript")
    view = page_view()
    r = collector.send(view)
    assert r.status_code == 200
    assert r.json() == {"stored": 1, "duplicates": 0, "dropped": {}}
    assert r.headers["access-control-allow-origin"] == ORIGIN
    assert collector.send(view).json() == {"stored": 0, "duplicates": 1, "dropped": {}}
    assert [e.event_id for e in collector.events()] == [view["id"]]


def test_the_cors_preflight_and_health(collector: Collector) -> None:
    pre = collector.request("OPTIONS", "/collect", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == ORIGIN
    refused = collector.request("OPTIONS", "/collect", headers={
        "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"})
    assert refused.status_code == 403
    health = collector.request("GET", "/health")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/leads"), ("GET", "/docs"), ("GET", "/openapi.json"), ("GET", "/app/"),
     ("GET", "/me"), ("POST", "/events"), ("GET", "/")],
)
def test_nothing_else_is_served(collector: Collector, method: str, path: str) -> None:
    r = collector.request(method, path)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_a_wrong_method_on_collect_is_refused(collector: Collector) -> None:
    assert collector.request("GET", "/collect").status_code == 405


def test_serve_collector_runs_the_collector_factory() -> None:
    assert APP_FACTORIES[True] == "leadqual.api.app:create_collector_app"
    assert APP_FACTORIES[False] == "leadqual.api.app:create_app"


def test_the_collector_app_imports_light() -> None:
    # A fresh interpreter: what building the collector app imports (this test process has
    # imported everything already).
    code = (
        "import sys\n"
        "from leadqual.api.app import create_collector_app\n"
        "from leadqual.identify.resolve import IpResolver\n"
        "IpResolver().identify_many(['8.8.8.8'])\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_plain_lookup_says_what_the_arrow_lookup_says() -> None:
    # The collector identifies addresses with ``identify_many`` (plain tuples, no Arrow, so no
    # pandas in the worker); it must agree with ``lookup_many`` on the real tables, for IPv4,
    # IPv6, private addresses and batches past the one-by-one parsing size.
    from leadqual.identify.resolve import IpResolver
    from tests.conftest import shared_data
    from tests.identify.test_resolve import IP_DATA, REAL, loaded

    resolver = IpResolver([loaded(shared_data(f"{IP_DATA}/{name}")) for name in REAL])
    ips = [f"{1 + (i * 37) % 222}.{(i * 91) % 256}.{(i * 13) % 256}.{i % 256}" for i in range(300)]
    ips += ["8.8.8.8", "10.0.0.1", "2001:4860:4860::8888", "::ffff:8.8.4.4", "192.168.1.1"]
    table = resolver.lookup_many(ips)
    expected = list(zip(*(table.column(c).to_pylist() for c in (
        "org", "domain", "kind", "source", "confidence")), strict=True))
    assert resolver.identify_many(ips) == expected
    assert resolver.identify_many([]) == []
    with pytest.raises(InvalidInput, match="position 66"):
        resolver.identify_many(["8.8.8.8"] * 65 + ["not-an-ip"])


@pytest.mark.slow
def test_serve_collector_runs_a_light_worker(tmp_path: Path) -> None:
    # The real command: `leadqual serve --collector` replaces itself with a fresh uvicorn whose
    # process imports none of the API, dashboard or ML stack, and serves the collector only.
    import httpx
    import psutil

    from bench.collector import free_port

    port = free_port()
    env = {**os.environ, "LEADQUAL_DATABASE_URL": f"sqlite:///{tmp_path / 'lq.db'}",
           "LEADQUAL_PRIVACY_KEY": "test-key"}
    cli = Path(sys.executable).with_name("leadqual")
    proc = subprocess.Popen([str(cli), "serve", "--collector", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "the collector exited"
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "no /health within 60 s"
                time.sleep(0.2)
        assert health.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/t.js").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/leads").status_code == 404
        worker = psutil.Process(proc.pid)  # the same process, now running uvicorn
        assert "uvicorn" in worker.cmdline()
        assert worker.memory_info().rss < 150 * 2**20
    finally:
        proc.terminate()
        proc.wait(timeout=30)
