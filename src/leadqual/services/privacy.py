"""Privacy use cases: ``purge`` visitor data past the retention, ``erase`` a person.

- purge: tracker events older than the retention lose their visitor id, network data (IP, user
  agent hash) and referrer; visitors not seen since are deleted. Page, time and company stay, so
  the aggregates (visits per account, per page category) are unchanged.
- erase: the contact row is deleted; its events (and those of every visitor linked to it) lose
  every personal field (contact, visitor id, IP, user agent, referrer, URL query, free-form
  properties); its lead is kept under a pseudonymous key (``erased:<hash>``) so the stage history
  and the anonymous counts remain; the address is also replaced by that key wherever the lead's
  history quotes it (stage-change reasons, sales notes, BANT notes, webhook payloads not sent
  yet or kept for the log); deals keep their amounts without the contact. The erasure is logged
  with a keyed hash of the email, never the email.

>>> # purge(store, settings, now=now).as_json()  →  {"events": 120, "visitors": 14, …}
>>> # erase(store, settings, "ann@acme.com", now=now)
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, delete, func, or_, select, update

from leadqual.errors import InvalidInput, NotFound
from leadqual.ingest.fields import normalise_email
from leadqual.settings import Settings
from leadqual.store.database import Store
from leadqual.store.models import BantAnswer, Contact, Deal, Event, Lead, StageChange
from leadqual.store.tables_handoff import SalesFeedback, WebhookOutbox
from leadqual.store.tables_tracking import Erasure, Visitor
from leadqual.tracking.collector import SOURCE
from leadqual.tracking.keys import keyed_hash, privacy_key

__all__ = ["ErasureResult", "PurgeResult", "email_hash", "erase", "erasures", "purge"]

EVENTS: Table = Event.__table__  # type: ignore[assignment]
VISITORS: Table = Visitor.__table__  # type: ignore[assignment]
CONTACTS: Table = Contact.__table__  # type: ignore[assignment]
LEADS: Table = Lead.__table__  # type: ignore[assignment]
DEALS: Table = Deal.__table__  # type: ignore[assignment]
OUTBOX: Table = WebhookOutbox.__table__  # type: ignore[assignment]
# Free text of a lead's history that may quote the person's address.
NOTES: tuple[tuple[Table, str], ...] = (
    (StageChange.__table__, "reason"),  # type: ignore[assignment]
    (SalesFeedback.__table__, "note"),
    (BantAnswer.__table__, "note"),
)


@dataclass(frozen=True)
class PurgeResult:
    cutoff: datetime
    events: int
    visitors: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ErasureResult:
    email_hash: str
    contact: int
    events: int
    visitors: int
    leads: int
    deals: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def purge(
    store: Store, settings: Settings, *, now: datetime, older_than_days: int | None = None
) -> PurgeResult:
    """Strip visitor data from tracker events older than the retention; drop stale visitors."""
    days = settings.tracking_retention_days if older_than_days is None else older_than_days
    if days < 0:
        raise InvalidInput("--older-than: expected a number of days ≥ 0", field="older_than")
    cutoff = now - timedelta(days=days)
    with store.session() as s:
        conn = s.connection()
        events = conn.execute(
            update(EVENTS)
            .where(
                and_(
                    EVENTS.c.source == SOURCE,
                    EVENTS.c.occurred_at < cutoff,
                    or_(
                        EVENTS.c.visitor_id.is_not(None),
                        EVENTS.c.ip.is_not(None),
                        EVENTS.c.ua_hash.is_not(None),
                        EVENTS.c.referrer.is_not(None),
                    ),
                )
            )
            .values(visitor_id=None, ip=None, ua_hash=None, referrer=None)
        ).rowcount
        visitors = conn.execute(delete(VISITORS).where(VISITORS.c.last_seen < cutoff)).rowcount
    return PurgeResult(cutoff, events or 0, visitors or 0)


def email_hash(store: Store, settings: Settings, email: str, now: datetime) -> str:
    """The keyed hash an erasure is logged under (lets you check an address was erased)."""
    return keyed_hash(privacy_key(store, settings, now), normalise_email(email), 64)


def _strip_query(url: str | None) -> str | None:
    return None if url is None else url.split("?", 1)[0].split("#", 1)[0]


def _scrub(value: Any, address: re.Pattern[str], pseudonym: str) -> Any:
    """``value`` (JSON) with every mention of ``address`` replaced by ``pseudonym``."""
    if isinstance(value, str):
        return address.sub(pseudonym, value)
    if isinstance(value, dict):
        return {k: _scrub(v, address, pseudonym) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, address, pseudonym) for v in value]
    return value


def _scrub_history(conn: Connection, leads: dict[int, str], address: str) -> None:
    """Replace the address by each lead's pseudonym in its history's free text and payloads."""
    pattern = re.compile(re.escape(address), re.IGNORECASE)
    for table, name in NOTES:
        col = table.c[name]
        rows = conn.execute(
            select(table.c.id, table.c.lead_id, col).where(
                table.c.lead_id.in_(list(leads)), func.lower(col).contains(address)
            )
        ).all()
        for rid, lid, text in rows:
            new = pattern.sub(leads[lid], text)
            conn.execute(update(table).where(table.c.id == rid).values({name: new}))
    rows = conn.execute(
        select(OUTBOX.c.id, OUTBOX.c.lead_id, OUTBOX.c.payload).where(
            OUTBOX.c.lead_id.in_(list(leads))
        )
    ).all()
    for rid, lid, payload in rows:
        clean = _scrub(payload, pattern, leads[lid])
        if clean != payload:
            conn.execute(update(OUTBOX).where(OUTBOX.c.id == rid).values(payload=clean))


def erase(store: Store, settings: Settings, email: str, *, now: datetime) -> ErasureResult:
    """Remove a person's personal data everywhere; log the erasure (keyed hash only)."""
    address = normalise_email(email)
    if "@" not in address:
        raise InvalidInput(f"{email!r} is not an email address", field="email")
    digest = email_hash(store, settings, address, now)
    with store.session() as s:
        conn = s.connection()
        contact_id = conn.execute(select(CONTACTS.c.id).where(CONTACTS.c.email == address)).scalar()
        visitor_ids = (
            []
            if contact_id is None
            else list(
                conn.execute(
                    select(VISITORS.c.visitor_id).where(VISITORS.c.contact_id == contact_id)
                ).scalars()
            )
        )
        if contact_id is None and not visitor_ids:
            raise NotFound(f"no contact with the email {address}; nothing to erase", field="email")
        who = [EVENTS.c.contact_id == contact_id]
        if visitor_ids:
            who.append(EVENTS.c.visitor_id.in_(visitor_ids))
        rows = conn.execute(select(EVENTS.c.id, EVENTS.c.url).where(or_(*who))).all()
        if rows:
            conn.execute(
                update(EVENTS)
                .where(EVENTS.c.id == bindparam("eid"))
                .values(
                    contact_id=None,
                    visitor_id=None,
                    ip=None,
                    ua_hash=None,
                    referrer=None,
                    properties={},
                    url=bindparam("u"),
                ),
                [{"eid": r.id, "u": _strip_query(r.url)} for r in rows],
            )
        visitors = conn.execute(
            delete(VISITORS).where(VISITORS.c.contact_id == contact_id)
        ).rowcount
        lead_ids = list(
            conn.execute(
                select(LEADS.c.id).where(
                    or_(LEADS.c.contact_id == contact_id, LEADS.c.key == address)
                )
            ).scalars()
        )
        if lead_ids:
            pseudonyms = {lid: f"erased:{digest[:16]}:{lid}" for lid in lead_ids}
            conn.execute(
                update(LEADS)
                .where(LEADS.c.id == bindparam("lid"))
                .values(contact_id=None, key=bindparam("k")),
                [{"lid": lid, "k": k} for lid, k in pseudonyms.items()],
            )
            _scrub_history(conn, pseudonyms, address)
        deals = conn.execute(
            update(DEALS).where(DEALS.c.contact_id == contact_id).values(contact_id=None)
        ).rowcount
        conn.execute(delete(CONTACTS).where(CONTACTS.c.id == contact_id))
        result = ErasureResult(digest, 1, len(rows), visitors or 0, len(lead_ids), deals or 0)
        removed = {k: v for k, v in result.as_json().items() if k != "email_hash"}
        s.add(Erasure(email_hash=digest, erased_at=now, removed=removed))
    return result


def erasures(store: Store) -> int:
    """How many erasures the log holds."""
    with store.session() as s:
        return int(s.connection().execute(select(func.count()).select_from(Erasure)).scalar_one())
