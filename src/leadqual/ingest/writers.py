"""Writing validated chunks to the store, one writer per import kind.

Accounts, contacts and deals are upserted by their natural key: each chunk reads the existing rows
with one query, counts what is new, changed or unchanged, and writes only the new and changed rows
with ``INSERT … ON CONFLICT DO UPDATE``. Events are inserted with ``ON CONFLICT DO NOTHING`` on
their event id. Columns a file does not have are left as they are in the store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from leadqual.errors import ImportRowError
from leadqual.ingest.accounts import ensure_accounts
from leadqual.ingest.context import Chunk, Tally, WriteContext
from leadqual.ingest.events import finish_events, write_events
from leadqual.ingest.fields import DEPARTMENTS
from leadqual.ingest.leads import PersonRef, ensure_person_leads, pull_created_at
from leadqual.ingest.upsert import select_in, upsert
from leadqual.store.models import Account, Contact, Deal, Lead

__all__ = ["FINISHERS", "WRITERS", "Chunk", "Tally", "WriteContext"]

ACCOUNTS: Table = Account.__table__  # type: ignore[assignment]
CONTACTS: Table = Contact.__table__  # type: ignore[assignment]
DEALS: Table = Deal.__table__  # type: ignore[assignment]
LEADS: Table = Lead.__table__  # type: ignore[assignment]

_ACCOUNT_FIELDS = ("name", "industry", "employees", "annual_revenue", "country", "technologies",
                   "monthly_visits", "ad_spend", "external_id")
_CONTACT_FIELDS = ("first_name", "last_name", "job_title", "consent_email", "consent_tracking",
                   "external_id")
_DEAL_FIELDS = ("name", "amount", "stage", "created_at", "closed_at")


def _email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1]


def _merge(row: dict[str, Any], rec: dict[str, Any], ctx: WriteContext,
           simple: tuple[str, ...], bag: str, bag_items: list[tuple[str, str]]) -> None:
    """Apply the file's columns to ``row``: plain fields, then ``bag`` (a JSON object) items."""
    present = ctx.present
    for name in simple:
        if name in present:
            row[name] = rec[name]
    items = [(t, k) for t, k in bag_items if t in present]
    if items:
        merged = dict(row[bag] or {})
        for target, key in items:
            if rec[target] is None:
                merged.pop(key, None)
            else:
                merged[key] = rec[target]
        row[bag] = merged


def _attr_items(present: frozenset[str]) -> list[tuple[str, str]]:
    return [(t, t[5:]) for t in sorted(present) if t.startswith("attr.")]


def _classify(ctx: WriteContext, old: dict[str, Any] | None, new: dict[str, Any],
              ignore: tuple[str, ...] = ("updated_at",)) -> bool:
    """Count the row as inserted/updated/unchanged; True when it must be written."""
    if old is None:
        ctx.tally.inserted += 1
        return True
    if all(old.get(k) == v for k, v in new.items() if k not in ignore):
        ctx.tally.unchanged += 1
        return False
    ctx.tally.updated += 1
    return True


def write_accounts(session: Session, chunk: Chunk, ctx: WriteContext) -> None:
    cols = [c for c in ACCOUNTS.c if c.name != "id"]
    existing = {r.domain: r._asdict() for r in select_in(
        session, cols, ACCOUNTS.c.domain, [r["domain"] for r in chunk.records])}
    dept = [(f"dept_{d}", d) for d in DEPARTMENTS]
    attrs = _attr_items(ctx.present)
    out = []
    for rec in chunk.records:
        old = existing.get(rec["domain"])
        row = dict(old) if old else {
            "domain": rec["domain"], **dict.fromkeys(_ACCOUNT_FIELDS), "technologies": [],
            "department_sizes": {}, "attributes": {}, "created_at": ctx.now,
        }
        _merge(row, rec, ctx, _ACCOUNT_FIELDS, "department_sizes", dept)
        _merge(row, rec, ctx, (), "attributes", attrs)
        if row["technologies"] is None:
            row["technologies"] = []
        if rec.get("created_at") is not None:
            row["created_at"] = rec["created_at"]
        row["updated_at"] = ctx.now
        if _classify(ctx, old, row):
            out.append(row)
    upsert(session, ACCOUNTS, out, "domain")


def _account_refs(session: Session, chunk: Chunk, ctx: WriteContext, *, create: bool
                  ) -> tuple[dict[str, int], dict[str, int]]:
    """Account ids of the chunk's ``account_domain`` and ``account_external_id`` values."""
    by_domain: dict[str, int] = {}
    if "account_domain" in ctx.present:
        wanted = {r["account_domain"]: ctx.now for r in chunk.records if r["account_domain"]}
        if create:
            by_domain = ensure_accounts(session, wanted, ctx)
        else:
            by_domain = {r.domain: r.id for r in select_in(
                session, [ACCOUNTS.c.id, ACCOUNTS.c.domain], ACCOUNTS.c.domain, wanted)}
            for line, rec in zip(chunk.lines, chunk.records, strict=True):
                d = rec["account_domain"]
                if d is not None and d not in by_domain:
                    raise ImportRowError(ctx.path, line, "account_domain",
                                         f"no account has the domain {d!r}",
                                         "import the accounts first, or fix the domain")
    by_ext: dict[str, int] = {}
    if "account_external_id" in ctx.present:
        wanted_ext = [r["account_external_id"] for r in chunk.records]
        by_ext = {r.external_id: r.id for r in select_in(
            session, [ACCOUNTS.c.id, ACCOUNTS.c.external_id], ACCOUNTS.c.external_id, wanted_ext)}
        for line, rec in zip(chunk.lines, chunk.records, strict=True):
            x = rec["account_external_id"]
            if x is not None and x not in by_ext:
                raise ImportRowError(ctx.path, line, "account_external_id",
                                     f"no imported account has the CRM id {x!r}",
                                     "import the accounts export first")
    return by_domain, by_ext


