"""The qualification contract: the active one, its versions, a backtest, and (when the contract
services offer them) proposing, approving, activating and rolling back versions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from leadqual.api.auth import get_store, require
from leadqual.api.routes_leads import naive_utc
from leadqual.api.routes_meta import ERRORS, answers
from leadqual.api.schemas import (
    BacktestRequest,
    ContractPublic,
    ContractVersionPublic,
)
from leadqual.clock import utc_now
from leadqual.contract.loader import load_contract
from leadqual.errors import InvalidInput
from leadqual.services import contracts
from leadqual.services.auth import Forbidden, Principal
from leadqual.services.backtest import backtest

__all__ = ["router"]

router = APIRouter(tags=["contract"], responses=ERRORS)
NOT_FOUND = answers(404)
Version = Annotated[int, Path(ge=1, le=1_000_000)]
# A backtest replays month by month (about 0.1 s a month on a small store): a request may ask
# for three years at most, so that no request can hold a worker for long.
MAX_BACKTEST_MONTHS = 36



def _contract_json(info: contracts.ContractVersionInfo, contract: Any) -> dict[str, Any]:
    return {**info.as_dict(), "text": contract.text, "contract": contract.as_dict()}


@router.get(
    "/contract",
    response_model=ContractPublic,
    responses=NOT_FOUND,
    dependencies=[Depends(require("read"))],
    summary="The active contract",
)
def get_active(request: Request) -> dict[str, Any]:
    return _contract_json(*contracts.active_contract(get_store(request)))


@router.get(
    "/contract/versions",
    response_model=list[ContractVersionPublic],
    dependencies=[Depends(require("read"))],
    summary="Every stored version, newest first",
)
def versions(request: Request) -> list[dict[str, Any]]:
    return [v.as_dict() for v in contracts.list_contract_versions(get_store(request))]


@router.get(
    "/contract/versions/{version}",
    response_model=ContractPublic,
    responses=NOT_FOUND,
    dependencies=[Depends(require("read"))],
    summary="One stored version",
)
def version(request: Request, version: Version) -> dict[str, Any]:
    return _contract_json(*contracts.get_contract_version(get_store(request), version))


def _window(body: BacktestRequest) -> tuple[datetime | None, datetime | None]:
    start, end = naive_utc(body.start), naive_utc(body.end)
    for name, t in (("start", start), ("end", end)):
        if t is not None and not 1970 <= t.year <= 2200:
            raise InvalidInput(f"{name} must be a time between 1970 and 2200", field=name)
    if start is not None and end is not None:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months > MAX_BACKTEST_MONTHS:
            raise InvalidInput(
                f"the window spans {months} months; backtest at most {MAX_BACKTEST_MONTHS} "
                "at a time",
                field="start",
            )
    if start is not None and end is None:
        # Without an end the service replays up to the latest event: bound the window here.
        end = min(
            utc_now(),
            start.replace(year=start.year + MAX_BACKTEST_MONTHS // 12, day=1) - timedelta(days=1),
        )
    return start, end


@router.post(
    "/contract/backtest",
    responses=NOT_FOUND,
    dependencies=[Depends(require("read"))],
    summary="Replay the store's history under a contract (nothing is written)",
)
def post_backtest(request: Request, body: BacktestRequest) -> dict[str, Any]:
    store = get_store(request)
    start, end = _window(body)
    if body.text is not None and body.version is not None:
        raise InvalidInput("give either version or text, not both", field="text")
    if body.text is not None:
        contract = load_contract(body.text, source="request body (text)")
    else:
        _, contract = contracts.get_contract_version(store, body.version)
    return backtest(store, contract, start=start, end=end, now=utc_now()).as_json()


# -- sign-off: propose, approve (marketing and sales), roll back ---------------------------------


class ProposalIn(BaseModel):
    text: str = Field(min_length=1, max_length=200_000, description="The contract (YAML).")
    note: str | None = Field(default=None, max_length=5000)


class ApprovalIn(BaseModel):
    team: str | None = Field(
        default=None,
        description="marketing or sales: the team signing. Marketing and sales keys sign for "
        "their own team only (default; another team is 403); an admin must name it, and may "
        "sign for either team but not for both (409: the two approvals are two people).",
    )


class RollbackIn(BaseModel):
    note: str | None = Field(default=None, max_length=5000)


@router.post(
    "/contract/proposals",
    status_code=201,
    responses=answers(409),
    summary="Propose a contract: a new inactive version awaiting both approvals",
)
def propose(
    request: Request,
    body: ProposalIn,
    who: Annotated[Principal, Depends(require("contract.propose"))],
) -> dict[str, Any]:
    return contracts.propose_contract(
        get_store(request),
        body.text,
        source="request body (text)",
        proposed_by=who.user,
        now=utc_now(),
        note=body.note,
    ).as_dict()


@router.get(
    "/contract/proposals",
    dependencies=[Depends(require("read"))],
    summary="Proposals, newest first, with who signed and who is missing",
)
def proposals(request: Request, open_only: bool = False) -> list[dict[str, Any]]:
    return [p.as_dict() for p in contracts.list_proposals(get_store(request), open_only=open_only)]


def _team(who: Principal, asked: str | None) -> str:
    if who.role in contracts.TEAMS:
        if asked is not None and asked != who.role:
            raise Forbidden(
                f"user {who.user!r} ({who.role}) signs for {who.role}, not for {asked!r}"
            )
        return who.role
    if asked is None:
        raise InvalidInput(
            f"name the team you sign for ({' or '.join(contracts.TEAMS)})", field="team"
        )
    return asked


@router.post(
    "/contract/versions/{version}/approvals",
    responses=answers(404, 409),
    summary="Approve a proposed version; the second team's approval activates it",
)
def approve(
    request: Request,
    version: Version,
    body: ApprovalIn,
    who: Annotated[Principal, Depends(require("contract.approve"))],
) -> dict[str, Any]:
    return contracts.approve_contract(
        get_store(request), version, team=_team(who, body.team), by_user=who.user, now=utc_now()
    ).as_dict()


@router.post(
    "/contract/versions/{version}/rollback",
    status_code=201,
    responses=answers(404, 409),
    summary="Propose re-activating an earlier version (needs both approvals again)",
)
def rollback(
    request: Request,
    version: Version,
    body: RollbackIn,
    who: Annotated[Principal, Depends(require("contract.propose"))],
) -> dict[str, Any]:
    return contracts.rollback_contract(
        get_store(request), version, proposed_by=who.user, now=utc_now(), note=body.note
    ).as_dict()


@router.get(
    "/contract/history",
    dependencies=[Depends(require("read"))],
    summary="Every version as a measured release: sign-off and outcomes of its MQLs",
)
def history(request: Request) -> list[dict[str, Any]]:
    return [v.as_dict() for v in contracts.contract_history(get_store(request))]
