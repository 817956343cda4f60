"""Read what the feature table needs out of the store, as Arrow tables (one query per table).

This is the only I/O of the feature pipeline; ``features.build`` turns these frames into the
feature table for any as-of time without touching the store again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Executable, func, select

from leadqual.features.schema import DEPARTMENTS
from leadqual.store.database import Store
from leadqual.store.models import (
    Account,
    BantAnswer,
    Contact,
    Deal,
    Event,
    Lead,
    LeadScore,
    StageChange,
)

__all__ = ["StoreFrames", "load_frames"]

_TS = pa.timestamp("us")
_EVENTS = pa.schema(
    [
        ("lead_id", pa.int64()),
        ("type", pa.string()),
        ("occurred_at", _TS),
        ("page_type", pa.string()),
        ("form_kind", pa.string()),
        ("path", pa.string()),
        ("url", pa.string()),
        ("referrer", pa.string()),
        ("title", pa.string()),
        ("dwell_ms", pa.int64()),
        ("ident_confidence", pa.float64()),
        # who made the view, for the account-level intent features (features.intent)
        ("account_id", pa.int64()),
        ("contact_id", pa.int64()),
        ("visitor_id", pa.string()),
    ]
)


@dataclass(frozen=True)
class StoreFrames:
    """The store's rows as columns, events cut at ``until``."""

    leads: pa.Table
    events: pa.Table
    deals: pa.Table
    bant: pa.Table
    accepted: pa.Table
    until: datetime


def _fetch(store: Store, stmt: Executable, schema: pa.Schema, chunk: int = 50_000) -> pa.Table:
    batches: list[pa.RecordBatch] = []
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=chunk).execute(stmt)
        for rows in result.partitions(chunk):
            cols = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
            arrays = [pa.array(c, type=f.type) for c, f in zip(cols, schema, strict=True)]
            batches.append(pa.RecordBatch.from_arrays(arrays, schema=schema))
    if not batches:
        return schema.empty_table()
    return pa.Table.from_batches(batches, schema=schema)


def _lead_rows(store: Store) -> pa.Table:
    # The latest score of each lead is its row with the highest id (scoring appends).
    latest = (
        select(LeadScore.lead_id, func.max(LeadScore.id).label("id"))
        .group_by(LeadScore.lead_id)
        .subquery("latest")
    )
    stmt = (
        select(
            Lead.id,
            Lead.key,
            Lead.contact_id,
            Lead.account_id,
            Account.domain,
            Contact.email,
            Account.industry,
            Account.employees,
            Account.annual_revenue,
            Account.country,
            Account.technologies,
            Account.monthly_visits,
            Account.ad_spend,
            Account.department_sizes,
            Contact.job_title,
            Lead.stage,
            Lead.created_at,
            LeadScore.p_win,
        )
        .outerjoin(Account, Account.id == Lead.account_id)
        .outerjoin(Contact, Contact.id == Lead.contact_id)
        .outerjoin(latest, latest.c.lead_id == Lead.id)
        .outerjoin(LeadScore, LeadScore.id == latest.c.id)
        .order_by(Lead.id)
    )
    raw = pa.schema(
        [
            ("lead_id", pa.int64()),
            ("key", pa.string()),
            ("contact_id", pa.int64()),
            ("account_id", pa.int64()),
            ("account_domain", pa.string()),
            ("email", pa.string()),
            ("industry", pa.string()),
            ("employees", pa.int64()),
            ("annual_revenue", pa.float64()),
            ("country", pa.string()),
            ("technologies", pa.list_(pa.string())),
            ("monthly_visits", pa.int64()),
            ("ad_spend", pa.float64()),
            ("department_sizes", pa.string()),  # replaced below
            ("job_title", pa.string()),
            ("stage", pa.string()),
            ("created_at", _TS),
            ("p_win", pa.float64()),
        ]
    )
    with store.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    cols: dict[str, list[Any]] = {f.name: [] for f in raw}
    names = [f.name for f in raw]
    for row in rows:
        for name, value in zip(names, row, strict=True):
            cols[name].append(value)
    depts = cols.pop("department_sizes")
    arrays = {name: pa.array(values, type=raw.field(name).type) for name, values in cols.items()}
    arrays["industry"] = pa.array([v.lower() if v else v for v in cols["industry"]], pa.string())
    arrays["technologies"] = pa.array(
        [[t.lower() for t in v] if v else [] for v in cols["technologies"]], pa.list_(pa.string())
    )
    arrays["lead_kind"] = pa.array(
        ["person" if c is not None else "account" for c in cols["contact_id"]], pa.string()
    )
    for d in DEPARTMENTS:
        arrays[f"dept_{d}"] = pa.array([(v or {}).get(d) for v in depts], pa.int64())
    del arrays["contact_id"]
    return pa.table(arrays)


def load_frames(
    store: Store,
    until: datetime,
    *,
    with_events: bool = True,
    event_columns: Sequence[str] | None = None,
) -> StoreFrames:
    """Everything the feature table needs, with events, deals and answers up to ``until``.

    Events are read only ``with_events`` (else an empty events table), so a caller that keeps
    its events across several as-of times reads them once; ``event_columns`` (see
    ``features.events.event_columns``) reads only the columns a contract needs.
    """
    names = [f.name for f in _EVENTS if event_columns is None or f.name in event_columns]
    schema = pa.schema([_EVENTS.field(n) for n in names])
    events = (
        schema.empty_table()
        if not with_events
        else _fetch(
            store,
            select(*(getattr(Event, n) for n in names))
            .where(Event.lead_id.is_not(None), Event.occurred_at <= until)
            .order_by(Event.lead_id, Event.occurred_at),
            schema,
        )
    )
    deals = _fetch(
        store,
        select(Deal.lead_id, Deal.stage, Deal.created_at, Deal.closed_at, Deal.amount).where(
            Deal.lead_id.is_not(None)
        ),
        pa.schema(
            [
                ("lead_id", pa.int64()),
                ("stage", pa.string()),
                ("created_at", _TS),
                ("closed_at", _TS),
                ("amount", pa.float64()),
            ]
        ),
    )
    bant = _fetch(
        store,
        select(
            BantAnswer.lead_id, BantAnswer.criterion, BantAnswer.confirmed, BantAnswer.confirmed_at
        ).where(BantAnswer.confirmed_at <= until),
        pa.schema(
            [
                ("lead_id", pa.int64()),
                ("criterion", pa.string()),
                ("confirmed", pa.bool_()),
                ("confirmed_at", _TS),
            ]
        ),
    )
    accepted = _fetch(
        store,
        select(StageChange.lead_id, StageChange.at).where(
            StageChange.to_stage == "sal", StageChange.at <= until
        ),
        pa.schema([("lead_id", pa.int64()), ("accepted_at", _TS)]),
    )
    return StoreFrames(_lead_rows(store), events, deals, bant, accepted, until)
