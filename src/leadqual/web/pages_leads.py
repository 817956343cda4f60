"""The lead feed and the lead page, with sales' accept / reject / BANT forms."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from leadqual.clock import utc_now
from leadqual.domain.lifecycle import STAGES
from leadqual.errors import InvalidInput, NotFound
from leadqual.handoff.feedback import REASONS
from leadqual.services.handoff import BANT_CRITERIA, accept, record_bant, reject
from leadqual.services.leads import funnel_options
from leadqual.services.records import LeadFilter, get_account, get_lead, list_leads_page
from leadqual.web.rendering import render
from leadqual.web.session import Viewer, check_csrf, current_viewer

__all__ = ["FEED_SORTS", "PAGE_SIZE", "VISITING_MINUTES", "lead_url", "router"]

router = APIRouter()
PAGE_SIZE = 50
VISITING_MINUTES = 30  # the "visiting now" strip's window (pages_visitors)
FEED_SORTS = {
    "-score": "Score (best first)",
    "-fit": "Fit (best first)",
    "-intent": "Intent (most first)",
    "-stage_changed_at": "Latest stage change",
    "-created_at": "Newest",
}
NOTICES = {
    "accepted": "Lead accepted: it is now a sales-accepted lead (SAL).",
    "rejected": "Lead rejected: marketing sees the reason on the alignment page.",
    "bant": "BANT answers recorded.",
    "sql": "BANT answers recorded: the lead is now a sales-qualified lead (SQL).",
}
CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


def _number(value: str, field: str) -> float | None:
    """A filter from a GET form: empty means no filter."""
    if not value.strip():
        return None
    try:
        number = float(value)
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a number, not {value!r}", field=field) from exc
    if number != number or abs(number) == float("inf"):
        raise InvalidInput(f"{field} must be a finite number", field=field)
    return number


def _date(value: str, field: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a date like 2026-03-01", field=field) from exc


def lead_url(key: str) -> str:
    return "/app/leads/" + quote(key, safe="@")


@router.get("/", response_class=HTMLResponse)
def feed(
    request: Request,
    viewer: CurrentViewer,
    stage: str = "",
    owner: Annotated[str, Query(max_length=255)] = "",
    min_fit: str = "",
    min_intent: str = "",
    since: str = "",
    source: Annotated[str, Query(max_length=50)] = "",
    sort: str = "-score",
    offset: int = 0,
) -> Response:
    if sort not in FEED_SORTS:
        raise InvalidInput(f"sort by one of {', '.join(FEED_SORTS)}", field="sort")
    where = LeadFilter(
        stage=stage or None,
        owner=owner.strip() or None,
        since=_date(since, "since"),
        min_fit=_number(min_fit, "min_fit"),
        min_intent=_number(min_intent, "min_intent"),
        source=source or None,
    )
    page = list_leads_page(
        request.app.state.store, where, sort=sort, limit=PAGE_SIZE, offset=max(offset, 0)
    )
    filters = {
        "stage": stage,
        "owner": owner,
        "min_fit": min_fit,
        "min_intent": min_intent,
        "since": since,
        "source": source,
        "sort": sort,
    }

    def page_link(at: int) -> str:
        return "/app/?" + urlencode({**filters, "offset": at})

    return render(
        request,
        "leads.html",
        {
            "page": page,
            "filters": filters,
            "stages": STAGES,
            "sources": funnel_options(request.app.state.store).sources,
            "sorts": FEED_SORTS,
            "lead_url": lead_url,
            "prev_link": page_link(page.offset - PAGE_SIZE) if page.offset > 0 else None,
            "next_link": (
                page_link(page.offset + PAGE_SIZE) if page.offset + PAGE_SIZE < page.total else None
            ),
            "visiting_minutes": VISITING_MINUTES,
            "active": "leads",
        },
    )


def _latest_bant(answers: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for answer in answers:  # oldest first: the last one per criterion wins
        latest[answer["criterion"]] = answer
    return latest


@router.get("/leads/{key}", response_class=HTMLResponse)
def lead_page(request: Request, viewer: CurrentViewer, key: str, notice: str = "") -> Response:
    store = request.app.state.store
    lead = get_lead(store, key, events=50)
    account = None
    if lead["account_domain"]:
        try:
            account = get_account(store, lead["account_domain"])
        except NotFound:
            account = None  # the lead's account was erased; the lead page still shows
    return render(
        request,
        "lead.html",
        {
            "lead": lead,
            "account": account,
            "bant": _latest_bant(lead["bant"]),
            "criteria": BANT_CRITERIA,
            "reasons": REASONS.values(),
            "notice": NOTICES.get(notice),
            "action_url": lead_url(lead["key"]),
            "active": "leads",
        },
    )


@router.post("/leads/{key}/accept")
def accept_lead(
    request: Request,
    viewer: CurrentViewer,
    key: str,
    csrf: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(viewer, csrf, "feedback")
    moved = accept(
        request.app.state.store, key, by_user=viewer.user, now=utc_now(), note=note.strip() or None
    )
    return RedirectResponse(f"{lead_url(moved.key)}?notice=accepted", status_code=303)


@router.post("/leads/{key}/reject")
def reject_lead(
    request: Request,
    viewer: CurrentViewer,
    key: str,
    reason: Annotated[str, Form(max_length=60)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(viewer, csrf, "feedback")
    moved = reject(
        request.app.state.store,
        key,
        reason,
        by_user=viewer.user,
        now=utc_now(),
        note=note.strip() or None,
    )
    return RedirectResponse(f"{lead_url(moved.key)}?notice=rejected", status_code=303)


Answer = Annotated[str, Form(max_length=3)]


@router.post("/leads/{key}/bant")
def bant_lead(
    request: Request,
    viewer: CurrentViewer,
    key: str,
    csrf: Annotated[str, Form(max_length=200)] = "",
    budget: Answer = "",
    authority: Answer = "",
    need: Answer = "",
    timing: Answer = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Each criterion: ``yes`` (confirmed), ``no`` (not confirmed) or empty (not asked yet)."""
    check_csrf(viewer, csrf, "feedback")
    given = {"budget": budget, "authority": authority, "need": need, "timing": timing}
    answers = {c: given[c] == "yes" for c in BANT_CRITERIA if given[c] in ("yes", "no")}
    if not answers:
        raise InvalidInput("answer at least one of budget, authority, need, timing", field="bant")
    result = record_bant(
        request.app.state.store,
        key,
        answers,
        by_user=viewer.user,
        now=utc_now(),
        note=note.strip() or None,
    )
    notice = "sql" if result.moved is not None else "bant"
    return RedirectResponse(f"{lead_url(result.key)}?notice={notice}", status_code=303)
