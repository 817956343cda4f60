"""The collector's steps: ``prepare`` one request (server time, clock-skew correction, bot
filter — each drop counted with its reason), then ``write`` any number of prepared requests in ONE
transaction (identification, visitor → contact links, accounts, the events inserted with
``ON CONFLICT (event_id)`` so a retried event is stored once, the drop counters).

Everything per event is plain tuples handed to the driver's ``executemany``; no ORM object is
built per event.

>>> # collector = Collector(store, settings); prepared = collector.prepare(payload, site, ip, ua)
>>> # collector.write([prepared])  → [Outcome(stored=…, duplicates=…, dropped={…})]
"""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Connection, Table, and_, bindparam, func, literal_column, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from leadqual.identify.bots import BotFilter, PageRateGuard
from leadqual.identify.emails import EmailDomains
from leadqual.ingest.accounts import ensure_accounts
from leadqual.ingest.context import Tally, WriteContext
from leadqual.ingest.fields import FORM_KINDS, page_type_of
from leadqual.ingest.leads import LeadTally, PersonRef, account_leads, ensure_person_leads
from leadqual.ingest.upsert import (
    IN_BATCH,
    existing_keys,
    insert_ignore,
    select_in,
    value_adapters,
)
from leadqual.settings import Settings
from leadqual.store.database import Store
from leadqual.store.models import Contact, Event
from leadqual.store.tables_tracking import BotDrop, Visitor
from leadqual.tracking.keys import IpStorage, keyed_hash
from leadqual.tracking.payload import Payload

if TYPE_CHECKING:
    from leadqual.identify.resolve import Verdict

__all__ = ["SOURCE", "Collector", "Outcome", "Prepared", "Row"]

log = logging.getLogger(__name__)

SOURCE = "tracker"
MAX_AGE = timedelta(days=30)  # older events (after skew correction) are dropped as too_old
EVENTS: Table = Event.__table__  # type: ignore[assignment]
CONTACTS: Table = Contact.__table__  # type: ignore[assignment]
VISITORS: Table = Visitor.__table__  # type: ignore[assignment]
DROPS: Table = BotDrop.__table__  # type: ignore[assignment]
EVENT_COLUMNS = (
    "event_id", "type", "occurred_at", "received_at", "lead_id", "account_id", "contact_id",
    "visitor_id", "url", "path", "page_type", "referrer", "title", "dwell_ms", "form_kind",
    "properties", "source", "site_id", "ip", "ua_hash", "org", "ident_kind", "ident_source",
    "ident_confidence",
)
_FORM_KINDS = frozenset(FORM_KINDS)
# Addresses whose identification a worker remembers: a miss costs a few µs (a searchsorted per
# dataset), a remembered address ~150 bytes, so a small cache is enough for repeat visitors.
IDENT_CACHE = 4096
# The event columns whose Python value the driver cannot take as it is (datetimes on SQLite,
# JSON): the only ones converted per row.
_OCCURRED, _RECEIVED, _PROPERTIES = (EVENT_COLUMNS.index(c) for c in (
    "occurred_at", "received_at", "properties"))
VISITOR_COLUMNS = ("visitor_id", "site_id", "contact_id", "first_seen", "last_seen", "linked_at")


@dataclass(frozen=True)
class Outcome:
    """What became of one request: events stored for the first time, events the store already
    held (a retry: same ids, nothing new stored), and events dropped, by reason."""

    stored: int
    duplicates: int
    dropped: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {"stored": self.stored, "duplicates": self.duplicates, "dropped": self.dropped}


class Row(NamedTuple):
    """One kept event, as far as it is known before the database: the columns that come from
    the request (the writer adds the visit's lead, account, contact and identification)."""

    event_id: str
    type: str
    occurred_at: datetime
    url: str | None
    path: str | None
    page_type: str | None
    referrer: str | None
    title: str | None
    dwell_ms: int | None
    form_kind: str | None
    properties: dict[str, Any] | None
    visitor_id: str | None


assert Row._fields[3:10] == EVENT_COLUMNS[8:15]


