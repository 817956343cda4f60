"""The alignment report (`leadqual report alignment`, the API): how sales received the MQLs —
acceptance overall, per contract criterion and per source, rejection reasons per criterion,
MQL→SQL time and SLA compliance. The arithmetic is ``handoff.alignment``; this reads the store.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from leadqual.handoff.alignment import AlignmentReport, MqlOutcome, alignment_report
from leadqual.store.database import Store
from leadqual.store.models import ContractVersion, Lead, StageChange
from leadqual.store.tables_handoff import LeadAssignment, SalesFeedback

__all__ = ["alignment"]


def _criterion(reason: str) -> str:
    """`right_size (+25)` → `right_size`."""
    return reason.split(" (", 1)[0]


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
    from leadqual.contract.loader import load_contract

    with store.session() as s:
        criteria: set[str] = set()
        for (text,) in s.execute(select(ContractVersion.text)):
            criteria.update(c.name for c in load_contract(text).fit)
        mql = select(StageChange.lead_id, StageChange.at, StageChange.contract_version).where(
            StageChange.to_stage == "mql"
        )
        latest_mql: dict[int, tuple[datetime, int | None]] = {}
        for lead_id, at, version in s.execute(mql.order_by(StageChange.at, StageChange.id)):
            latest_mql[lead_id] = (at, version)
        if contract_version is not None:
            latest_mql = {k: v for k, v in latest_mql.items() if v[1] == contract_version}
        if since is not None:
            latest_mql = {k: v for k, v in latest_mql.items() if v[0] >= since}
        leads = {
            row.id: row
            for row in s.execute(select(Lead.id, Lead.source, Lead.reasons))
            if row.id in latest_mql
        }
        sql_at: dict[int, datetime] = {}
        for lead_id, at in s.execute(
            select(StageChange.lead_id, StageChange.at)
            .where(StageChange.to_stage == "sql")
            .order_by(StageChange.at.desc())
        ):
            if lead_id in latest_mql and at >= latest_mql[lead_id][0]:
                sql_at[lead_id] = at  # ends on the earliest after the MQL
        verdicts: dict[int, tuple[str, str | None]] = {}
        for lead_id, at, verdict, reason in s.execute(
            select(
                SalesFeedback.lead_id, SalesFeedback.at, SalesFeedback.verdict, SalesFeedback.reason
            ).order_by(SalesFeedback.at, SalesFeedback.id)
        ):
            if lead_id in latest_mql and at >= latest_mql[lead_id][0]:
                verdicts[lead_id] = (verdict, reason)
        sla = {
            lead_id: (due, touched)
            for lead_id, due, touched in s.execute(
                select(LeadAssignment.lead_id, LeadAssignment.due_at, LeadAssignment.first_touch_at)
            )
        }
    outcomes = []
    for lead_id, (mql_at, _) in sorted(latest_mql.items()):
        lead = leads[lead_id]
        said: tuple[str | None, str | None] = verdicts.get(lead_id, (None, None))
        due, touched = sla.get(lead_id, (None, None))
        outcomes.append(
            MqlOutcome(
                lead_id=lead_id,
                source=lead.source,
                criteria=tuple(
                    c for c in (_criterion(r) for r in lead.reasons or []) if c in criteria
                ),
                mql_at=mql_at,
                verdict=said[0],
                reason=said[1],
                sql_at=sql_at.get(lead_id),
                due_at=due,
                first_touch_at=touched,
            )
        )
    return alignment_report(outcomes, now=now)
