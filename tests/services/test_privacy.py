"""Privacy (services.privacy) on visits written by the real collector, on SQLite and PostgreSQL:
``purge`` strips visitor data past the retention and keeps the aggregates; ``erase`` removes a
person everywhere, keeps the anonymous counts and logs the erasure by keyed hash."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

import leadqual.cli  # noqa: F401 — registers every command on the app
from leadqual.cli.common import app
from leadqual.errors import InvalidInput, NotFound
from leadqual.services.privacy import email_hash, erase, erasures, purge
from leadqual.settings import Settings, sqlite_url
from leadqual.store.database import Store, open_store
from leadqual.store.models import Base, Contact, Deal, Event, Lead, StageChange
from leadqual.store.tables_handoff import SalesFeedback, WebhookOutbox
from leadqual.store.tables_tracking import Erasure, Visitor
from tests.services.visits import ACME_IP, CABLE_IP, collector, form, page, send

NOW = datetime(2026, 3, 31, 12, 0)
OLD = NOW - timedelta(days=400)
SETTINGS = Settings(privacy_key="test-privacy-key", tracking_retention_days=395)


def _aggregates(store: Store) -> list[tuple[object, ...]]:
    """Views per account and page type: what purge and erase must keep."""
    with store.session() as s:
        rows = s.execute(
            select(Event.account_id, Event.page_type, Event.type, func.count())
            .group_by(Event.account_id, Event.page_type, Event.type)
            .order_by(Event.account_id, Event.page_type, Event.type)
        ).all()
    return [tuple(r) for r in rows]


def _visits(store: Store, tmp: Path) -> None:
    c = collector(store, tmp, SETTINGS)
    send(c, ACME_IP, [page("/pricing", OLD, "v-old", referrer="https://news.example/")], OLD)
    send(c, ACME_IP, [page("/docs", OLD + timedelta(minutes=1), "v-old")], OLD)
    t = NOW - timedelta(days=3)
    send(c, ACME_IP, [page("/pricing?ref=ann@acme.com", t, "v-ann")], t)
    send(c, ACME_IP, [form(t + timedelta(minutes=1), "v-ann", "Ann@Acme.com")], t)
    send(c, ACME_IP, [page("/product", t + timedelta(minutes=2), "v-ann")], t)
    send(c, CABLE_IP, [page("/blog", t, "v-bob"), form(t, "v-bob", "bob@globex.com")], t)


def _everything(store: Store) -> str:
    """Every row of every table, as text (to look for a person's traces)."""
    out = []
    with store.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            out += [repr(tuple(r)) for r in conn.execute(select(table)).all()]
    return "\n".join(out).lower()


# --- purge ----------------------------------------------------------------------------------


def test_purge_strips_old_visitor_data_and_keeps_aggregates(store: Store, tmp_path: Path) -> None:
    _visits(store, tmp_path)
    with store.session() as s:
        s.add(
            Event(
                event_id="imported-1",
                type="page_view",
                occurred_at=OLD,
                received_at=OLD,
                visitor_id="crm-visitor",
                path="/pricing",
                source="hubspot",
                properties={},
            )
        )
    before = _aggregates(store)
    result = purge(store, SETTINGS, now=NOW)
    assert result.cutoff == NOW - timedelta(days=395)
    assert (result.events, result.visitors) == (2, 1)
    with store.session() as s:
        old = s.execute(
            select(Event.visitor_id, Event.ip, Event.ua_hash, Event.referrer, Event.path)
            .where(Event.occurred_at < result.cutoff, Event.source == "tracker")
            .order_by(Event.path)
        ).all()
        assert [tuple(r) for r in old] == [
            (None, None, None, None, "/docs"),
            (None,) * 4 + ("/pricing",),
        ]
        recent = s.execute(
            select(Event.visitor_id, Event.ip).where(Event.occurred_at >= result.cutoff)
        ).all()
        assert all(v is not None and ip is not None for v, ip in recent)
        assert (
            s.execute(select(Event.visitor_id).where(Event.event_id == "imported-1")).scalar()
            == "crm-visitor"
        )
        assert s.execute(select(Visitor.id).where(Visitor.visitor_id == "v-old")).first() is None
        assert s.execute(select(func.count()).select_from(Visitor)).scalar_one() == 2
    assert _aggregates(store) == before
    assert purge(store, SETTINGS, now=NOW).events == 0  # nothing left to strip


def test_purge_with_an_explicit_retention(store: Store, tmp_path: Path) -> None:
    _visits(store, tmp_path)
    assert purge(store, SETTINGS, now=NOW, older_than_days=0).visitors == 3
    with store.session() as s:
        assert s.execute(select(Event.id).where(Event.ip.is_not(None))).first() is None
    with pytest.raises(InvalidInput, match="--older-than"):
        purge(store, SETTINGS, now=NOW, older_than_days=-1)


# --- erase ----------------------------------------------------------------------------------


def _history(store: Store) -> None:
    """Ann's lead quoted in its history, its hand-off and a deal."""
    with store.session() as s:
        contact = s.execute(select(Contact).where(Contact.email == "ann@acme.com")).scalar_one()
        lead = s.execute(select(Lead).where(Lead.contact_id == contact.id)).scalar_one()
        s.add(
            StageChange(
                lead_id=lead.id,
                from_stage="lead",
                to_stage="mql",
                at=NOW,
                reason="demo request by Ann@acme.com",
                recorded_at=NOW,
            )
        )
        s.add(
            SalesFeedback(
                lead_id=lead.id,
                verdict="accepted",
                note="called ann@acme.com, keen",
                by_user="rep",
                at=NOW,
            )
        )
        s.add(
            WebhookOutbox(
                event_id="mql-1",
                event="mql",
                lead_id=lead.id,
                payload={"lead": {"id": lead.id, "key": "ann@acme.com"}, "reason": "demo"},
                created_at=NOW,
            )
        )
        s.add(
            Deal(
                external_id="d-1",
                account_id=contact.account_id,
                contact_id=contact.id,
                lead_id=lead.id,
                amount=5000.0,
                stage="open",
                attributes={},
            )
        )


def test_erase_removes_the_person_everywhere(store: Store, tmp_path: Path) -> None:
    _visits(store, tmp_path)
    _history(store)
    assert "ann@acme.com" in _everything(store)
    before = _aggregates(store)
    with store.session() as s:
        events_before = s.execute(select(func.count()).select_from(Event)).scalar_one()

    result = erase(store, SETTINGS, " ANN@acme.com ", now=NOW)
    assert result.email_hash == email_hash(store, SETTINGS, "ann@acme.com", NOW)
    assert (result.contact, result.events, result.visitors, result.leads, result.deals) == (
        1,
        3,
        1,
        1,
        1,
    )
    dump = _everything(store)
    assert "ann@acme.com" not in dump
    assert "ann" not in dump.replace("annual", "")  # not in URLs, keys, notes or payloads
    assert "bob@globex.com" in dump  # nobody else's data

    assert _aggregates(store) == before  # anonymous counts stay, by account and page
    with store.session() as s:
        assert s.execute(select(func.count()).select_from(Event)).scalar_one() == events_before
        key = s.execute(select(Lead.key).where(Lead.key.like("erased:%"))).scalar_one()
        assert key.startswith(f"erased:{result.email_hash[:16]}:")
        assert s.execute(select(StageChange.reason)).scalar_one() == f"demo request by {key}"
        outbox = s.execute(select(WebhookOutbox.payload)).scalar_one()
        assert outbox["lead"]["key"] == key
        assert s.execute(select(Deal.amount, Deal.contact_id)).one() == (5000.0, None)
        log = s.execute(select(Erasure)).scalar_one()
        assert (log.email_hash, log.erased_at) == (result.email_hash, NOW)
        assert log.removed == {"contact": 1, "events": 3, "visitors": 1, "leads": 1, "deals": 1}
    assert erasures(store) == 1

    with pytest.raises(NotFound, match="nothing to erase"):
        erase(store, SETTINGS, "ann@acme.com", now=NOW)


def test_erase_unknown_or_malformed(store: Store) -> None:
    with pytest.raises(NotFound, match=r"no contact with the email nobody@acme\.com"):
        erase(store, SETTINGS, "nobody@acme.com", now=NOW)
    with pytest.raises(InvalidInput, match="is not an email address"):
        erase(store, SETTINGS, "nobody", now=NOW)
    assert erasures(store) == 0


def test_the_erasure_hash_is_keyed() -> None:
    url = "sqlite://"
    store = open_store(url)
    try:
        a = email_hash(store, SETTINGS, "ann@acme.com", NOW)
        b = email_hash(store, Settings(privacy_key="another-key"), "ann@acme.com", NOW)
        assert a != b and len(a) == 64
        assert email_hash(store, SETTINGS, " Ann@ACME.com", NOW) == a
    finally:
        store.dispose()


# --- the commands ---------------------------------------------------------------------------


def test_purge_and_erase_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = sqlite_url(tmp_path / "leadqual.db")
    monkeypatch.setenv("LEADQUAL_PRIVACY_KEY", "test-privacy-key")
    store = open_store(url)
    try:
        _visits(store, tmp_path)
    finally:
        store.dispose()
    runner = CliRunner()
    result = runner.invoke(app, ["--db", url, "purge", "--older-than", "1", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["events"] > 0
    result = runner.invoke(app, ["--db", url, "erase", "ann@acme.com", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["contact"] == 1 and len(out["email_hash"]) == 64
    again = runner.invoke(app, ["--db", url, "erase", "ann@acme.com"])
    assert isinstance(again.exception, NotFound) and again.exception.exit_code == 3