@dataclass
class Prepared:
    """One request after the checks that need no database: its kept events as partial rows."""

    site_id: int
    ip: str | None
    stored_ip: str | None
    ua_hash: str | None
    received_at: datetime
    rows: list[Row] = field(default_factory=list)
    links: list[tuple[str, str, datetime]] = field(default_factory=list)  # visitor, email, at
    dropped: dict[str, int] = field(default_factory=dict)  # reason → events


_EPOCH = datetime(1970, 1, 1)


def _naive(epoch: float) -> datetime:
    """Epoch seconds as a naive UTC datetime, to the microsecond (rounded half to even, as
    ``datetime.fromtimestamp``, which takes ~0.9 µs with a time zone to this ~0.2 µs)."""
    return _EPOCH + timedelta(seconds=epoch)


def _load_resolver(store: Store) -> Any:
    """The IP resolver of ``leadqual.identify.resolve``, or ``None`` while it is absent."""
    try:
        from leadqual.identify.resolve import load_resolver
    except ImportError:
        return None
    return load_resolver(store)


class Collector:
    """The collector of one worker: its bot filter, page-rate guard, email domains and IP
    resolver are loaded once; ``write`` is safe to call from one thread at a time."""

    def __init__(self, store: Store, settings: Settings, *, key: str,
                 bots: BotFilter | None = None, emails: EmailDomains | None = None,
                 guard: PageRateGuard | None = None, resolver: Any = "load") -> None:
        self.store = store
        self.bots = bots or BotFilter()
        self.emails = emails or EmailDomains()
        self.guard = guard or PageRateGuard()
        self.resolver = _load_resolver(store) if resolver == "load" else resolver
        self.key = key
        self.ip_storage = IpStorage(settings.tracking_ip_storage, key)
        self._ua_hash: Callable[[str], str] = lru_cache(maxsize=4096)(
            lambda ua: keyed_hash(key, ua, 16))
        self._idents: OrderedDict[str, Verdict] = OrderedDict()
        # Page types by path: the same few hundred paths of a site, again and again.
        self._page_type: Callable[[str | None], str | None] = lru_cache(maxsize=8192)(
            page_type_of)

    # ------------------------------------------------------------------ per request, no I/O

    def prepare(self, payload: Payload, site_id: int, ip: str | None,
                user_agent: str | None, now: float) -> Prepared:
        """Stamp server time, correct the client's clock, drop bots; ``now`` is epoch seconds."""
        received = _naive(now)
        ua = user_agent or ""
        prepared = Prepared(site_id, ip, self.ip_storage(ip),
                            self._ua_hash(ua) if ua else None, received)
        bot = self.bots.match(user_agent)
        if bot is not None:
            prepared.dropped[bot] = len(payload.events)
            return prepared
        # The client's clock may be off: shift its times by how far its send time is from ours.
        skew = now - payload.sent_at if payload.sent_at is not None else 0.0
        oldest = now - MAX_AGE.total_seconds()
        guard, page_type, rows, dropped = (self.guard, self._page_type, prepared.rows,
                                           prepared.dropped)
        for e in payload.events:
            t = min(e.ts + skew, now)
            if t < oldest:
                dropped["too_old"] = dropped.get("too_old", 0) + 1
                continue
            if e.type == "page_view" and not guard.allow(e.visitor or ip or "", t, e.id):
                dropped["page_rate"] = dropped.get("page_rate", 0) + 1
                continue
            occurred = received if t == now else _naive(t)
            kind = None
            properties: dict[str, Any] | None = None
            form = e.form
            if form is not None:
                properties = {}
                if form.kind is not None:
                    kind = form.kind if form.kind in _FORM_KINDS else "other"
                    if kind != form.kind:
                        properties["form_kind"] = form.kind
                if form.form_id:
                    properties["form_id"] = form.form_id
                if form.email and e.visitor and e.type == "form_submit":
                    prepared.links.append((e.visitor, form.email, occurred))
            rows.append(Row(e.id, e.type, occurred, e.url, e.path, page_type(e.path), e.referrer,
                            e.title, e.dwell_ms, kind, properties or None, e.visitor))
        return prepared

    # ------------------------------------------------------------------ many requests, one txn

    def write(self, batch: Sequence[Prepared]) -> list[Outcome]:
        """Store the prepared requests in one transaction; an outcome per request."""
        with self.store.session() as session:
            duplicates = self._write(session, batch)
        return [Outcome(len(p.rows) - d, d, dict(p.dropped))
                for p, d in zip(batch, duplicates, strict=True)]

    def _identify(self, batch: Sequence[Prepared]) -> dict[str, Verdict]:
        """Each address's (org, domain, kind, source, confidence), remembered per address (the
        same visitors send again and again; the resolver is fixed for the collector's life)."""
        if self.resolver is None:
            return {}
        cache = self._idents
        ips = {p.ip for p in batch if p.ip and p.rows}
        out: dict[str, Verdict] = {}
        for ip in ips:
            hit = cache.get(ip)
            if hit is not None:
                cache.move_to_end(ip)
                out[ip] = hit
        missing = sorted(ips - out.keys())
        if missing:
            for ip, verdict in zip(missing, self.resolver.identify_many(missing), strict=True):
                out[ip] = cache[ip] = verdict
            while len(cache) > IDENT_CACHE:
                cache.popitem(last=False)
        return out

    def _write(self, session: Session, batch: Sequence[Prepared]) -> list[int]:
        """Write the batch; per request, how many of its events the store already held."""
        now = max(p.received_at for p in batch)
        idents = self._identify(batch)
        ctx = WriteContext(path="/collect", source=SOURCE, now=now, present=frozenset(),
                           tally=Tally())
        # Accounts of identified companies.
        company_seen: dict[str, datetime] = {}
        for p in batch:
            ident = idents.get(p.ip or "")
            if p.rows and ident and ident[2] == "company" and ident[1]:
                company_seen.setdefault(ident[1], p.received_at)
        accounts = ensure_accounts(session, company_seen, ctx) if company_seen else {}
        visitor_contact = self._visitors(session, batch, now)
        if any(p.links for p in batch):
            visitor_contact.update(self._link(session, batch, ctx))
        linked = {c for c in visitor_contact.values() if c is not None}
        people = [PersonRef(r.id, r.email, r.account_id, r.created_at) for r in select_in(
            session, [CONTACTS.c.id, CONTACTS.c.email, CONTACTS.c.account_id,
                      CONTACTS.c.created_at], CONTACTS.c.id, linked)] if linked else []
        contact_rows = {p.contact_id: p.account_id for p in people}
        person_lead = ensure_person_leads(session, people, source=SOURCE,
                                          tally=LeadTally()) if people else {}
        account_only: dict[int, tuple[str, datetime]] = {}
        for p in batch:
            ident = idents.get(p.ip or "")
            if ident and ident[1] in accounts:
                for r in p.rows:
                    if visitor_contact.get(r.visitor_id or "") is None:
                        account_only[accounts[ident[1]]] = (ident[1], p.received_at)
                        break
        company_lead = account_leads(session, account_only, source=SOURCE,
                                     tally=LeadTally()) if account_only else {}
        rows: list[tuple[Any, ...]] = []
        adapters = _adapters(session)
        at = adapters[_OCCURRED] or _same
        props = adapters[_PROPERTIES] or _same
        empty = props({})
        for p in batch:
            ident = idents.get(p.ip or "")
            org = kind = source = confidence = None
            account_id = None
            if ident is not None:
                org, domain, kind, source, confidence = ident
                account_id = accounts.get(domain) if domain else None
            received = (adapters[_RECEIVED] or _same)(p.received_at)
            tail = (SOURCE, p.site_id, p.stored_ip, p.ua_hash, org, kind, source, confidence)
            anonymous = (company_lead.get(account_id) if account_id else None, account_id, None)
            for r in p.rows:
                contact_id = visitor_contact.get(r.visitor_id or "")
                who = anonymous if contact_id is None else (
                    person_lead.get(contact_id), contact_rows.get(contact_id) or account_id,
                    contact_id)
                # Row[3:10] (url … form_kind) is EVENT_COLUMNS[8:15], in the same order.
                rows.append((r.event_id, r.type, at(r.occurred_at), received, *who,
                             r.visitor_id, *r[3:10],
                             props(r.properties) if r.properties else empty, *tail))
        conn = session.connection()
        duplicates = _duplicates(session, batch)
        if rows:
            _executemany(conn, _event_sql(conn.dialect), rows)
        drops = Counter[tuple[int, str]]()
        for p in batch:
            for reason, n in p.dropped.items():
                drops[(p.site_id, reason)] += n
        if drops:
            day = now.replace(hour=0, minute=0, second=0, microsecond=0)
            session.execute(_drops_stmt(conn.dialect.name), [
                {"site_id": s, "day": day, "reason": r, "count": n}
                for (s, r), n in drops.items()])
        return duplicates

    def _visitors(self, session: Session, batch: Sequence[Prepared], now: datetime
                  ) -> dict[str, int | None]:
        """Record the batch's visitors (first/last seen); their linked contacts."""
        seen: dict[str, tuple[int, datetime, datetime]] = {}
        for p in batch:
            for r in p.rows:
                v = r.visitor_id
                if v is None:
                    continue
                t = r.occurred_at
                old = seen.get(v)
                seen[v] = (p.site_id, min(old[1], t), max(old[2], t)) if old else (
                    p.site_id, t, t)
        if not seen:
            return {}
        conn = session.connection()
        known: dict[str, int | None] = {}
        wanted = list(seen)
        for i in range(0, len(wanted), IN_BATCH):
            known.update(conn.execute(_KNOWN_VISITORS, {"wanted": wanted[i : i + IN_BATCH]}).all())
        dt = _visitor_adapters(session)[VISITOR_COLUMNS.index("first_seen")] or _same
        new = [{"visitor_id": v, "site_id": s, "contact_id": None, "first_seen": dt(first),
                "last_seen": dt(last), "linked_at": None}
               for v, (s, first, last) in seen.items() if v not in known]
        if new:
            _run(conn, _statement("visitor_insert", conn.dialect), new)
        later = [{"v": v, "t": dt(seen[v][2])} for v in known]
        if later:
            _run(conn, _statement("visitor_touch", conn.dialect), later)
        return {v: known.get(v) for v in seen}

    def _link(self, session: Session, batch: Sequence[Prepared], ctx: WriteContext
              ) -> dict[str, int]:
        """Visitors who submitted a form with an email → that email's contact (created, at the
        account of the email's domain unless free-mail or disposable); the visitor's earlier
        anonymous events join the contact and its lead."""
        links: dict[str, tuple[str, datetime]] = {}
        for p in batch:
            for visitor, email, at in p.links:
                links.setdefault(visitor, (email, at))
        emails = {e: at for e, at in links.values()}
        found = {r.email: r.id for r in select_in(
            session, [CONTACTS.c.id, CONTACTS.c.email], CONTACTS.c.email, emails)}
        missing = {e: t for e, t in emails.items() if e not in found}
        if missing:
            domains = {d: missing[e] for e in missing
                       if (d := self.emails.company_domain(e)) is not None}
            accounts = ensure_accounts(session, domains, ctx) if domains else {}
            insert_ignore(session, CONTACTS, [
                {"email": e, "account_id": accounts.get(e.rsplit("@", 1)[-1]),
                 "created_at": t, "updated_at": ctx.now} for e, t in missing.items()], "email")
            found.update((r.email, r.id) for r in select_in(
                session, [CONTACTS.c.id, CONTACTS.c.email], CONTACTS.c.email, missing))
        contacts = {r.id: (r.email, r.account_id, r.created_at) for r in select_in(
            session, [CONTACTS.c.id, CONTACTS.c.email, CONTACTS.c.account_id,
                      CONTACTS.c.created_at], CONTACTS.c.id, found.values())}
        leads = ensure_person_leads(session, [
            PersonRef(cid, email, aid, created) for cid, (email, aid, created) in contacts.items()
        ], source=SOURCE, tally=LeadTally())
        out = {v: found[email] for v, (email, _at) in links.items()}
        session.execute(
            update(VISITORS).where(VISITORS.c.visitor_id == bindparam("v"))
            .values(contact_id=bindparam("c"), linked_at=bindparam("t")),
            [{"v": v, "c": c, "t": ctx.now} for v, c in out.items()])
        session.execute(
            update(EVENTS)
            .where(and_(EVENTS.c.visitor_id == bindparam("v"), EVENTS.c.contact_id.is_(None)))
            .values(contact_id=bindparam("c"), lead_id=bindparam("l"),
                    account_id=func.coalesce(bindparam("a"), EVENTS.c.account_id)),
            [{"v": v, "c": c, "l": leads.get(c), "a": contacts[c][1]} for v, c in out.items()])
        return out


