"""The visitor feed sales reads (`leadqual visitors`): the companies identified on the website
lately, with their fit and intent, what they looked at, who (if known) and when.

A company is in the feed when one of its page views (an event with ``account_id`` set) falls in
the window ``[now - since, now)``. Its intent features come from the Ibis pipeline
(``features.intent``) on DuckDB over the store's page views of the last four weeks (the trend
needs them); fit, intent and stage come from the account's leads as qualification left them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select

from leadqual.errors import InvalidInput
from leadqual.features.engines import duckdb_arrow, read_events
from leadqual.features.intent import DEFAULT_CATEGORIES, intent_features
from leadqual.store.database import Store
from leadqual.store.models import Account, Contact, Lead

__all__ = ["Person", "VisitingCompany", "parse_since", "visitor_feed"]

HISTORY = timedelta(days=28)
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
    window; ``features`` holds its intent features as of ``now`` (docs/intent.md)."""

    domain: str
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

    def as_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain,
            "name": self.name,
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


def visitor_feed(
    store: Store,
    *,
    now: datetime,
    since: timedelta = timedelta(days=7),
    limit: int | None = 50,
    categories: Mapping[str, Sequence[str]] = DEFAULT_CATEGORIES,
    top_pages: int = 5,
    min_confidence: float | None = None,
) -> list[VisitingCompany]:
    """The companies seen on the website in ``[now - since, now)``, most recently seen first
    (at most ``limit``).

    >>> # visitor_feed(store, now=datetime(2026, 3, 31), since=parse_since("7d"), limit=20)
    """
    if limit is not None and limit < 1:
        raise InvalidInput("--limit must be at least 1", field="limit")
    start = now - since
    events = read_events(store, until=now, since=min(start, now - HISTORY))
    if min_confidence is not None and "ident_confidence" in events.column_names:
        conf = pc.fill_null(events["ident_confidence"], 1.0)
        events = events.filter(pc.greater_equal(conf, min_confidence))
    events = events.filter(pc.is_valid(events["account_id"]))
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
    accounts = _accounts(store, ids)
    pages = _top_pages(
        window.filter(pc.is_in(window["account_id"], pa.array(ids, pa.int64()))), top_pages
    )
    people = _people(store, window)
    names = [n for n in categories if n != "other"] + ["other"]
    feed = []
    for r in rows:
        acc = r["account_id"]
        if acc not in accounts:
            continue
        domain, name, key, stage, fit, intent = accounts[acc]
        feed.append(
            VisitingCompany(
                domain=domain,
                name=name,
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
            )
        )
    return feed
