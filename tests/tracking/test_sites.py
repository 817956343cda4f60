"""Sites: public keys and allowed origins (``leadqual sites``), CORS on ``/collect``, and the
tracker script as served (gzipped, cached) and as shipped in the package."""

from __future__ import annotations

import gzip
import json
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadqual.api.collect import tracker_script
from leadqual.cli import app as cli
from leadqual.errors import Conflict, InvalidInput
from leadqual.store.database import Store
from leadqual.tracking import sites as sites_module
from leadqual.tracking.sites import add_site, list_sites, normalise_origin
from tests.tracking.conftest import ROOT_DIR, Collector, page_view

T0 = datetime(2026, 1, 1)


def test_a_site_gets_a_key_and_default_origins(store: Store) -> None:
    site = add_site(store, "WWW.Acme.example", None, T0)
    assert site.domain == "acme.example"
    assert site.public_key.startswith("lq_") and len(site.public_key) > 20
    assert site.origins == ("https://acme.example", "https://www.acme.example")
    other = add_site(store, "beta.example", ["http://localhost:3000/", "HTTPS://Beta.example"], T0)
    assert other.origins == ("http://localhost:3000", "https://beta.example")
    assert other.public_key != site.public_key
    assert [s.domain for s in list_sites(store)] == ["acme.example", "beta.example"]


def test_bad_sites_are_refused(store: Store) -> None:
    add_site(store, "acme.example", None, T0)
    with pytest.raises(Conflict, match="already registered"):
        add_site(store, "acme.example", None, T0)
    with pytest.raises(InvalidInput, match="not a web domain"):
        add_site(store, "localhost", None, T0)
    with pytest.raises(InvalidInput, match="scheme://host"):
        normalise_origin("acme.example")


def test_sites_commands(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'lq.db'}"
    runner = CliRunner()
    added = runner.invoke(
        cli, ["--db", db, "sites", "add", "acme.example", "--base-url", "https://lq.acme.example"]
    )
    assert added.exit_code == 0, added.output
    (key,) = [w for w in added.output.split() if w.startswith("lq_")][:1]
    assert f'data-site="{key}"' in added.output
    assert 'src="https://lq.acme.example/t.js"' in added.output
    assert 'data-endpoint="https://lq.acme.example/collect"' in added.output
    as_json = runner.invoke(
        cli,
        [
            "--db",
            db,
            "sites",
            "add",
            "beta.example",
            "--origin",
            "https://app.beta.example",
            "--json",
        ],
    )
    body = json.loads(as_json.output)
    assert body["origins"] == ["https://app.beta.example"] and "snippet" in body
    listed = json.loads(runner.invoke(cli, ["--db", db, "sites", "list", "--json"]).output)
    assert (listed[0]["domain"], listed[0]["key"]) == ("acme.example", key)
    again = runner.invoke(cli, ["--db", db, "sites", "add", "acme.example"])
    assert isinstance(again.exception, Conflict)
    bad = runner.invoke(cli, ["--db", db, "sites", "add", "c.example", "--base-url", "lq.c"])
    assert isinstance(bad.exception, InvalidInput) and "--base-url" in str(bad.exception)
    listed = json.loads(runner.invoke(cli, ["--db", db, "sites", "list", "--json"]).output)
    assert "c.example" not in {s["domain"] for s in listed}  # nothing registered on a typo


def test_an_unknown_key_is_a_404(collector: Collector) -> None:
    r = collector.post({"site": "lq_nobody", "events": [page_view()]})
    assert r.status_code == 404 and "leadqual sites list" in r.json()["error"]["message"]


def test_a_site_added_while_serving_is_accepted(
    collector: Collector, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert collector.send(page_view()).status_code == 200  # the cache is loaded
    monkeypatch.setattr(sites_module, "MISS_REFRESH_S", 0.0)
    late = add_site(store, "late.example", None, T0)
    r = collector.post(
        {"site": late.public_key, "events": [page_view()]}, origin="https://www.late.example"
    )
    assert r.status_code == 200 and r.json()["stored"] == 1


def test_origins(collector: Collector) -> None:
    wrong = collector.send(page_view(), origin="https://evil.example")
    assert wrong.status_code == 403
    assert wrong.json()["error"]["field"] == "origin"
    assert "https://www.acme.example" in wrong.json()["error"]["message"]
    assert "access-control-allow-origin" not in wrong.headers
    www = collector.send(page_view(), origin="https://www.acme.example")
    assert www.headers["access-control-allow-origin"] == "https://www.acme.example"
    assert www.headers["vary"] == "Origin"
    # No Origin header: not a browser's cross-origin request (a server-side sender).
    assert collector.send(page_view(), origin=None).status_code == 200
    assert len(collector.events()) == 2


def test_cors_preflight(collector: Collector) -> None:
    asked = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    ok = collector.request(
        "OPTIONS", "/collect", headers={"Origin": "https://acme.example", **asked}
    )
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == "https://acme.example"
    assert "POST" in ok.headers["access-control-allow-methods"]
    assert ok.headers["access-control-allow-headers"] == "Content-Type"
    assert int(ok.headers["access-control-max-age"]) > 0
    refused = collector.request(
        "OPTIONS", "/collect", headers={"Origin": "https://evil.example", **asked}
    )
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    no_origin = collector.request("OPTIONS", "/collect", headers=asked)
    assert no_origin.status_code == 403


def test_the_tracker_is_served_gzipped_and_cached(collector: Collector) -> None:
    script = tracker_script()
    r = collector.request("GET", "/t.js", headers={"Accept-Encoding": "gzip, br"})
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "gzip"
    assert r.headers["content-type"].startswith("application/javascript")
    assert r.headers["vary"] == "Accept-Encoding"
    assert "max-age=" in r.headers["cache-control"]
    assert r.content == script  # httpx decoded it
    assert int(r.headers["content-length"]) == len(gzip.compress(script, 9, mtime=0)) < 3 * 1024
    again = collector.request(
        "GET", "/t.js", headers={"Accept-Encoding": "gzip", "If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    plain = collector.request("GET", "/t.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == script
    assert plain.headers["etag"] != r.headers["etag"]
    refused = collector.request("GET", "/t.js", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


def test_the_tracker_ships_in_the_wheel() -> None:
    config = tomllib.loads((ROOT_DIR / "pyproject.toml").read_text())
    assert "tracking/t.js" in config["tool"]["setuptools"]["package-data"]["leadqual"]
    script = tracker_script().decode()
    assert "sendBeacon" in script and "doNotTrack" in script and "consent" in script
