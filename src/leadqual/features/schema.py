"""The documented per-lead feature table.

One row per lead as of a point in time. Contract conditions, discovery's output, backtests and the
API's filters are all boolean expressions over these columns. ``scope`` tells where a column may
be used: ``fit`` criteria may use firmographic, persona and behaviour columns; stage rules may use
everything, including the computed ``fit`` and ``intent`` scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DEPARTMENTS",
    "EVENT_FIELDS",
    "EVENT_TYPES",
    "FEATURES",
    "FORM_KINDS",
    "PAGE_TYPES",
    "PERSONA_DEPARTMENTS",
    "SENIORITIES",
    "Feature",
    "feature",
]

Kind = Literal["str", "int", "float", "bool", "list"]
Scope = Literal["identity", "firmographic", "persona", "behaviour", "sales", "score"]

DEPARTMENTS = ("marketing", "sales", "engineering", "it")
EVENT_TYPES = ("page_view", "form_submit", "email_open", "email_click", "meeting")
FORM_KINDS = ("content_download", "demo_request", "contact_sales", "webinar", "newsletter", "other")
SENIORITIES = ("c_level", "vp", "director", "manager", "individual")
PERSONA_DEPARTMENTS = (
    "marketing",
    "sales",
    "engineering",
    "it",
    "finance",
    "operations",
    "hr",
    "other",
)
PAGE_TYPES = ("home", "pricing", "product", "docs", "blog", "careers", "about", "other")


@dataclass(frozen=True)
class Feature:
    name: str
    kind: Kind
    scope: Scope
    description: str


FEATURES: tuple[Feature, ...] = (
    # identity — not for conditions, but present in every row
    Feature("key", "str", "identity", "Lead key: the contact's email, or the account's domain."),
    Feature("lead_kind", "str", "identity", "`person` (a contact) or `account` (a company alone)."),
    Feature("account_domain", "str", "identity", "The account's normalised web domain."),
    Feature("email", "str", "identity", "The contact's normalised email (null for account leads)."),
    # firmographics (the account)
    Feature("industry", "str", "firmographic", "Industry, lower case (e.g. `software`)."),
    Feature("employees", "int", "firmographic", "Number of employees."),
    Feature("annual_revenue", "float", "firmographic", "Annual revenue in the store's currency."),
    Feature("country", "str", "firmographic", "Country name or ISO code, as imported."),
    Feature("technologies", "list", "firmographic", "Technologies the company runs (lower case)."),
    Feature("monthly_visits", "int", "firmographic", "Monthly visits to the company's website."),
    Feature("ad_spend", "float", "firmographic", "Monthly advertising spend."),
    *(
        Feature(f"dept_{d}", "int", "firmographic", f"Head count of the {d} department.")
        for d in DEPARTMENTS
    ),
    # persona (the contact)
    Feature("job_title", "str", "persona", "The contact's job title, as imported."),
    Feature(
        "seniority",
        "str",
        "persona",
        "From the title: `c_level`, `vp`, `director`, `manager`, `individual` (null if unknown).",
    ),
    Feature(
        "department",
        "str",
        "persona",
        "From the title: marketing, sales, engineering, it, finance, operations, hr, other.",
    ),
    # behaviour, counted up to the as-of time
    Feature("page_views_30d", "int", "behaviour", "Page views in the 30 days before as-of."),
    Feature("pricing_views_30d", "int", "behaviour", "Pricing-page views in the last 30 days."),
    Feature("product_views_30d", "int", "behaviour", "Product-page views in the last 30 days."),
    Feature("docs_views_30d", "int", "behaviour", "Documentation views in the last 30 days."),
    Feature("blog_views_30d", "int", "behaviour", "Blog views in the last 30 days."),
    Feature("careers_views_30d", "int", "behaviour", "Careers-page views in the last 30 days."),
    Feature("content_downloads_90d", "int", "behaviour", "Content downloads, last 90 days."),
    Feature("demo_requests_90d", "int", "behaviour", "Demo requests, last 90 days."),
    Feature("contact_sales_90d", "int", "behaviour", "Contact-sales/pricing forms, last 90 days."),
    Feature("email_clicks_30d", "int", "behaviour", "Email clicks in the last 30 days."),
    Feature("meetings_held", "int", "behaviour", "Meetings held, ever (up to as-of)."),
    Feature(
        "days_since_last_activity",
        "float",
        "behaviour",
        "Days since the latest event (null: none).",
    ),
    Feature("days_since_created", "float", "behaviour", "Days since the lead was created."),
    Feature(
        "ident_confidence",
        "float",
        "behaviour",
        "Best identification confidence of the lead's website events up to as-of (1.0: your "
        "own CIDR list; 0.7-0.8: the company's own network; 0.3: a shared-looking network; "
        "null: none identified, e.g. only imported events).",
    ),
    # sales
    Feature("stage", "str", "sales", "Current lifecycle stage."),
    Feature("sales_accepted", "bool", "sales", "Sales accepted the lead (it reached `sal`)."),
    Feature("bant_budget", "bool", "sales", "Sales confirmed Budget."),
    Feature("bant_authority", "bool", "sales", "Sales confirmed Authority."),
    Feature("bant_need", "bool", "sales", "Sales confirmed Need."),
    Feature("bant_timing", "bool", "sales", "Sales confirmed Timing."),
    Feature("bant_confirmed", "bool", "sales", "All four BANT criteria confirmed."),
    # scores, computed from the contract
    Feature("fit", "float", "score", "Fit points from the contract's fit criteria."),
    Feature("intent", "float", "score", "Intent points, decayed to the as-of time."),
    Feature(
        "p_win",
        "float",
        "score",
        "Probability of a won deal within the model's horizon, from the latest `leadqual score` "
        "(null if never scored).",
    ),
)

_BY_NAME = {f.name: f for f in FEATURES}


def feature(name: str) -> Feature:
    """The feature called ``name`` (``KeyError`` if there is none)."""
    return _BY_NAME[name]


# Columns of an event that an intent signal's `where` condition may use.
EVENT_FIELDS: dict[str, Kind] = {
    "type": "str",
    "page_type": "str",
    "form_kind": "str",
    "path": "str",
    "url": "str",
    "referrer": "str",
    "title": "str",
    "dwell_ms": "int",
}