def _duplicates(session: Session, batch: Sequence[Prepared]) -> list[int]:
    """Per request, its events whose id the store already holds or an earlier request of the
    batch carries — a retry, which the insert below leaves as it is. Read inside the writing
    transaction; only two workers committing the same retry at the same instant could both
    count it as new (the store still holds it once)."""
    ids = [r.event_id for p in batch for r in p.rows]
    if not ids:
        return [0] * len(batch)
    seen = existing_keys(session, EVENTS.c.event_id, ids)
    out = []
    for p in batch:
        n = 0
        for r in p.rows:
            if r.event_id in seen:
                n += 1
            else:
                seen.add(r.event_id)
        out.append(n)
    return out


def _same(value: Any) -> Any:
    return value


def _adapters(session: Session) -> list[Any]:
    return _cached_adapters(session.get_bind().dialect.name, EVENTS, EVENT_COLUMNS, session)


def _visitor_adapters(session: Session) -> list[Any]:
    return _cached_adapters(session.get_bind().dialect.name, VISITORS, VISITOR_COLUMNS, session)


_ADAPTERS: dict[tuple[str, str], list[Any]] = {}


def _cached_adapters(dialect: str, table: Table, columns: Sequence[str], session: Session
                     ) -> list[Any]:
    key = (dialect, table.name)
    if key not in _ADAPTERS:
        _ADAPTERS[key] = value_adapters(session, table, columns)
    return _ADAPTERS[key]


