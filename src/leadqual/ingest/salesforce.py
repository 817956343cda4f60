"""Salesforce data-export columns (API names of Account, Contact and Opportunity) mapped onto the
canonical ones. ``AccountId`` resolves through the ``external_id`` stored when the accounts were
imported. An opportunity is won/lost from ``IsWon``/``IsClosed`` when present, else from a
``StageName`` of ``Closed Won``/``Closed Lost``; ``CloseDate`` counts only for closed ones.
"""

from __future__ import annotations

from typing import Any

from leadqual.ingest.mapping import Rule

__all__ = ["COLUMNS", "opportunity_stage"]

_TRUE = frozenset({"true", "1", "yes"})


def _flag(v: Any) -> bool | None:
    if v in (None, ""):
        return None
    return str(v).strip().lower() in _TRUE


def opportunity_stage(values: dict[str, Any]) -> str | None:
    """``won``/``lost``/``open`` from IsWon/IsClosed, else StageName.

    >>> opportunity_stage({"IsClosed": "true", "IsWon": "false"})
    'lost'
    >>> opportunity_stage({"StageName": "Closed Won"})
    'won'
    """
    closed, won = _flag(values.get("IsClosed")), _flag(values.get("IsWon"))
    if closed is not None or won is not None:
        if won:
            return "won"
        return "lost" if closed else "open"
    name = values.get("StageName")
    if name in (None, ""):
        return None
    return {"closed won": "won", "closed lost": "lost"}.get(str(name).strip().lower(), "open")


def _closed_at(values: dict[str, Any]) -> Any:
    if opportunity_stage(values) in ("won", "lost"):
        return values.get("CloseDate")
    return None


def _consent(values: dict[str, Any]) -> bool | None:
    opted_out = _flag(values.get("HasOptedOutOfEmail"))
    return None if opted_out is None else not opted_out


def _src(label: str) -> tuple[Rule, ...]:
    return (Rule(source=label),)


_STAGE_INPUTS = ("IsWon", "IsClosed", "StageName")

COLUMNS: dict[str, dict[str, tuple[Rule, ...]]] = {
    "accounts": {
        "external_id": _src("Id"),
        "name": _src("Name"),
        "domain": _src("Website"),
        "industry": _src("Industry"),
        "employees": _src("NumberOfEmployees"),
        "annual_revenue": _src("AnnualRevenue"),
        "country": _src("BillingCountry"),
        "created_at": _src("CreatedDate"),
    },
    "contacts": {
        "external_id": _src("Id"),
        "account_external_id": _src("AccountId"),
        "email": _src("Email"),
        "first_name": _src("FirstName"),
        "last_name": _src("LastName"),
        "job_title": _src("Title"),
        "consent_email": (Rule(inputs=("HasOptedOutOfEmail",), derive=_consent),),
        "created_at": _src("CreatedDate"),
    },
    "deals": {
        "deal_id": _src("Id"),
        "account_external_id": _src("AccountId"),
        "contact_external_id": _src("ContactId"),
        "name": _src("Name"),
        "amount": _src("Amount"),
        "stage": (Rule(inputs=_STAGE_INPUTS, derive=opportunity_stage),),
        "created_at": _src("CreatedDate"),
        "closed_at": (Rule(inputs=(*_STAGE_INPUTS, "CloseDate"), derive=_closed_at),),
    },
    "events": {},
}
