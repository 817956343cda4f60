"""Leads: a filtered, sorted page of them, and one lead with its reasons, events and history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from leadqual.api.auth import get_store, require
from leadqual.api.routes_meta import ERRORS, answers
from leadqual.api.schemas import LeadDetail, LeadsPublic
from leadqual.clock import utc_now
from leadqual.services.feedback import lead_detail
from leadqual.services.records import LEAD_SORTS, LeadFilter, list_leads_page

__all__ = ["naive_utc", "router"]

router = APIRouter(tags=["leads"], dependencies=[Depends(require("read"))], responses=ERRORS)

Limit = Annotated[int, Query(ge=1, le=500, description="Page size (1–500).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Rows to skip.")]


def naive_utc(value: datetime | None) -> datetime | None:
    """A client's time as the store keeps it: naive UTC."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


@router.get("/leads", response_model=LeadsPublic, summary="List leads, filtered and sorted")
def leads(
    request: Request,
    stage: Annotated[
        str | None,
        Query(description="lead, mql, sal, sql, opportunity, customer, recycled or disqualified."),
    ] = None,
    owner: Annotated[str | None, Query(max_length=255)] = None,
    since: Annotated[
        datetime | None,
        Query(description="Leads created or moved to another stage at or after this time."),
    ] = None,
    min_fit: Annotated[float | None, Query(allow_inf_nan=False)] = None,
    min_intent: Annotated[float | None, Query(allow_inf_nan=False)] = None,
    min_score: Annotated[
        float | None, Query(allow_inf_nan=False, description="Minimum p_win of the latest score.")
    ] = None,
    account: Annotated[str | None, Query(max_length=255, description="Account domain.")] = None,
    source: Annotated[
        str | None, Query(max_length=50, description="Where the lead came from (its source).")
    ] = None,
    sort: Annotated[
        str,
        Query(
            max_length=40, description=f"One of {', '.join(LEAD_SORTS)}; prefix '-' for descending."
        ),
    ] = "-fit",
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, object]:
    where = LeadFilter(
        stage=stage,
        owner=owner,
        since=naive_utc(since),
        min_fit=min_fit,
        min_intent=min_intent,
        min_score=min_score,
        account_domain=account,
        source=source,
    )
    page = list_leads_page(get_store(request), where, sort=sort, limit=limit, offset=offset)
    return page.as_json()


@router.get(
    "/leads/{key}",
    response_model=LeadDetail,
    responses=answers(404),
    summary="One lead with its reasons, score, events timeline, stage history, BANT, owner and "
    "SLA, and sales' verdicts",
)
def lead(request: Request, key: str) -> dict[str, object]:
    return lead_detail(get_store(request), key, now=utc_now())
