"""The visitor feed sales reads (`leadqual visitors`): the companies identified on the website
lately, with their fit and intent, what they looked at, who (if known) and when.

A company is in the feed when one of its page views falls in the window ``[now - since, now)``:
a view of an account (an event with ``account_id`` set: an own-CIDR or domain-carrying network
match, or a known person's email domain), or a view whose IP resolved to a company known only by
its network (an ASN organisation without a web domain: ``org`` set, no account). The latter are
listed by organisation name, with no domain, lead, fit or stage. Every company shows how it was
identified — the ``source`` and ``confidence`` of its strongest view (``contact``, 1.0, when a
known person made it) — so a company resting on a weak network guess is told apart.

Intent features come from the Ibis pipeline (``features.intent``) on DuckDB over the store's page
views of the last four weeks (the trend needs them); fit, intent and stage come from the
account's leads as qualification left them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import and_, case, func, or_, select

from leadqual.errors import InvalidInput
from leadqual.features.engines import duckdb_arrow, read_events
from leadqual.features.intent import DEFAULT_CATEGORIES, intent_features
from leadqual.services.lookup import active
from leadqual.store.database import Store
from leadqual.store.models import Account, Contact, Event, Lead

__all__ = ["Person", "VisitingCompany", "parse_since", "visitor_feed"]

HISTORY = timedelta(days=28)
CONTACT_SOURCE = "contact"  # the view was made by a known person (a form with their email)
_SINCE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> timedelta:
    """``30m``, ``24h``, ``7d`` or ``2w`` as a time span.

    >>> parse_since("7d")
    datetime.timedelta(days=7)
    """
    m = _SINCE.match(text)
    if m is None or int(m.group(1)) == 0:
        raise InvalidInput(
            f"--since: {text!r} is not a time span; use e.g. 30m, 24h, 7d or 2w", field="since"
        )
    return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


@dataclass(frozen=True)
class Person:
    """A known person at the company who visited in the window."""

    email: str
    name: str | None
    job_title: str | None
    page_views: int
    last_seen: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "name": self.name,
            "job_title": self.job_title,
            "page_views": self.page_views,
            "last_seen": self.last_seen.isoformat(),
        }


@dataclass(frozen=True)
class VisitingCompany:
    """One company of the feed. ``page_views``, ``categories`` and ``top_pages`` count the
    window; ``features`` holds its intent features as of ``now`` (docs/intent.md). ``domain`` is
    ``None`` for a company known only by its network (``name`` is then the network's
    organisation); ``source`` and ``confidence`` tell how it was identified (its strongest view
    in the window)."""

    domain: str | None
    name: str | None
    lead_key: str | None
    stage: str | None
    fit: float | None
    intent: float | None
    page_views: int
    visits: int
    visitors: int
    categories: dict[str, int]
    top_pages: list[tuple[str, int]]
    people: list[Person]
    last_seen: datetime
    features: dict[str, Any]
    source: str | None = None
    confidence: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "name": self.name,
            "identified_by": "account" if self.domain is not None else "network",
            "source": self.source,
            "confidence": self.confidence,
            "lead": self.lead_key,
            "stage": self.stage,
            "fit": self.fit,
            "intent": self.intent,
            "page_views": self.page_views,
            "visits": self.visits,
            "visitors": self.visitors,
            "categories": self.categories,
            "top_pages": [{"path": p, "views": n} for p, n in self.top_pages],
            "people": [p.as_json() for p in self.people],
            "last_seen": self.last_seen.isoformat(),
            "features": {
                k: v.isoformat() if isinstance(v, datetime) else v for k, v in self.features.items()
            },
        }


def _top_pages(views: pa.Table, top: int) -> dict[int, list[tuple[str, int]]]:
    counts = (
        views.filter(pc.is_valid(views["path"]))
        .group_by(["account_id", "path"])
        .aggregate([("path", "count")])
        .sort_by([("account_id", "ascending"), ("path_count", "descending"), ("path", "ascending")])
    )
    out: dict[int, list[tuple[str, int]]] = {}
    for acc, path, n in zip(
        counts["account_id"].to_pylist(),
        counts["path"].to_pylist(),
        counts["path_count"].to_pylist(),
        strict=True,
    ):
        pages = out.setdefault(acc, [])
        if len(pages) < top:
            pages.append((path, n))
    return out


def _people(store: Store, views: pa.Table) -> dict[int, list[Person]]:
    known = views.filter(pc.is_valid(views["contact_id"]))
    if known.num_rows == 0:
        return {}
    per = known.group_by(["account_id", "contact_id"]).aggregate(
        [("contact_id", "count"), ("occurred_at", "max")]
    )
    ids = per["contact_id"].to_pylist()
    with store.session() as s:
        rows = {
            r.id: r
            for r in s.execute(
                select(
                    Contact.id,
                    Contact.email,
                    Contact.first_name,
                    Contact.last_name,
                    Contact.job_title,
                ).where(Contact.id.in_(ids))
            ).all()
        }
    out: dict[int, list[Person]] = {}
    for acc, cid, n, last in zip(
        per["account_id"].to_pylist(),
        ids,
        per["contact_id_count"].to_pylist(),
        per["occurred_at_max"].to_pylist(),
        strict=True,
    ):
        row = rows.get(cid)
        if row is None:
            continue
        name = " ".join(p for p in (row.first_name, row.last_name) if p) or None
        out.setdefault(acc, []).append(Person(row.email, name, row.job_title, n, last))
    for people in out.values():
        people.sort(key=lambda p: (p.last_seen, p.email), reverse=True)
    return out


def _accounts(store: Store, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """Per account: domain, name and its hottest lead (key, stage, fit, intent)."""
    with store.session() as s:
        accounts = {
            r.id: (r.domain, r.name)
            for r in s.execute(
                select(Account.id, Account.domain, Account.name).where(Account.id.in_(ids))
            ).all()
        }
        leads = s.execute(
            select(Lead.account_id, Lead.key, Lead.stage, Lead.fit, Lead.intent).where(
                Lead.account_id.in_(ids)
            )
        ).all()
    best: dict[int, tuple[Any, ...]] = {}
    for acc, key, stage, fit, intent in leads:
        assert acc is not None  # selected by account
        rank = ((fit or 0) + (intent or 0), key)
        if acc not in best or rank > best[acc][0]:
            best[acc] = (rank, key, stage, fit, intent)
    return {
        acc: (*accounts[acc], *(best[acc][1:] if acc in best else (None, None, None, None)))
        for acc in ids
        if acc in accounts
    }


def _network_views(
    store: Store, schema: pa.Schema, since: datetime, until: datetime
) -> tuple[pa.Table, dict[int, str]]:
    """Page views of companies known only by their network, shaped like ``read_events``' table,
    each organisation under a key of its own (negative, so it never meets an account id)."""
    cols = [getattr(Event, f.name) for f in schema]
    stmt = select(Event.org, *cols).where(
        Event.type == "page_view",
        Event.account_id.is_(None),
        Event.ident_kind == "company",
        Event.org.is_not(None),
        Event.occurred_at >= since,
        Event.occurred_at < until,
    )
    with store.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    orgs = sorted({r[0] for r in rows})
    key = {org: -(i + 1) for i, org in enumerate(orgs)}
    values = (
        [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(len(cols) + 1)]
    )
    arrays = {f.name: pa.array(v, f.type) for f, v in zip(schema, values[1:], strict=True)}
    arrays["account_id"] = pa.array([key[o] for o in values[0]], pa.int64())
    return pa.table(arrays, schema=schema), {k: org for org, k in key.items()}


def _identifications(
    store: Store, start: datetime, now: datetime, accounts: list[int], orgs: Mapping[int, str]
) -> dict[int, tuple[str | None, float | None, str | None]]:
    """Per feed key: the source and confidence of its strongest page view in the window (a
    known person's view counts as ``contact``, 1.0), and the organisation its network
    identification named (the name of an account created from an IP match)."""
    by_org = {org: k for k, org in orgs.items()}
    known = func.max(case((Event.contact_id.is_not(None), 1), else_=0))
    stmt = (
        select(
            Event.account_id,
            Event.org,
            Event.ident_kind,
            Event.ident_source,
            func.max(Event.ident_confidence),
            known,
        )
        .where(
            Event.type == "page_view",
            Event.occurred_at >= start,
            Event.occurred_at < now,
            or_(
                Event.account_id.in_(accounts),
                and_(
                    Event.account_id.is_(None),
                    Event.ident_kind == "company",
                    Event.org.in_(list(by_org)),
                ),
            ),
        )
        .group_by(Event.account_id, Event.org, Event.ident_kind, Event.ident_source)
    )
    with store.session() as s:
        rows = s.execute(stmt).all()
    best: dict[int, tuple[float, str]] = {}
    named: dict[int, tuple[float, str]] = {}
    for acc, org, kind, source, confidence, person in rows:
        k = acc if acc is not None else by_org[org]
        found = []
        if kind == "company" and source is not None and confidence is not None:
            found.append((float(confidence), str(source)))
            if org and (k not in named or (float(confidence), org) > named[k]):
                named[k] = (float(confidence), org)
        if person:
            found.append((1.0, CONTACT_SOURCE))
        for cand in found:
            if k not in best or cand > best[k]:
                best[k] = cand
    return {
        k: (source, round(conf, 3), named[k][1] if k in named else None)
        for k, (conf, source) in best.items()
    }


def visitor_feed(
    store: Store,
    *,
    now: datetime,
    since: timedelta = timedelta(days=7),
    limit: int | None = 50,
    categories: Mapping[str, Sequence[str]] | None = None,
    top_pages: int = 5,
    min_confidence: float | None = None,
) -> list[VisitingCompany]:
    """The companies seen on the website in ``[now - since, now)``, most recently seen first
    (at most ``limit``). ``min_confidence`` leaves out views identified more weakly (a known
    person's view and an imported one count as certain). ``categories``: the page categories;
    by default the active contract's ``pages:`` (the built-in ones before any contract).

    >>> # visitor_feed(store, now=datetime(2026, 3, 31), since=parse_since("7d"), limit=20)
    """
    if limit is not None and limit < 1:
        raise InvalidInput("--limit must be at least 1", field="limit")
    if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
        raise InvalidInput("--min-confidence must be between 0 and 1", field="min_confidence")
    if categories is None:
        categories = _contract_pages(store)
    start = now - since
    first = min(start, now - HISTORY)
    events = read_events(store, until=now, since=first)
    events = events.filter(pc.is_valid(events["account_id"]))
    network, orgs = _network_views(store, events.schema, first, now)
    events = pa.concat_tables([events, network])
    if min_confidence is not None and "ident_confidence" in events.column_names:
        conf = pc.if_else(
            pc.is_valid(events["contact_id"]), 1.0, pc.fill_null(events["ident_confidence"], 1.0)
        )
        events = events.filter(pc.greater_equal(conf, min_confidence))
    window = events.filter(
        pc.greater_equal(events["occurred_at"], pa.scalar(start, events["occurred_at"].type))
    )
    if window.num_rows == 0:
        return []
    source = duckdb_arrow(window)
    recent = source.run(intent_features(source.events, now, categories=categories))
    history = duckdb_arrow(events)
    feats = {
        r["account_id"]: r
        for r in history.run(
            intent_features(history.events, now, categories=categories)
        ).to_pylist()
    }
    rows = sorted(
        recent.to_pylist(), key=lambda r: (r["last_view_at"], r["account_id"]), reverse=True
    )
    if limit is not None:
        rows = rows[:limit]
    ids = [r["account_id"] for r in rows]
    accounts = _accounts(store, [i for i in ids if i >= 0])
    idents = _identifications(
        store, start, now, [i for i in ids if i >= 0], {i: orgs[i] for i in ids if i < 0}
    )
    pages = _top_pages(
        window.filter(pc.is_in(window["account_id"], pa.array(ids, pa.int64()))), top_pages
    )
    people = _people(store, window)
    names = [n for n in categories if n != "other"] + ["other"]
    feed = []
    for r in rows:
        acc = r["account_id"]
        if acc in orgs:
            domain, name, key, stage, fit, intent = None, orgs[acc], None, None, None, None
        elif acc in accounts:
            domain, name, key, stage, fit, intent = accounts[acc]
        else:
            continue
        how, confidence, org = idents.get(acc, (None, None, None))
        feed.append(
            VisitingCompany(
                domain=domain,
                name=name or org,
                lead_key=key,
                stage=stage,
                fit=fit,
                intent=None if intent is None else round(intent, 2),
                page_views=r["page_views"],
                visits=r["visits"],
                visitors=r["visitors"],
                categories={n: r[f"views_{n}"] for n in names if r[f"views_{n}"]},
                top_pages=pages.get(acc, []),
                people=people.get(acc, []),
                last_seen=r["last_view_at"],
                features={k: v for k, v in feats[acc].items() if k != "account_id"},
                source=how,
                confidence=confidence,
            )
        )
    return feed


def _contract_pages(store: Store) -> Mapping[str, Sequence[str]]:
    with store.session() as s:
        _, contract = active(s)
    return DEFAULT_CATEGORIES if contract is None else contract.pages