def write_contacts(session: Session, chunk: Chunk, ctx: WriteContext) -> None:
    by_domain, by_ext = _account_refs(session, chunk, ctx, create=True)
    email_domains = {r.domain: r.id for r in select_in(
        session, [ACCOUNTS.c.id, ACCOUNTS.c.domain], ACCOUNTS.c.domain,
        {_email_domain(r["email"]) for r in chunk.records})}
    cols = [c for c in CONTACTS.c if c.name != "id"]
    existing = {r.email: r._asdict() for r in select_in(
        session, cols, CONTACTS.c.email, [r["email"] for r in chunk.records])}
    out = []
    for rec in chunk.records:
        old = existing.get(rec["email"])
        row = dict(old) if old else {
            "email": rec["email"], "account_id": None, **dict.fromkeys(_CONTACT_FIELDS),
            "created_at": ctx.now,
        }
        _merge(row, rec, ctx, _CONTACT_FIELDS, "", [])
        account_id = (by_domain.get(rec.get("account_domain") or "")
                      or by_ext.get(rec.get("account_external_id") or "")
                      or email_domains.get(_email_domain(rec["email"])))
        if account_id is not None:
            row["account_id"] = account_id
        if rec.get("created_at") is not None:
            row["created_at"] = rec["created_at"]
        row["updated_at"] = ctx.now
        if _classify(ctx, old, row):
            out.append(row)
    upsert(session, CONTACTS, out, "email")
    people = [
        PersonRef(r.id, r.email, r.account_id, r.created_at)
        for r in select_in(session, [CONTACTS.c.id, CONTACTS.c.email, CONTACTS.c.account_id,
                                     CONTACTS.c.created_at],
                           CONTACTS.c.email, [r["email"] for r in chunk.records])
    ]
    leads = ensure_person_leads(session, people, source=ctx.source, tally=ctx.tally.leads)
    pull_created_at(session, {leads[p.contact_id]: p.created_at for p in people})


def write_deals(session: Session, chunk: Chunk, ctx: WriteContext) -> None:
    by_domain, by_ext = _account_refs(session, chunk, ctx, create=False)
    contact_ids: dict[str, tuple[int, int | None]] = {}
    for target, col in (("contact_email", CONTACTS.c.email),
                        ("contact_external_id", CONTACTS.c.external_id)):
        if target not in ctx.present:
            continue
        found = {r[0]: (r.id, r.account_id) for r in select_in(
            session, [col, CONTACTS.c.id, CONTACTS.c.account_id], col,
            [r[target] for r in chunk.records])}
        for line, rec in zip(chunk.lines, chunk.records, strict=True):
            v = rec[target]
            if v is not None and v not in found:
                raise ImportRowError(ctx.path, line, target, f"no contact has {target[8:]} {v!r}",
                                     "import the contacts first, or fix the value")
        contact_ids.update((f"{target}:{k}", v) for k, v in found.items())
    resolved = []
    for rec in chunk.records:
        contact = (contact_ids.get(f"contact_email:{rec.get('contact_email')}")
                   or contact_ids.get(f"contact_external_id:{rec.get('contact_external_id')}"))
        account_id = (by_domain.get(rec.get("account_domain") or "")
                      or by_ext.get(rec.get("account_external_id") or "")
                      or (contact[1] if contact else None))
        resolved.append((rec, account_id, contact[0] if contact else None))
    leads = select_in(
        session, [LEADS.c.id, LEADS.c.account_id, LEADS.c.contact_id, LEADS.c.created_at],
        LEADS.c.account_id, {a for _, a, _ in resolved if a is not None})
    leads += select_in(
        session, [LEADS.c.id, LEADS.c.account_id, LEADS.c.contact_id, LEADS.c.created_at],
        LEADS.c.contact_id, {c for _, _, c in resolved if c is not None})
    by_contact = {r.contact_id: r.id for r in leads if r.contact_id is not None}
    account_only: dict[int, int] = {}
    earliest_person: dict[int, tuple[datetime, int]] = {}
    for r in leads:
        if r.account_id is None:
            continue
        if r.contact_id is None:
            account_only.setdefault(r.account_id, r.id)
        elif (r.account_id not in earliest_person
              or (r.created_at, r.id) < earliest_person[r.account_id]):
            earliest_person[r.account_id] = (r.created_at, r.id)
    cols = [c for c in DEALS.c if c.name != "id"]
    existing = {r.external_id: r._asdict() for r in select_in(
        session, cols, DEALS.c.external_id, [r["deal_id"] for r in chunk.records])}
    attrs = _attr_items(ctx.present)
    out = []
    for rec, account_id, contact_id in resolved:
        old = existing.get(rec["deal_id"])
        row = dict(old) if old else {
            "external_id": rec["deal_id"], **dict.fromkeys(_DEAL_FIELDS), "attributes": {},
        }
        _merge(row, rec, ctx, _DEAL_FIELDS, "attributes", attrs)
        lead_id = by_contact.get(contact_id) if contact_id is not None else None
        if lead_id is None and account_id is not None:
            lead_id = account_only.get(account_id) or (
                earliest_person[account_id][1] if account_id in earliest_person else None)
        row.update(account_id=account_id, contact_id=contact_id, lead_id=lead_id)
        if _classify(ctx, old, row):
            out.append(row)
    upsert(session, DEALS, out, "external_id")


WRITERS = {
    "accounts": write_accounts,
    "contacts": write_contacts,
    "events": write_events,
    "deals": write_deals,
}
# Work left for after a file's last chunk, by kind.
FINISHERS = {"events": finish_events}
