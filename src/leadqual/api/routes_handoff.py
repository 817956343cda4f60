"""The hand-off to sales: accept or reject an MQL, record BANT answers and first touches, give a
lead to an owner; assignments and overdue leads (SLA); the alignment report; CRM export;
webhook subscriptions and their delivery log. Every handler calls one hand-off service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from leadqual.api.auth import get_store, require
from leadqual.api.routes_leads import naive_utc
from leadqual.api.routes_meta import ERRORS, answers
from leadqual.api.schemas import FeedbackPublic, LeadHandoffPublic
from leadqual.clock import utc_now
from leadqual.handoff.feedback import REASONS
from leadqual.handoff.webhooks import EVENTS
from leadqual.services import assignments as assignment_service
from leadqual.services import feedback as feedback_service
from leadqual.services import handoff, webhooks
from leadqual.services.alignment import alignment
from leadqual.services.auth import Principal
from leadqual.services.export import DEFAULT_STAGES, export_leads

__all__ = ["router"]

router = APIRouter(responses=ERRORS)
Sales = Annotated[Principal, Depends(require("feedback"))]
NOT_FOUND = answers(404, 409)



class FeedbackIn(BaseModel):
    at: datetime | None = Field(default=None, description="When it happened (default: now).")
    note: str | None = Field(default=None, max_length=5000)


class RejectIn(FeedbackIn):
    reason: str = Field(description="One of: " + ", ".join(REASONS) + ".")


class BantIn(FeedbackIn):
    answers: dict[str, bool] = Field(
        description="budget, authority, need, timing → confirmed (true) or refuted (false)."
    )


class TouchIn(BaseModel):
    at: datetime | None = None


class OwnerIn(BaseModel):
    owner: str = Field(min_length=1, max_length=255)


@router.post(
    "/leads/{key}/accept",
    tags=["feedback"],
    responses=NOT_FOUND,
    summary="Sales accepts an MQL (mql → sal)",
)
def accept(request: Request, key: str, body: FeedbackIn, who: Sales) -> dict[str, Any]:
    return handoff.accept(
        get_store(request),
        key,
        by_user=who.user,
        now=utc_now(),
        at=naive_utc(body.at),
        note=body.note,
    ).as_dict()


@router.post(
    "/leads/{key}/reject",
    tags=["feedback"],
    responses=NOT_FOUND,
    summary="Sales rejects a lead with a reason (→ recycled or disqualified)",
)
def reject(request: Request, key: str, body: RejectIn, who: Sales) -> dict[str, Any]:
    return handoff.reject(
        get_store(request),
        key,
        body.reason,
        by_user=who.user,
        now=utc_now(),
        at=naive_utc(body.at),
        note=body.note,
    ).as_dict()


@router.post(
    "/leads/{key}/bant",
    tags=["feedback"],
    responses=NOT_FOUND,
    summary="Record BANT answers (→ sql when the contract's SQL rule passes)",
)
def bant(request: Request, key: str, body: BantIn, who: Sales) -> dict[str, Any]:
    return handoff.record_bant(
        get_store(request),
        key,
        body.answers,
        by_user=who.user,
        now=utc_now(),
        at=naive_utc(body.at),
        note=body.note,
    ).as_dict()


@router.post(
    "/leads/{key}/touch",
    tags=["feedback"],
    responses=NOT_FOUND,
    summary="Record the first touch (stops the SLA clock)",
)
def touch(request: Request, key: str, body: TouchIn, who: Sales) -> dict[str, Any]:
    return handoff.first_touch(
        get_store(request), key, by_user=who.user, now=utc_now(), at=naive_utc(body.at)
    ).as_dict()


@router.post(
    "/leads/{key}/owner",
    tags=["feedback"],
    responses=NOT_FOUND,
    summary="Give a lead to another sales owner",
)
def reassign(request: Request, key: str, body: OwnerIn, who: Sales) -> dict[str, Any]:
    return assignment_service.reassign(
        get_store(request), key, body.owner, now=utc_now(), by_user=who.user
    ).as_dict()


Owner = Annotated[str | None, Query(max_length=255)]
Read = [Depends(require("read"))]


@router.get(
    "/leads/{key}/feedback",
    tags=["feedback"],
    dependencies=Read,
    response_model=LeadHandoffPublic,
    responses=answers(404),
    summary="What sales did with a lead: owner and SLA deadline, verdicts, BANT answers",
)
def lead_feedback(request: Request, key: str) -> dict[str, Any]:
    return feedback_service.lead_handoff(get_store(request), key, now=utc_now()).as_dict()


@router.get(
    "/feedback",
    tags=["feedback"],
    dependencies=Read,
    response_model=list[FeedbackPublic],
    summary="Sales' verdicts (accept, reject with a reason), newest first",
)
def feedback(
    request: Request,
    verdict: Annotated[
        Literal["accepted", "rejected"] | None, Query(description="Only this verdict.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> list[Any]:
    store = get_store(request)
    rows = feedback_service.list_feedback(store, verdict=verdict, limit=limit, offset=offset)
    return [f.as_dict() for f in rows]


@router.get(
    "/assignments",
    tags=["sla"],
    dependencies=[Depends(require("read"))],
    summary="Assigned leads with their first-touch deadline, newest first",
)
def assignments(request: Request, owner: Owner = None, overdue: bool = False) -> list[Any]:
    rows = assignment_service.list_assignments(
        get_store(request), now=utc_now(), owner=owner, overdue_only=overdue
    )
    return [a.as_dict() for a in rows]


@router.get(
    "/sla/overdue",
    tags=["sla"],
    dependencies=[Depends(require("read"))],
    summary="Open leads past their first-touch deadline, most overdue first",
)
def sla_overdue(request: Request, owner: Owner = None) -> list[Any]:
    late = assignment_service.overdue(get_store(request), now=utc_now(), owner=owner)
    return [a.as_dict() for a in late]


@router.get(
    "/reports/alignment",
    tags=["reports"],
    dependencies=[Depends(require("read"))],
    summary="Sales acceptance of MQLs overall, per criterion and source; SLA compliance",
)
def alignment_report(
    request: Request,
    since: datetime | None = None,
    contract_version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> dict[str, Any]:
    return alignment(
        get_store(request), now=utc_now(), since=naive_utc(since), contract_version=contract_version
    ).as_dict()


@router.get(
    "/export/{crm}",
    tags=["export"],
    dependencies=[Depends(require("read"))],
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/csv": {}}}},
    summary="Leads as a HubSpot or Salesforce import CSV",
)
def export(
    request: Request,
    crm: Literal["hubspot", "salesforce"],
    stage: Annotated[
        list[str] | None, Query(max_length=8, description="Stages (default mql, sal, sql).")
    ] = None,
) -> PlainTextResponse:
    text = export_leads(get_store(request), crm, stages=stage or DEFAULT_STAGES)
    return PlainTextResponse(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="leadqual-{crm}.csv"'},
    )


class WebhookIn(BaseModel):
    url: str = Field(min_length=1, max_length=2000)
    secret: str = Field(
        min_length=16,
        max_length=500,
        description="Signs every request (HMAC-SHA256); never returned.",
    )
    events: list[str] = Field(
        default=list(EVENTS), max_length=10, description="Of: " + ", ".join(EVENTS) + "."
    )
    format: str = Field(default="json", description="json or slack.")


admin = [Depends(require("admin"))]


@router.get("/webhooks", tags=["webhooks"], dependencies=admin, summary="Subscriptions")
def subscriptions(request: Request) -> list[Any]:
    return [s.as_dict() for s in webhooks.list_subscriptions(get_store(request))]


@router.post(
    "/webhooks",
    tags=["webhooks"],
    dependencies=admin,
    status_code=201,
    summary="Subscribe a URL to stage changes",
)
def subscribe(request: Request, body: WebhookIn) -> dict[str, Any]:
    return webhooks.add_subscription(
        get_store(request),
        body.url,
        body.secret,
        now=utc_now(),
        events=body.events,
        format=body.format,
    ).as_dict()


@router.delete(
    "/webhooks/{subscription_id}",
    tags=["webhooks"],
    dependencies=admin,
    responses=NOT_FOUND,
    summary="Stop a subscription (its log stays)",
)
def unsubscribe(
    request: Request, subscription_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> dict[str, Any]:
    return webhooks.remove_subscription(get_store(request), subscription_id).as_dict()


@router.get(
    "/webhooks/deliveries",
    tags=["webhooks"],
    dependencies=admin,
    summary="The latest delivery attempts and the outbox counts",
)
def deliveries(request: Request, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    store = get_store(request)
    return {
        "status": webhooks.outbox_status(store),
        "attempts": [a.as_dict() for a in webhooks.delivery_log(store, limit=limit)],
    }
