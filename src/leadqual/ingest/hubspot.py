"""HubSpot export columns (the labels of a HubSpot CRM export) mapped onto the canonical ones.

Each canonical field lists the HubSpot labels it may come from, first match wins. Deal stages are
HubSpot's internal names (``closedwon``/``closedlost``) or their labels (``Closed Won``); every
other stage is open. HubSpot's "Close Date" of an open deal is only the expected date, so it is
kept for won and lost deals only.
"""

from __future__ import annotations

from typing import Any

from leadqual.ingest.mapping import Rule

__all__ = ["COLUMNS", "deal_stage"]


def _first_id(values: dict[str, Any]) -> str | None:
    """The first of HubSpot's ``;``-separated associated record ids."""
    for v in values.values():
        if v not in (None, ""):
            return str(v).split(";")[0].strip() or None
    return None


def deal_stage(value: Any) -> str | None:
    """``won``/``lost``/``open`` from a HubSpot deal stage.

    >>> deal_stage("closedwon"), deal_stage("Closed Lost"), deal_stage("appointmentscheduled")
    ('won', 'lost', 'open')
    """
    if value in (None, ""):
        return None
    key = str(value).replace(" ", "").replace("_", "").lower()
    return {"closedwon": "won", "closedlost": "lost"}.get(key, "open")


def _stage(values: dict[str, Any]) -> str | None:
    return deal_stage(values.get("Deal Stage"))


def _closed_at(values: dict[str, Any]) -> Any:
    if deal_stage(values.get("Deal Stage")) in ("won", "lost"):
        return values.get("Close Date")
    return None


def _src(*labels: str) -> tuple[Rule, ...]:
    return tuple(Rule(source=label) for label in labels)


COLUMNS: dict[str, dict[str, tuple[Rule, ...]]] = {
    "accounts": {
        "external_id": _src("Record ID", "Company ID"),
        "domain": _src("Company Domain Name", "Website URL", "Domain"),
        "name": _src("Company name", "Name"),
        "industry": _src("Industry"),
        "employees": _src("Number of Employees"),
        "annual_revenue": _src("Annual Revenue"),
        "country": _src("Country/Region", "Country"),
        "technologies": _src("Web Technologies"),
        "created_at": _src("Create Date"),
    },
    "contacts": {
        "external_id": _src("Record ID", "Contact ID"),
        "email": _src("Email"),
        "first_name": _src("First Name"),
        "last_name": _src("Last Name"),
        "job_title": _src("Job Title"),
        "account_domain": _src("Company Domain Name"),
        "account_external_id": (
            Rule(inputs=("Associated Company IDs", "Associated Company ID"), derive=_first_id),
        ),
        "created_at": _src("Create Date"),
    },
    "deals": {
        "deal_id": _src("Record ID", "Deal ID"),
        "name": _src("Deal Name"),
        "stage": (Rule(inputs=("Deal Stage",), derive=_stage),),
        "amount": _src("Amount"),
        "created_at": _src("Create Date"),
        "closed_at": (Rule(inputs=("Deal Stage", "Close Date"), derive=_closed_at),),
        "account_domain": _src("Company Domain Name"),
        "account_external_id": (
            Rule(inputs=("Associated Company IDs", "Associated Company ID"), derive=_first_id),
        ),
        "contact_external_id": (
            Rule(inputs=("Associated Contact IDs", "Associated Contact ID"), derive=_first_id),
        ),
    },
    "events": {},
}
