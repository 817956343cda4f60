"""Writing validated event chunks: resolve each event's contact, account and lead, then insert the
events with ``INSERT … ON CONFLICT (event_id) DO NOTHING``.

Event files are the big ones (millions of rows), so this writer works on the chunk's columns and
keeps its per-row work to resolving ids and zipping one tuple per event. It remembers within a file
what cannot change during it: the contact of an email, the account of a domain and the lead of a
contact. Account-only leads are looked up per chunk, because a person seen later in the file may
take one over. The earliest event of each lead is collected over the whole file and applied once,
by ``finish_events``.
"""

from __future__ import annotations

from datetime import datetime
from itertools import compress, repeat
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from leadqual.ingest.accounts import ensure_accounts
from leadqual.ingest.context import Chunk, EventMemory, WriteContext
from leadqual.ingest.leads import PersonRef, account_leads, ensure_person_leads, pull_created_at
from leadqual.ingest.upsert import (
    existing_keys,
    insert_ignore,
    insert_ignore_tuples,
    select_in,
    value_adapters,
)
from leadqual.store.models import Account, Contact, Event

__all__ = ["finish_events", "write_events"]

ACCOUNTS: Table = Account.__table__  # type: ignore[assignment]
CONTACTS: Table = Contact.__table__  # type: ignore[assignment]
EVENTS: Table = Event.__table__  # type: ignore[assignment]

_FILE_FIELDS = ("event_id", "type", "occurred_at", "visitor_id", "url", "path", "page_type",
                "referrer", "title", "dwell_ms", "form_kind")

Columns = dict[str, list[Any]]
Sighting = tuple[datetime, str | None]  # an email's first event: its time and account domain


def _email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1]


def _new_events(session: Session, columns: Columns, ctx: WriteContext) -> Columns:
    """The columns without the events whose id is in the store (those count as unchanged)."""
    memory = ctx.memory
    if memory.store_had_events is None:
        memory.store_had_events = session.execute(select(EVENTS.c.id).limit(1)).first() is not None
    if not memory.store_had_events:
        # Into an empty table (a first, bulk load): the validator refuses an event id seen twice
        # in the file, so none of them can be in the store.
        return columns
    ids = columns["event_id"]
    known = existing_keys(session, EVENTS.c.event_id, ids)
    if not known:
        return columns
    keep = [i not in known for i in ids]
    ctx.tally.unchanged += len(ids) - sum(keep)
    return {name: list(compress(values, keep)) for name, values in columns.items()}


def _first_sightings(emails: list[str | None], domains: list[str | None],
                     times: list[datetime]) -> tuple[dict[str, Sighting], dict[str, datetime]]:
    """Each email's earliest event in the chunk, and each domain's earliest time."""
    first_seen: dict[str, Sighting] = {}
    domain_seen: dict[str, datetime] = {}
    for email, domain, t in zip(emails, domains, times, strict=True):
        if email is not None:
            prev = first_seen.get(email)
            if prev is None or t < prev[0]:
                first_seen[email] = (t, domain)
        if domain is not None:
            seen = domain_seen.get(domain)
            if seen is None or t < seen:
                domain_seen[domain] = t
    return first_seen, domain_seen


def _known_accounts(session: Session, domains: set[str], memory: EventMemory) -> dict[str, int]:
    wanted = [d for d in domains if d not in memory.accounts]
    memory.accounts.update((r.domain, r.id) for r in select_in(
        session, [ACCOUNTS.c.id, ACCOUNTS.c.domain], ACCOUNTS.c.domain, wanted))
    return memory.accounts


def _known_contacts(session: Session, emails: list[str], memory: EventMemory) -> None:
    memory.contacts.update((r.email, (r.id, r.account_id, r.created_at)) for r in select_in(
        session, [CONTACTS.c.id, CONTACTS.c.email, CONTACTS.c.account_id, CONTACTS.c.created_at],
        CONTACTS.c.email, emails))


def _resolve_people(session: Session, first_seen: dict[str, Sighting],
                    domain_seen: dict[str, datetime], ctx: WriteContext) -> dict[str, int]:
    """Make sure every email has a contact and every domain an account; the account ids."""
    memory = ctx.memory
    _known_contacts(session, [e for e in first_seen if e not in memory.contacts], memory)
    unknown = [e for e in first_seen if e not in memory.contacts]
    accounts = _known_accounts(session, set(domain_seen) | {_email_domain(e) for e in unknown},
                               memory)
    missing_domains = {d: t for d, t in domain_seen.items() if d not in accounts}
    if missing_domains:
        accounts.update(ensure_accounts(session, missing_domains, ctx))
    if unknown:
        new_contacts = []
        for e in unknown:
            seen, domain = first_seen[e]
            account_id = accounts.get(domain or "") or accounts.get(_email_domain(e))
            new_contacts.append({"email": e, "account_id": account_id,
                                 "created_at": seen, "updated_at": ctx.now})
        insert_ignore(session, CONTACTS, new_contacts, "email")
        ctx.tally.contacts_created += len(new_contacts)
        _known_contacts(session, unknown, memory)
    return accounts


