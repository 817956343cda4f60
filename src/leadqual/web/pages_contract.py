"""The contract page: the active definition, proposals waiting for sign-off, propose, approve."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from leadqual.backtest.tradeoff import Vary
from leadqual.clock import utc_now
from leadqual.contract.model import Contract
from leadqual.errors import InvalidInput, NotFound
from leadqual.services.auth import Forbidden
from leadqual.services.backtest import tradeoff
from leadqual.services.contracts import (
    TEAMS,
    ContractVersionInfo,
    active_contract,
    approve_contract,
    contract_history,
    list_proposals,
    propose_contract,
)
from leadqual.services.discovery import discover
from leadqual.web.cache import CachedReport, ReportCache
from leadqual.web.rendering import render, render_fragment
from leadqual.web.session import Viewer, check_csrf, current_viewer

__all__ = ["router"]

router = APIRouter()
CurrentViewer = Annotated[Viewer, Depends(current_viewer)]
NOTICES = {
    "proposed": "Proposal stored: it waits for the marketing and the sales approval.",
    "approved": "Approval recorded.",
    "activated": "Both teams have signed: the new version is active.",
}
MAX_CONTRACT_CHARS = 200_000
VARY: dict[str, Vary] = {"fit": "fit", "intent": "intent"}


def teams_for(viewer: Viewer) -> tuple[str, ...]:
    """The teams a viewer may sign for: their own; an admin may sign for either."""
    return (viewer.role,) if viewer.role in TEAMS else TEAMS if viewer.role == "admin" else ()


@router.get("/contract", response_class=HTMLResponse)
def contract_page(request: Request, viewer: CurrentViewer, notice: str = "") -> Response:
    store = request.app.state.store
    info: ContractVersionInfo | None = None
    contract: Contract | None = None
    missing: str | None = None
    try:
        info, contract = active_contract(store)
    except NotFound as exc:  # nothing applied yet: the page says how to start
        missing = exc.message
    return render(
        request,
        "contract.html",
        {
            "info": info,
            "contract": contract,
            "missing": missing,
            "proposals": list_proposals(store, open_only=True),
            "history": [v.as_dict() for v in contract_history(store)],
            "teams": teams_for(viewer),
            "notice": NOTICES.get(notice),
            "active": "contract",
        },
    )


@router.post("/contract/proposals")
def propose(
    request: Request,
    viewer: CurrentViewer,
    text: Annotated[str, Form(max_length=MAX_CONTRACT_CHARS)],
    csrf: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(viewer, csrf, "contract.propose")
    propose_contract(
        request.app.state.store,
        text.replace("\r\n", "\n"),
        source="the dashboard's proposal form",
        proposed_by=viewer.user,
        now=utc_now(),
        note=note.strip() or None,
    )
    return RedirectResponse("/app/contract?notice=proposed", status_code=303)


@router.post("/contract/versions/{version}/approve")
def approve(
    request: Request,
    viewer: CurrentViewer,
    version: int,
    team: Annotated[str, Form(max_length=20)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(viewer, csrf, "contract.approve")
    if team not in teams_for(viewer):
        raise Forbidden(f"user {viewer.user!r} ({viewer.role}) cannot sign for {team!r}")
    info = approve_contract(
        request.app.state.store, version, team=team, by_user=viewer.user, now=utc_now()
    )
    notice = "activated" if info.activated_at is not None else "approved"
    return RedirectResponse(f"/app/contract?notice={notice}", status_code=303)


def _cached(
    request: Request, key: tuple[object, ...], compute: Callable[[], object], refresh: bool
) -> tuple[CachedReport, Any, str | None]:
    """The report from the app's cache (computed on a miss) — or why it cannot be computed,
    which is cached too: finding that out can take as long as the report."""

    def attempt() -> tuple[object, str | None]:
        try:
            return compute(), None
        except (InvalidInput, NotFound) as exc:  # e.g. no threshold to vary, too few customers
            return None, exc.message

    cache: ReportCache = request.app.state.report_cache
    found = cache.get(key, attempt, now=utc_now(), refresh=refresh)
    value, error = found.value
    return found, value, error


@router.get("/contract/tradeoff", response_class=HTMLResponse)
def tradeoff_part(
    request: Request,
    viewer: CurrentViewer,
    vary: Annotated[str, Query(max_length=10)] = "fit",
    refresh: bool = False,
) -> Response:
    """The active contract's backtest: MQL volume, precision and recall as the mql rule's
    ``vary`` threshold moves (seconds to compute: cached per contract version)."""
    if vary not in VARY:
        raise InvalidInput(f"vary must be one of {', '.join(VARY)}, not {vary!r}", field="vary")
    store = request.app.state.store
    info, contract = active_contract(store)
    found, curve, error = _cached(
        request,
        ("tradeoff", info.version, vary),
        lambda: tradeoff(store, contract, vary=VARY[vary], now=utc_now()),
        refresh,
    )
    data = curve.as_json() if curve is not None else None
    return render_fragment(
        request,
        "tradeoff.html",
        {"info": info, "found": found, "data": data, "error": error, "vary": vary, "varies": VARY},
        title=f"Backtest of contract version {info.version}",
        active="contract",
    )


@router.get("/contract/discovery", response_class=HTMLResponse)
def discovery_part(request: Request, viewer: CurrentViewer, refresh: bool = False) -> Response:
    """The criteria discovery finds in the won and lost history, with their evidence."""
    store = request.app.state.store
    info, _contract = active_contract(store)
    found, found_report, error = _cached(
        request, ("discovery", info.version), lambda: discover(store, now=utc_now()), refresh
    )
    report = found_report.as_json() if found_report is not None else None
    return render_fragment(
        request,
        "discovery.html",
        {"info": info, "found": found, "report": report, "error": error},
        title="Discovered criteria",
        active="contract",
    )
