"""The "visiting now" strip of the lead feed: the companies the tracker saw in the last minutes
(``services.visitors.visitor_feed``), as an HTML fragment the feed fetches every 30 seconds."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from leadqual.clock import utc_now
from leadqual.services.visitors import visitor_feed
from leadqual.web.pages_leads import VISITING_MINUTES, lead_url
from leadqual.web.rendering import render_fragment
from leadqual.web.session import Viewer, current_viewer

__all__ = ["STRIP_SIZE", "router"]

router = APIRouter()
CurrentViewer = Annotated[Viewer, Depends(current_viewer)]
STRIP_SIZE = 10


@router.get("/visiting", response_class=HTMLResponse)
def visiting_now(
    request: Request,
    viewer: CurrentViewer,
    minutes: Annotated[int, Query(ge=1, le=24 * 60)] = VISITING_MINUTES,
) -> Response:
    now = utc_now()
    companies = visitor_feed(
        request.app.state.store,
        now=now,
        since=timedelta(minutes=minutes),
        limit=STRIP_SIZE,
        top_pages=3,
    )
    return render_fragment(
        request,
        "visiting.html",
        {"companies": companies, "minutes": minutes, "now": now, "lead_url": lead_url},
        title=f"Visiting now (last {minutes} minutes)",
        active="leads",
    )
