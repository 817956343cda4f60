"""The written files: canonical columns with valid values, a truth.json that names exactly the
leads the importer creates, and a real round trip through the canonical importer."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from leadqual.features.schema import EVENT_TYPES, FORM_KINDS, PAGE_TYPES
from leadqual.simulate import simulate, write_funnel
from leadqual.simulate.vocabulary import TECHNOLOGIES
from leadqual.simulate.writer import (
    ACCOUNT_COLUMNS,
    CONTACT_COLUMNS,
    DEAL_COLUMNS,
    EVENT_COLUMNS,
)
from leadqual.store.database import Store
from leadqual.store.models import Deal, Event, Lead

INT = re.compile(r"^\d+$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
START, END = datetime(2025, 11, 30), datetime(2026, 11, 30)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_funnel(simulate(400, seed=8), tmp_path_factory.mktemp("funnel"))


def read(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == columns
        return list(reader)


def when(value: str) -> datetime:
    assert ISO.match(value), value
    t = datetime.fromisoformat(value)
    assert START <= t < END
    return t


def test_accounts_csv(files: dict[str, Path]) -> None:
    rows = read(files["accounts"], ACCOUNT_COLUMNS)
    assert len(rows) == 400
    assert len({r["domain"] for r in rows}) == 400
    for r in rows:
        assert r["domain"] == r["domain"].lower() and "/" not in r["domain"]
        assert not r["domain"].startswith("www.")
        for col in (
            "employees",
            "annual_revenue",
            "monthly_visits",
            "ad_spend",
            "dept_marketing",
            "dept_sales",
            "dept_engineering",
            "dept_it",
        ):
            assert INT.match(r[col]), (col, r[col])
        techs = r["technologies"].split(";") if r["technologies"] else []
        assert set(techs) <= set(TECHNOLOGIES)
        when(r["created_at"])


def test_contacts_csv(files: dict[str, Path]) -> None:
    domains = {r["domain"] for r in read(files["accounts"], ACCOUNT_COLUMNS)}
    rows = read(files["contacts"], CONTACT_COLUMNS)
    assert len({r["email"] for r in rows}) == len(rows)
    for r in rows:
        local, domain = r["email"].split("@")
        assert r["email"] == r["email"].lower()
        assert domain == r["account_domain"] and domain in domains
        assert local.startswith(f"{r['first_name'].lower()}.{r['last_name'].lower()}")
        assert r["job_title"]
        assert r["consent_email"] in ("true", "false") and r["consent_tracking"] == "true"
        when(r["created_at"])


def test_events_csv(files: dict[str, Path]) -> None:
    emails = {r["email"] for r in read(files["contacts"], CONTACT_COLUMNS)}
    known = {r["account_domain"] for r in read(files["contacts"], CONTACT_COLUMNS)}
    rows = read(files["events"], EVENT_COLUMNS)
    assert len({r["event_id"] for r in rows}) == len(rows)
    last: dict[str, datetime] = {}
    seen_types = set()
    for r in rows:
        assert r["type"] in EVENT_TYPES
        seen_types.add(r["type"])
        at = when(r["occurred_at"])
        # exactly one of a person's email or a company's domain
        assert bool(r["email"]) != bool(r["account_domain"])
        assert not r["email"] or r["email"] in emails
        assert not r["account_domain"] or r["account_domain"] not in known
        if r["account_domain"]:
            assert r["type"] == "page_view" and r["visitor_id"]
        key = r["email"] or r["account_domain"]
        assert at >= last.get(key, START)
        last[key] = at
        assert (r["form_kind"] in FORM_KINDS) == (r["type"] == "form_submit")
        if r["type"] == "page_view":
            assert r["page_type"] in PAGE_TYPES
            assert r["url"] == "https://ourproduct.example" + r["path"]
            assert INT.match(r["dwell_ms"])
        else:
            assert r["page_type"] == "" and r["dwell_ms"] == ""
    assert seen_types == set(EVENT_TYPES)


def test_deals_csv(files: dict[str, Path]) -> None:
    emails = {r["email"]: r["account_domain"] for r in read(files["contacts"], CONTACT_COLUMNS)}
    rows = read(files["deals"], DEAL_COLUMNS)
    assert rows
    assert len({r["deal_id"] for r in rows}) == len(rows)
    assert len({(r["account_domain"], r["contact_email"]) for r in rows}) == len(rows)
    for r in rows:
        assert emails[r["contact_email"]] == r["account_domain"]
        assert r["stage"] in ("open", "won", "lost")
        assert INT.match(r["amount"])
        created = when(r["created_at"])
        if r["stage"] == "open":
            assert r["closed_at"] == ""
        else:
            assert when(r["closed_at"]) >= created
    assert {r["stage"] for r in rows} == {"open", "won", "lost"}


def test_truth_keys_are_the_importers_lead_keys(files: dict[str, Path]) -> None:
    truth = json.loads(files["truth"].read_text(encoding="utf-8"))
    emails = {r["email"] for r in read(files["contacts"], CONTACT_COLUMNS)}
    events = read(files["events"], EVENT_COLUMNS)
    anonymous = {r["account_domain"] for r in events if r["account_domain"]}
    assert set(truth["leads"]) == emails | anonymous
    first: dict[str, str] = {}
    for r in events:
        first.setdefault(r["email"] or r["account_domain"], r["occurred_at"])
    won = {r["contact_email"] for r in read(files["deals"], DEAL_COLUMNS) if r["stage"] == "won"}
    for key, lead in truth["leads"].items():
        assert lead["won"] == (key in won)
        assert lead["created_at"] == first[key]
    assert truth["seed"] == 8 and 2 <= len(truth["profile"]) <= 3


def test_files_round_trip_through_the_canonical_importer(tmp_path: Path, store: Store) -> None:
    from leadqual.services.imports import import_file

    paths = write_funnel(simulate(60, seed=13), tmp_path)
    truth: dict[str, Any] = json.loads(paths["truth"].read_text(encoding="utf-8"))
    for kind in ("accounts", "contacts", "events", "deals"):
        import_file(store, kind, paths[kind], now=datetime(2026, 12, 1))
    with store.session() as s:
        leads = {key: created for key, created in s.execute(select(Lead.key, Lead.created_at))}
        won = set(
            s.scalars(
                select(Lead.key).join(Deal, Deal.lead_id == Lead.id).where(Deal.stage == "won")
            )
        )
        per_lead: dict[str, int] = defaultdict(int)
        for key in s.scalars(select(Lead.key).join(Event, Event.lead_id == Lead.id)):
            per_lead[key] += 1
    assert set(leads) == set(truth["leads"])
    assert won == {k for k, v in truth["leads"].items() if v["won"]}
    assert all(leads[k].isoformat() == v["created_at"] for k, v in truth["leads"].items())
    events = read(paths["events"], EVENT_COLUMNS)
    assert sum(per_lead.values()) == len(events)