# Who of a group's visitors the store knows (and their contact); one statement, cached compiled.
_KNOWN_VISITORS = select(VISITORS.c.visitor_id, VISITORS.c.contact_id).where(
    VISITORS.c.visitor_id.in_(bindparam("wanted", expanding=True)))


@dataclass(frozen=True)
class _Statement:
    sql: str
    positions: tuple[str, ...] | None  # parameter names in order (qmark), None for named
    insert: bool  # an INSERT: on SQLite, many rows a statement (``_insert_rows``)


@lru_cache(maxsize=8)
def _statement(name: str, dialect: Any) -> _Statement:
    """The visitor statements of every group, compiled once per dialect (like ``_event_sql``)
    and run on the driver with values already adapted."""
    if name == "visitor_insert":
        ins: Any = (postgresql.insert(VISITORS) if dialect.name == "postgresql"
                    else sqlite.insert(VISITORS))
        stmt: Any = ins.on_conflict_do_nothing(index_elements=["visitor_id"])
        compiled = stmt.compile(dialect=dialect, column_keys=list(VISITOR_COLUMNS))
    else:  # visitor_touch: a later last_seen, never an earlier one
        stmt = (update(VISITORS)
                .where(and_(VISITORS.c.visitor_id == bindparam("v"),
                            VISITORS.c.last_seen < bindparam("t")))
                .values(last_seen=bindparam("t")))
        compiled = stmt.compile(dialect=dialect)
    positions = compiled.positiontup
    return _Statement(str(compiled), tuple(positions) if positions is not None else None,
                      insert=name == "visitor_insert")


