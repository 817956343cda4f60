"""The alignment report (`leadqual report alignment`, the API): how sales received the MQLs —
acceptance overall, per contract criterion and per source, rejection reasons per criterion,
MQL→SQL time and SLA compliance. The arithmetic is ``handoff.alignment``; this reads the store.

The store does the filtering: one query returns one row per MQL (its latest move to ``mql``,
the first move to ``sql`` after it, sales' latest verdict after it and its SLA), so a large
store's other leads, stage moves and feedback are never read into Python.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import aliased

from leadqual.handoff.alignment import AlignmentReport, MqlOutcome, alignment_report
from leadqual.store.database import Store
from leadqual.store.models import ContractVersion, Lead, StageChange
from leadqual.store.tables_handoff import LeadAssignment, SalesFeedback

__all__ = ["alignment"]


def _criterion(reason: str) -> str:
    """`right_size (+25)` → `right_size`."""
    return reason.split(" (", 1)[0]


@lru_cache(maxsize=64)
def _fit_criteria(text: str) -> frozenset[str]:
    """The fit criteria's names of one contract text (parsing a contract is the slow part of a
    small report, and stored contract versions never change)."""
    from leadqual.contract.loader import load_contract

    return frozenset(c.name for c in load_contract(text).fit)


def _mqls(since: datetime | None, contract_version: int | None) -> Any:
    """Each lead's latest move to ``mql`` (latest by time, then by id), kept when it is since
    ``since`` and by ``contract_version``."""
    moves = (
        select(
            StageChange.lead_id,
            StageChange.at,
            StageChange.contract_version,
            func.row_number()
            .over(
                partition_by=StageChange.lead_id,
                order_by=(StageChange.at.desc(), StageChange.id.desc()),
            )
            .label("newest"),
        )
        .where(StageChange.to_stage == "mql")
        .subquery("moves")
    )
    latest = select(moves.c.lead_id, moves.c.at).where(moves.c.newest == 1)
    if contract_version is not None:
        latest = latest.where(moves.c.contract_version == contract_version)
    if since is not None:
        latest = latest.where(moves.c.at >= since)
    return latest.subquery("mql")


def _outcomes_select(since: datetime | None, contract_version: int | None) -> Any:
    mql = _mqls(since, contract_version)
    to_sql = aliased(StageChange, name="to_sql")
    first_sql_at = (
        select(func.min(to_sql.at))
        .where(to_sql.lead_id == mql.c.lead_id, to_sql.to_stage == "sql", to_sql.at >= mql.c.at)
        .scalar_subquery()
    )
    said = aliased(SalesFeedback, name="said")
    latest_said = (
        select(said.id)
        .where(said.lead_id == mql.c.lead_id, said.at >= mql.c.at)
        .order_by(said.at.desc(), said.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            mql.c.lead_id,
            mql.c.at,
            Lead.source,
            # As text: a store's leads share few distinct reason lists, so each is parsed once.
            cast(Lead.reasons, Text).label("reasons"),
            SalesFeedback.verdict,
            SalesFeedback.reason,
            first_sql_at.label("sql_at"),
            LeadAssignment.due_at,
            LeadAssignment.first_touch_at,
        )
        .select_from(mql)
        .join(Lead, Lead.id == mql.c.lead_id)
        .outerjoin(SalesFeedback, SalesFeedback.id == latest_said)
        .outerjoin(LeadAssignment, LeadAssignment.lead_id == mql.c.lead_id)
        .order_by(mql.c.lead_id)
    )


def alignment(
    store: Store,
    *,
    now: datetime,
    since: datetime | None = None,
    contract_version: int | None = None,
) -> AlignmentReport:
    """The report over every lead that became an MQL (optionally since ``since``, or made an
    MQL by one ``contract_version``). Each lead counts once, from its latest move to ``mql``;
    criteria are the fit criteria (of any stored contract version) among its current reasons.

    >>> alignment(store, now=datetime(2026, 6, 1)).as_dict()["overall"]  # doctest: +SKIP
    {'mqls': 120, 'accepted': 70, 'rejected': 30, 'undecided': 20, 'acceptance_rate': 0.7, ...}
    """
    with store.session() as s:
        criteria: set[str] = set()
        for (text,) in s.execute(select(ContractVersion.text)):
            criteria.update(_fit_criteria(text))
        rows = s.execute(_outcomes_select(since, contract_version)).all()
    passed: dict[str | None, tuple[str, ...]] = {}
    for r in rows:
        if r.reasons not in passed:
            reasons = json.loads(r.reasons) if r.reasons else None
            passed[r.reasons] = tuple(
                c for c in (_criterion(x) for x in reasons or []) if c in criteria
            )
    outcomes = [
        MqlOutcome(
            lead_id=r.lead_id,
            source=r.source,
            criteria=passed[r.reasons],
            mql_at=r.at,
            verdict=r.verdict,
            reason=r.reason,
            sql_at=r.sql_at,
            due_at=r.due_at,
            first_touch_at=r.first_touch_at,
        )
        for r in rows
    ]
    return alignment_report(outcomes, now=now)
