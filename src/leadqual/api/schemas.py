"""The API's request and response models (what ``/docs`` shows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AccountPublic",
    "AccountsPublic",
    "ApiKeyCreate",
    "ApiKeyPublic",
    "AssignmentPublic",
    "BacktestRequest",
    "ContactPublic",
    "ContactsPublic",
    "ContractPublic",
    "ContractVersionPublic",
    "DealPublic",
    "DealsPublic",
    "ErrorBody",
    "ErrorResponse",
    "EventIn",
    "EventsIn",
    "EventsWritten",
    "FeedbackPublic",
    "LeadDetail",
    "LeadHandoffPublic",
    "LeadPublic",
    "LeadsPublic",
    "Me",
    "NewApiKeyPublic",
    "UserCreate",
    "UserPublic",
]


class ErrorBody(BaseModel):
    code: str = Field(description="A stable machine-readable code, e.g. not_found.")
    message: str = Field(description="What went wrong and what to do.")
    field: str | None = Field(default=None, description="The input field at fault, if any.")


class ErrorResponse(BaseModel):
    error: ErrorBody


class Me(BaseModel):
    user: str
    role: str
    permissions: list[str]


class LeadPublic(BaseModel):
    key: str = Field(
        description="The contact's email, or the account's domain for an account lead."
    )
    account_domain: str | None
    email: str | None
    stage: str
    stage_changed_at: datetime | None
    fit: float | None
    intent: float | None
    p_win: float | None = Field(description="The latest model score (probability of a win).")
    owner: str | None
    source: str | None
    created_at: datetime
    reasons: list[str]


class LeadsPublic(BaseModel):
    items: list[LeadPublic]
    total: int
    limit: int
    offset: int


class ScorePublic(BaseModel):
    p_win: float
    model_version: int
    reasons: list[dict[str, Any]]
    scored_at: datetime


class TimelineEvent(BaseModel):
    event_id: str
    type: str
    occurred_at: datetime
    url: str | None
    path: str | None
    page_type: str | None
    title: str | None
    form_kind: str | None
    dwell_ms: int | None
    source: str | None


class StageChangePublic(BaseModel):
    from_stage: str
    to_stage: str
    at: datetime
    reason: str
    rule: str | None
    contract_version: int | None
    by_user: str | None


class BantPublic(BaseModel):
    criterion: str
    confirmed: bool
    note: str | None
    confirmed_by: str
    confirmed_at: datetime


class AssignmentPublic(BaseModel):
    key: str
    owner: str = Field(description="The sales owner the lead was routed (or given) to.")
    rule: str = Field(
        description="round_robin, account_owner, routing.rules.<name> or manual: why this owner."
    )
    assigned_at: datetime
    due_at: datetime | None = Field(description="The first-touch deadline (the contract's SLA).")
    first_touch_at: datetime | None
    stage: str
    overdue_hours: float | None = Field(
        default=None, description="Working hours past the deadline with no touch, if overdue."
    )


class FeedbackPublic(BaseModel):
    key: str
    verdict: str = Field(description="accepted or rejected.")
    reason: str | None = Field(description="The rejection reason (a fixed list; docs/handoff.md).")
    note: str | None
    by_user: str
    at: datetime
    contract_version: int | None = Field(description="The contract active when it was recorded.")


class LeadHandoffPublic(BaseModel):
    key: str
    stage: str
    owner: str | None
    assignment: AssignmentPublic | None = Field(description="Owner and first-touch SLA.")
    verdicts: list[FeedbackPublic] = Field(description="Sales' verdicts, newest first.")
    bant: list[BantPublic] = Field(description="Every BANT answer, oldest first.")
    bant_latest: dict[str, bool] = Field(description="The latest answer per criterion.")
    bant_confirmed: bool = Field(description="Budget, authority, need and timing all confirmed.")


class LeadDetail(LeadPublic):
    qualified_at: datetime | None
    score: ScorePublic | None
    events: list[TimelineEvent] = Field(description="Newest first (at most 200).")
    history: list[StageChangePublic] = Field(description="Every stage change, oldest first.")
    bant: list[BantPublic]
    assignment: AssignmentPublic | None = Field(description="Owner and first-touch SLA.")
    feedback: list[FeedbackPublic] = Field(description="Sales' verdicts, newest first.")


class AccountPublic(BaseModel):
    domain: str
    name: str | None
    industry: str | None
    employees: int | None
    annual_revenue: float | None
    country: str | None
    technologies: list[str]
    monthly_visits: int | None
    ad_spend: float | None
    department_sizes: dict[str, Any]
    attributes: dict[str, Any]
    external_id: str | None
    created_at: datetime
    updated_at: datetime
    leads: list[str] | None = None


class AccountsPublic(BaseModel):
    items: list[AccountPublic]
    total: int
    limit: int
    offset: int


class ContactPublic(BaseModel):
    email: str
    account_domain: str | None
    first_name: str | None
    last_name: str | None
    job_title: str | None
    consent_email: bool | None
    consent_tracking: bool | None
    external_id: str | None
    created_at: datetime
    updated_at: datetime


class ContactsPublic(BaseModel):
    items: list[ContactPublic]
    total: int
    limit: int
    offset: int


class DealPublic(BaseModel):
    deal_id: str
    account_domain: str | None
    lead_key: str | None
    name: str | None
    amount: float | None
    stage: str
    created_at: datetime | None
    closed_at: datetime | None


class DealsPublic(BaseModel):
    items: list[DealPublic]
    total: int
    limit: int
    offset: int


class EventIn(BaseModel):
    """One event in the canonical import format (see docs/import.md); validated and deduplicated
    by ``event_id`` exactly as `leadqual import events` does."""

    model_config = ConfigDict(extra="allow")

    event_id: str = Field(min_length=1, max_length=100)
    type: str = Field(description="page_view, form_submit, email_open, email_click or meeting.")
    occurred_at: str = Field(description="ISO-8601 time (UTC when no offset is given).")
    email: str | None = None
    account_domain: str | None = None
    visitor_id: str | None = None
    url: str | None = None
    path: str | None = None
    page_type: str | None = None
    referrer: str | None = None
    title: str | None = None
    dwell_ms: int | None = None
    form_kind: str | None = None
    source: str | None = None


class EventsIn(BaseModel):
    events: list[EventIn] = Field(min_length=1, max_length=1000)


class EventsWritten(BaseModel):
    received: int
    inserted: int = Field(description="New events stored.")
    duplicates: int = Field(description="Event ids already stored, ignored.")
    leads_created: int
    accounts_created: int
    contacts_created: int


class ContractVersionPublic(BaseModel):
    version: int
    name: str
    sha256: str
    author: str | None
    created_at: datetime
    active: bool


class ContractPublic(ContractVersionPublic):
    text: str
    contract: dict[str, Any]


class BacktestRequest(BaseModel):
    """Backtest a stored version (``version``), or a contract text (``text``, YAML) that is not
    stored; the active contract when neither is given."""

    version: int | None = Field(default=None, ge=1)
    text: str | None = Field(default=None, max_length=200_000)
    start: datetime | None = Field(default=None, description="First month to replay.")
    end: datetime | None = Field(default=None, description="Last day to replay.")


class UserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    role: str = Field(description="admin, marketing, sales or viewer.")


class UserPublic(BaseModel):
    name: str
    role: str
    created_at: datetime


class ApiKeyCreate(BaseModel):
    user: str = Field(min_length=1, max_length=255)


class ApiKeyPublic(BaseModel):
    id: int
    prefix: str
    user: str
    role: str
    created_at: datetime
    revoked_at: datetime | None
    active: bool


class NewApiKeyPublic(ApiKeyPublic):
    key: str = Field(description="The key itself: shown this once, stored only as its hash.")
