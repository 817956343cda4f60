"""The discovery use case: read the store, label the leads, discover criteria.

Deals imported with an account but no lead (a CRM export of opportunities per company, such as
Maven's) would otherwise be invisible: each account that has such deals and no lead of its own
takes part as an account lead of its own, with its firmographics and those deals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import func, select

from leadqual.contract import load_contract, starter_contract_text
from leadqual.discover.attributes import RULE_SCOPES
from leadqual.discover.dataset import labelled_leads
from leadqual.discover.report import DEFAULT_MIN_SUPPORT, DiscoveryReport, discover_table
from leadqual.discover.stats import Target
from leadqual.features.frames import StoreFrames, load_frames
from leadqual.features.schema import DEPARTMENTS
from leadqual.store.database import Store
from leadqual.store.models import Account, Deal, Lead

__all__ = ["discover"]


def _account_leads(store: Store, frames: StoreFrames) -> StoreFrames:
    """``frames`` plus an account lead for every account with lead-less deals and no lead."""
    with store.session() as s:
        has_lead = select(Lead.account_id).where(Lead.account_id.is_not(None))
        accounts = s.execute(
            select(Account)
            .where(
                Account.id.in_(
                    select(Deal.account_id).where(Deal.lead_id.is_(None),
                                                  Deal.account_id.is_not(None))
                ),
                Account.id.not_in(has_lead),
            )
            .order_by(Account.id)
        ).scalars().all()
        if not accounts:
            return frames
        ids = [a.id for a in accounts]
        deals = s.execute(
            select(Deal.account_id, Deal.stage, Deal.created_at, Deal.closed_at, Deal.amount)
            .where(Deal.lead_id.is_(None), Deal.account_id.in_(ids))
        ).all()
        top = s.scalar(select(func.max(Lead.id))) or 0
        first: dict[int, datetime] = {}
        for d in deals:
            when = d.created_at or d.closed_at
            if when is not None and (d.account_id not in first or when < first[d.account_id]):
                first[d.account_id] = when
        lead_of = {aid: top + 1 + i for i, aid in enumerate(ids)}
        cols: dict[str, list[Any]] = {
            "lead_id": [lead_of[a.id] for a in accounts],
            "key": [a.domain for a in accounts],
            "account_domain": [a.domain for a in accounts],
            "email": [None] * len(accounts),
            "industry": [a.industry.lower() if a.industry else None for a in accounts],
            "employees": [a.employees for a in accounts],
            "annual_revenue": [a.annual_revenue for a in accounts],
            "country": [a.country for a in accounts],
            "technologies": [[t.lower() for t in a.technologies or []] for a in accounts],
            "monthly_visits": [a.monthly_visits for a in accounts],
            "ad_spend": [a.ad_spend for a in accounts],
            "job_title": [None] * len(accounts),
            "stage": ["lead"] * len(accounts),
            # An account enters the history no later than its first deal.
            "created_at": [min(a.created_at, first.get(a.id, a.created_at)) for a in accounts],
            "lead_kind": ["account"] * len(accounts),
            **{f"dept_{d}": [(a.department_sizes or {}).get(d) for a in accounts]
               for d in DEPARTMENTS},
        }
    schema = frames.leads.schema
    # Any other column of the lead frame (a score, say) is unknown for an account lead.
    empty = [None] * len(accounts)
    extra = pa.table({f.name: pa.array(cols.get(f.name, empty), f.type) for f in schema},
                     schema=schema)
    deal_schema = frames.deals.schema
    extra_deals = pa.table(
        {
            "lead_id": pa.array([lead_of[d.account_id] for d in deals], pa.int64()),
            "stage": pa.array([d.stage for d in deals], pa.string()),
            "created_at": pa.array([d.created_at for d in deals], deal_schema.field(
                "created_at").type),
            "closed_at": pa.array([d.closed_at for d in deals], deal_schema.field(
                "closed_at").type),
            "amount": pa.array([d.amount for d in deals], pa.float64()),
        },
        schema=deal_schema,
    )
    return StoreFrames(
        leads=pa.concat_tables([frames.leads, extra]),
        events=frames.events,
        deals=pa.concat_tables([frames.deals, extra_deals]),
        bant=frames.bant,
        accepted=frames.accepted,
        until=frames.until,
    )


def discover(
    store: Store,
    *,
    target: Target = "fbeta",
    beta: float = 2.0,
    min_precision: float | None = None,
    min_recall: float | None = None,
    min_support: int = DEFAULT_MIN_SUPPORT,
    max_conditions: int = 3,
    top: int = 5,
    rule_scopes: Sequence[str] = RULE_SCOPES,
    now: datetime,
) -> DiscoveryReport:
    """Discover fit criteria from the store's history up to ``now``: the one key question per
    attribute and the ``top`` best rules of 2 to ``max_conditions`` conditions, with training and
    held-out figures and a contract snippet (``report.snippet``).

    Raises ``InvalidInput`` when there are too few customers to claim anything.

    >>> report = discover(store, now=datetime(2026, 12, 1))  # doctest: +SKIP
    >>> print(report.snippet)  # doctest: +SKIP
    """
    frames = _account_leads(store, load_frames(store, until=now))
    # The contract only names intent signals, which discovery does not use.
    data = labelled_leads(frames, load_contract(starter_contract_text()))
    report = discover_table(
        data.table, data.label, data.cutoff, target=target, beta=beta,
        min_precision=min_precision, min_recall=min_recall, min_support=min_support,
        max_conditions=max_conditions, top=top, rule_scopes=rule_scopes,
    )
    notes = [f"leads without a deal are described as of their creation + "
             f"{data.lead_age_days:g} days (the median lead age at a first deal)"]
    if data.too_young:
        notes.append(f"{data.too_young:,} leads without a deal younger than "
                     f"{data.days_to_customer:g} days (the median wait for a first won deal) "
                     "were left out: they may still buy")
    if data.open_only:
        notes.append(f"{data.open_only:,} leads whose deals are all still open were left out")

    return replace(report, notes=(*report.notes, *notes))