def _run(conn: Connection, stmt: _Statement, params: list[dict[str, Any]]) -> None:
    if stmt.positions is not None:
        rows = [tuple(p[k] for k in stmt.positions) for p in params]
        if stmt.insert:
            _insert_rows(conn, stmt.sql, rows)
        else:
            conn.exec_driver_sql(stmt.sql, rows)
    else:
        conn.exec_driver_sql(stmt.sql, params)


@lru_cache(maxsize=4)
def _event_sql(dialect: Any) -> str:
    """``INSERT … ON CONFLICT (event_id)``: a retried event changes nothing, except a page view
    re-sent with a longer time on page, which keeps the longer one."""
    pg = dialect.name == "postgresql"
    ins: Any = postgresql.insert(EVENTS) if pg else sqlite.insert(EVENTS)
    stmt = ins.on_conflict_do_update(
        index_elements=["event_id"],
        set_={"dwell_ms": ins.excluded.dwell_ms},
        where=ins.excluded.dwell_ms > func.coalesce(EVENTS.c.dwell_ms, literal_column("-1")),
    )
    compiled = stmt.compile(dialect=dialect, column_keys=list(EVENT_COLUMNS))
    order = compiled.positiontup
    assert order is None or list(order) == list(EVENT_COLUMNS), order
    return str(compiled)


