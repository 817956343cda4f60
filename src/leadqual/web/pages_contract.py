"""The contract page: the active definition, proposals waiting for sign-off, propose, approve."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from leadqual.contract.model import Contract
from leadqual.errors import NotFound
from leadqual.services.auth import Forbidden
from leadqual.services.contracts import (
    TEAMS,
    ContractVersionInfo,
    active_contract,
    approve_contract,
    contract_history,
    list_proposals,
    propose_contract,
)
from leadqual.web.rendering import render
from leadqual.web.session import Viewer, check_csrf, current_viewer, utc_now

__all__ = ["router"]

router = APIRouter()
CurrentViewer = Annotated[Viewer, Depends(current_viewer)]
NOTICES = {
    "proposed": "Proposal stored: it waits for the marketing and the sales approval.",
    "approved": "Approval recorded.",
    "activated": "Both teams have signed: the new version is active.",
}
MAX_CONTRACT_CHARS = 200_000


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
