"""The documented per-lead feature table.

One row per lead as of a point in time. Contract conditions, discovery's output, backtests and the
API's filters are all boolean expressions over these columns. ``scope`` tells where a column may
be used: ``fit`` criteria may use firmographic, persona and behaviour columns; stage rules may use
everything, including the computed ``fit`` and ``intent`` scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "DEFAULT_PAGES",
    "DEPARTMENTS",
    "EVENT_FIELDS",
    "EVENT_TYPES",
    "FEATURES",
    "FORM_KINDS",
    "INTENT_FEATURES",
    "INTENT_WINDOW_DAYS",
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

# Page categories by URL path pattern, for the intent pipeline (``features.intent``) and the
# contract's `pages:` section (its default). Lower case, matched against the lower-cased path;
# the first category whose pattern matches wins, anything unmatched is "other". A pattern is a
# glob over the whole path (`*` any characters, `?` one) or, prefixed with `re:`, a regular
# expression searched in the path. Here (not in features.intent) so that the contract loader
# can read it without importing Ibis.
DEFAULT_PAGES: Mapping[str, tuple[str, ...]] = {
    "pricing": ("/pricing*", "/plans*", "*/pricing*"),
    "product": ("/product*", "/features*", "/platform*", "/integrations*", "/solutions*"),
    "docs": ("/docs*", "/documentation*", "/api*", "/help*", "/guides*"),
    "careers": ("/careers*", "/jobs*"),
    "blog": ("/blog*", "/resources*", "/news*"),
}

# The account-level intent features' window: page views of the lead's account in the last
# INTENT_WINDOW_DAYS days before as-of (docs/intent.md).
INTENT_WINDOW_DAYS = 30


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
    # account-level intent, from the intent pipeline (features.intent) over the page views of
    # the lead's account in the last 30 days; null when the lead has no account or its account
    # had no page view then. Computed when a contract uses one of them, and for the model
    # (training, as of each example's cutoff; scoring) — see build.py.
    Feature(
        "visits_30d",
        "int",
        "behaviour",
        "Visits (sessions: a new one after 30 minutes without a view) of the lead's account to "
        "the website in the last 30 days (null: no page view).",
    ),
    Feature(
        "visitors_30d",
        "int",
        "behaviour",
        "Distinct visitors (browsers or known people) of the lead's account, last 30 days.",
    ),
    Feature(
        "days_active_30d",
        "int",
        "behaviour",
        "Days (UTC) on which the lead's account viewed a page, last 30 days.",
    ),
    Feature(
        "pricing_seconds_30d",
        "float",
        "behaviour",
        "Seconds the lead's account spent on pricing pages (the contract's `pages:`), last 30 "
        "days.",
    ),
    Feature(
        "views_trend",
        "float",
        "behaviour",
        "The account's page views in the last 7 days against the weekly mean of the 3 weeks "
        "before: (views_7d + 1) / (mean + 1); above 1 rising, below 1 falling.",
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

# Each account-level intent feature and the ``intent_features`` column it is read from.
INTENT_FEATURES: Mapping[str, str] = {
    "visits_30d": "visits",
    "visitors_30d": "visitors",
    "days_active_30d": "days_active",
    "pricing_seconds_30d": "pricing_seconds",
    "views_trend": "trend",
}


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