def _executemany(conn: Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    if conn.dialect.paramstyle == "qmark":
        _insert_rows(conn, sql, rows)
    else:
        conn.exec_driver_sql(sql, [dict(zip(EVENT_COLUMNS, r, strict=True)) for r in rows])


VALUES_ROWS = 100  # rows a multi-row statement: 100 × 24 event columns = 2,400 parameters


def _insert_rows(conn: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Run the one-row ``INSERT … VALUES (?, …) …`` ``sql`` (SQLite) for each of ``rows``:
    ``VALUES_ROWS`` at a time in one multi-row ``INSERT … VALUES (…), (…), …``, the rest by
    ``executemany``. One step of a multi-row statement stores its rows with the GIL released,
    so the event loop parses the next requests meanwhile, where ``executemany`` steps once a
    row and takes the GIL back each time: 42.7k → 50–54k events/s through the batch endpoint
    (bench.collector). Not for the rest: a group of single events is no faster so (in one
    thread, a multi-row statement of 8–32 rows costs ~15 % more than ``executemany``)."""
    dbapi: Any = conn.connection.driver_connection  # the sqlite3 connection
    per = min(VALUES_ROWS, dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // sql.count("?"))
    whole = len(rows) - len(rows) % per
    if whole:
        many = _values_sql(sql, per)
        cursor = dbapi.cursor()
        try:
            for i in range(0, whole, per):
                cursor.execute(many, [v for r in rows[i : i + per] for v in r])
        finally:
            cursor.close()
    if whole < len(rows):
        conn.exec_driver_sql(sql, rows[whole:])


@lru_cache(maxsize=8)
def _values_sql(sql: str, n: int) -> str:
    """The one-row ``INSERT … VALUES (?, …) [ON CONFLICT …]`` ``sql`` for ``n`` rows at once."""
    head, found, rest = sql.partition(" VALUES (")
    placeholders, _, tail = rest.partition(")")
    assert found and set(placeholders) <= set("?, "), sql
    return f"{head} VALUES {', '.join([f'({placeholders})'] * n)}{tail}"


@lru_cache(maxsize=4)
def _drops_stmt(dialect: str) -> Any:
    ins: Any = postgresql.insert(DROPS) if dialect == "postgresql" else sqlite.insert(DROPS)
    return ins.on_conflict_do_update(
        index_elements=["site_id", "day", "reason"],
        set_={"count": DROPS.c.count + ins.excluded["count"]},
    )


def select_visitor_contact(session: Session, visitor_id: str) -> int | None:
    """The contact a visitor is linked to (``None`` if anonymous or unknown)."""
    return session.execute(
        select(VISITORS.c.contact_id).where(VISITORS.c.visitor_id == visitor_id)).scalar()