def _person_leads(session: Session, emails: dict[str, Any], ctx: WriteContext) -> dict[int, int]:
    memory = ctx.memory
    people = [PersonRef(cid, e, aid, t) for e in emails
              for cid, aid, t in (memory.contacts[e],) if cid not in memory.person_leads]
    if people:
        memory.person_leads.update(ensure_person_leads(
            session, people, source=ctx.source, tally=ctx.tally.leads))
    return memory.person_leads


def _links(emails: list[str | None], domains: list[str | None], times: list[datetime],
           accounts: dict[str, int], account_lead: dict[int, int], ctx: WriteContext
           ) -> tuple[list[int | None], list[int | None], list[int | None]]:
    """Each event's lead, account and contact ids; notes each lead's earliest event."""
    contacts, person_lead = ctx.memory.contacts, ctx.memory.person_leads
    earliest = ctx.memory.earliest
    lead_ids: list[int | None] = []
    account_ids: list[int | None] = []
    contact_ids: list[int | None] = []
    for email, domain, t in zip(emails, domains, times, strict=True):
        contact = contacts[email] if email else None
        account_id = accounts[domain] if domain else (contact[1] if contact else None)
        if contact is not None:
            lead_id: int | None = person_lead[contact[0]]
        elif domain:
            lead_id = account_lead[account_id]  # type: ignore[index]
        else:
            lead_id = None
        if lead_id is not None:
            first = earliest.get(lead_id)
            if first is None or t < first:
                earliest[lead_id] = t
        lead_ids.append(lead_id)
        account_ids.append(account_id)
        contact_ids.append(contact[0] if contact else None)
    return lead_ids, account_ids, contact_ids


def _properties(columns: Columns, n: int) -> list[dict[str, Any]] | None:
    """The events' free-form ``attr.*`` values as dicts, or ``None`` when the file has none."""
    attrs = sorted(t for t in columns if t.startswith("attr."))
    if not attrs:
        return None
    return [{t[5:]: v for t, v in zip(attrs, values, strict=True) if v is not None}
            for values in zip(*(columns[t] for t in attrs), strict=True)] if n else []


def _adapted_rows(session: Session, values: dict[str, Any], n: int) -> tuple[list[str], list[Any]]:
    """The insert's columns in table order, and one tuple per event with driver-ready values.
    ``values`` maps a column to a list (one per event) or to one value for all events."""
    names = [c.name for c in EVENTS.c if c.name in values]
    adapters = dict(zip(names, value_adapters(session, EVENTS, names), strict=True))
    lists = []
    for name in names:
        v, adapt = values[name], adapters[name]
        if not isinstance(v, list):
            v = repeat(adapt(v) if adapt else v, n)
        elif adapt:
            v = [None if x is None else adapt(x) for x in v]
        lists.append(v)
    return names, list(zip(*lists, strict=True))


def write_events(session: Session, chunk: Chunk, ctx: WriteContext) -> None:
    """Insert a chunk of events with their contact, account and lead ids.

    >>> # write_events(session, Chunk(lines, columns), ctx); finish_events(session, ctx)
    """
    columns = _new_events(session, chunk.columns, ctx)
    n = len(columns["event_id"])
    if not n:
        return
    empty: list[Any] = [None] * n
    emails, domains = columns.get("email", empty), columns.get("account_domain", empty)
    times = columns["occurred_at"]
    first_seen, domain_seen = _first_sightings(emails, domains, times)
    accounts = _resolve_people(session, first_seen, domain_seen, ctx)
    # Account-only leads first, so that a person identified in the same chunk takes over
    # the lead (and its visits), as if the rows had been imported one by one.
    anonymous = {accounts[d]: (d, domain_seen[d])
                 for e, d in zip(emails, domains, strict=True) if d and not e}
    account_lead = account_leads(session, anonymous, source=ctx.source,
                                 tally=ctx.tally.leads) if anonymous else {}
    _person_leads(session, first_seen, ctx)
    lead_ids, account_ids, contact_ids = _links(emails, domains, times, accounts, account_lead,
                                                ctx)
    values: dict[str, Any] = {f: columns[f] for f in _FILE_FIELDS if f in columns}
    sources = columns.get("source")
    values.update(
        lead_id=lead_ids, account_id=account_ids, contact_id=contact_ids, received_at=ctx.now,
        source=[s or ctx.source for s in sources] if sources is not None else ctx.source,
        properties=_properties(columns, n) or {},
    )
    names, rows = _adapted_rows(session, values, n)
    ctx.tally.inserted += insert_ignore_tuples(session, EVENTS, names, rows, "event_id")
    ctx.memory.trim()


def finish_events(session: Session, ctx: WriteContext) -> None:
    """After the last chunk: move each lead's ``created_at`` back to its first event."""
    pull_created_at(session, ctx.memory.earliest)
    ctx.memory.earliest.clear()
