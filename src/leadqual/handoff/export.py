"""MQLs and SQLs as CRM import files: the column names each CRM's import tool maps by itself.

- **HubSpot** (contacts import): the default contact properties' labels — ``Email``, ``First Name``,
  ``Last Name``, ``Company Name``, ``Job Title``, ``Website URL``, ``Lifecycle Stage`` (internal
  values such as ``marketingqualifiedlead``), ``Lead Status``, ``Contact owner`` (the owner's
  email), ``Industry``, ``Number of Employees``, ``Annual Revenue``, ``Country/Region``. The score
  columns (``leadqual Fit``, ``leadqual Intent``, ``leadqual Win Probability``, ``leadqual
  Reasons``) map to custom properties you create once.
- **Salesforce** (Data Import Wizard, leads): the labels of the standard lead fields — ``First
  Name``, ``Last Name`` (required), ``Company`` (required), ``Email``, ``Title``, ``Website``,
  ``Lead Status``, ``Lead Source``, ``Rating``, ``Record Owner``, ``Industry``, ``No. of
  Employees``, ``Annual Revenue``, ``Country``, plus the same score columns as custom fields.

Pure: rows of plain data in, CSV text out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["CRMS", "HUBSPOT_COLUMNS", "SALESFORCE_COLUMNS", "crm_rows", "to_csv"]

SCORE_COLUMNS = (
    "leadqual Fit",
    "leadqual Intent",
    "leadqual Win Probability",
    "leadqual Stage",
    "leadqual Reasons",
)
HUBSPOT_COLUMNS = (
    "Email",
    "First Name",
    "Last Name",
    "Company Name",
    "Job Title",
    "Website URL",
    "Lifecycle Stage",
    "Lead Status",
    "Contact owner",
    "Industry",
    "Number of Employees",
    "Annual Revenue",
    "Country/Region",
    *SCORE_COLUMNS,
)
SALESFORCE_COLUMNS = (
    "First Name",
    "Last Name",
    "Company",
    "Email",
    "Title",
    "Website",
    "Lead Status",
    "Lead Source",
    "Rating",
    "Record Owner",
    "Industry",
    "No. of Employees",
    "Annual Revenue",
    "Country",
    *SCORE_COLUMNS,
)
CRMS: dict[str, tuple[str, ...]] = {"hubspot": HUBSPOT_COLUMNS, "salesforce": SALESFORCE_COLUMNS}

# Our stages → HubSpot's lifecycle stage internal values and lead status.
_HUBSPOT_STAGE = {
    "lead": "lead",
    "mql": "marketingqualifiedlead",
    "sal": "marketingqualifiedlead",
    "sql": "salesqualifiedlead",
    "opportunity": "opportunity",
    "customer": "customer",
    "recycled": "lead",
    "disqualified": "other",
}
_HUBSPOT_STATUS = {"mql": "NEW", "sal": "OPEN", "sql": "IN_PROGRESS", "opportunity": "OPEN_DEAL"}
# Salesforce's default Lead Status picklist.
_SALESFORCE_STATUS = {
    "mql": "Open - Not Contacted",
    "sal": "Working - Contacted",
    "sql": "Working - Contacted",
    "opportunity": "Closed - Converted",
    "customer": "Closed - Converted",
}


def _rating(fit: float | None, intent: float | None) -> str:
    """Salesforce's Rating picklist from fit and intent (both 0–100)."""
    if fit is None or intent is None:
        return "Cold"
    if fit >= 60 and intent >= 50:
        return "Hot"
    return "Warm" if fit >= 40 else "Cold"


def _num(value: float | None, digits: int = 1) -> str:
    """A plain decimal (never ``1e+07``: CRMs read that as text).

    >>> _num(19114000.0, 0), _num(55.0), _num(0.29151, 4), _num(None)
    ('19114000', '55', '0.2915', '')
    """
    if value is None:
        return ""
    text = f"{float(value):.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def crm_rows(crm: str, leads: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """One CSV row per lead. A lead is a mapping with ``key``, ``email``, ``first_name``,
    ``last_name``, ``job_title``, ``domain``, ``company``, ``stage``, ``owner``, ``source``,
    ``industry``, ``employees``, ``annual_revenue``, ``country``, ``fit``, ``intent``, ``p_win``
    and ``reasons`` (any may be None).

    >>> row = crm_rows("hubspot", [{"email": "a@b.co", "stage": "mql", "fit": 75.0}])[0]
    >>> row["Lifecycle Stage"], row["Lead Status"], row["leadqual Fit"]
    ('marketingqualifiedlead', 'NEW', '75')
    """
    if crm not in CRMS:
        raise ValueError(f"unknown CRM {crm!r}; choose one of {', '.join(CRMS)}")
    out = []
    for lead in leads:
        stage = lead.get("stage") or "lead"
        company = lead.get("company") or lead.get("domain") or ""
        scores = {
            "leadqual Fit": _num(lead.get("fit")),
            "leadqual Intent": _num(lead.get("intent")),
            "leadqual Win Probability": _num(lead.get("p_win"), 4),
            "leadqual Stage": stage,
            "leadqual Reasons": "; ".join(lead.get("reasons") or []),
        }
        common = {
            "Industry": lead.get("industry") or "",
            "Annual Revenue": _num(lead.get("annual_revenue"), 0),
        }
        website = f"https://{lead['domain']}" if lead.get("domain") else ""
        if crm == "hubspot":
            row = {
                "Email": lead.get("email") or "",
                "First Name": lead.get("first_name") or "",
                "Last Name": lead.get("last_name") or "",
                "Company Name": company,
                "Job Title": lead.get("job_title") or "",
                "Website URL": website,
                "Lifecycle Stage": _HUBSPOT_STAGE.get(stage, "other"),
                "Lead Status": _HUBSPOT_STATUS.get(stage, ""),
                "Contact owner": lead.get("owner") or "",
                "Number of Employees": _num(lead.get("employees"), 0),
                "Country/Region": lead.get("country") or "",
                **common,
                **scores,
            }
        else:
            row = {
                "First Name": lead.get("first_name") or "",
                # Salesforce refuses a lead without a last name: an account-only lead gets the
                # company's name, as Salesforce's own web-to-lead does for missing names.
                "Last Name": lead.get("last_name") or (lead.get("email") or company or "Unknown"),
                "Company": company or "Unknown",
                "Email": lead.get("email") or "",
                "Title": lead.get("job_title") or "",
                "Website": website,
                "Lead Status": _SALESFORCE_STATUS.get(stage, "Open - Not Contacted"),
                "Lead Source": lead.get("source") or "",
                "Rating": _rating(lead.get("fit"), lead.get("intent")),
                "Record Owner": lead.get("owner") or "",
                "No. of Employees": _num(lead.get("employees"), 0),
                "Country": lead.get("country") or "",
                **common,
                **scores,
            }
        out.append({c: row[c] for c in CRMS[crm]})
    return out


def to_csv(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> str:
    """CSV text with a header row (UTF-8, ``\\r\\n`` line ends as both CRMs expect)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns))
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
