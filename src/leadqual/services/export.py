"""CRM export: MQLs and SQLs (or any stages) as HubSpot or Salesforce import CSVs, with their
lifecycle stage, owner, fit, intent, win probability and reasons (``handoff.export``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from leadqual.domain.lifecycle import STAGES
from leadqual.errors import InvalidInput
from leadqual.handoff.export import CRMS, crm_rows, to_csv
from leadqual.store.database import Store
from leadqual.store.models import Account, Contact, Lead, LeadScore

__all__ = ["DEFAULT_STAGES", "export_leads", "export_rows"]

DEFAULT_STAGES = ("mql", "sal", "sql")


def export_rows(
    store: Store, crm: str, *, stages: Sequence[str] = DEFAULT_STAGES
) -> list[dict[str, str]]:
    """One import row per lead in ``stages`` (best fit + intent first), in ``crm``'s columns."""
    if crm not in CRMS:
        raise InvalidInput(f"unknown CRM {crm!r}; choose one of {', '.join(CRMS)}", field="crm")
    bad = [st for st in stages if st not in STAGES]
    if bad or not stages:
        raise InvalidInput(
            f"unknown stage {', '.join(bad) or '(none given)'}; stages are {', '.join(STAGES)}",
            field="stage",
        )
    latest = (
        select(LeadScore.lead_id, func.max(LeadScore.id).label("id"))
        .group_by(LeadScore.lead_id)
        .subquery()
    )
    stmt = (
        select(
            Lead.key,
            Lead.stage,
            Lead.owner,
            Lead.source,
            Lead.fit,
            Lead.intent,
            Lead.reasons,
            Contact.email,
            Contact.first_name,
            Contact.last_name,
            Contact.job_title,
            Account.domain,
            Account.name.label("company"),
            Account.industry,
            Account.employees,
            Account.annual_revenue,
            Account.country,
            LeadScore.p_win,
        )
        .outerjoin(Contact, Contact.id == Lead.contact_id)
        .outerjoin(Account, Account.id == Lead.account_id)
        .outerjoin(latest, latest.c.lead_id == Lead.id)
        .outerjoin(LeadScore, LeadScore.id == latest.c.id)
        .where(Lead.stage.in_(list(stages)))
        .order_by((func.coalesce(Lead.fit, 0) + func.coalesce(Lead.intent, 0)).desc(), Lead.key)
    )
    with store.session() as s:
        leads: list[dict[str, Any]] = [dict(r._mapping) for r in s.execute(stmt)]
    return crm_rows(crm, leads)


def export_leads(store: Store, crm: str, *, stages: Sequence[str] = DEFAULT_STAGES) -> str:
    """The CSV text of ``export_rows`` with its header.

    >>> csv_text = export_leads(store, "hubspot", stages=["mql", "sql"])  # doctest: +SKIP
    """
    rows = export_rows(store, crm, stages=stages)  # validates crm
    return to_csv(CRMS[crm], rows)
