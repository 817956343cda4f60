"""Health, the caller's identity and the funnel."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from leadqual.api.auth import get_store, require
from leadqual.api.schemas import ErrorResponse, Me
from leadqual.services.auth import PERMISSIONS, Principal, allowed
from leadqual.services.leads import funnel

__all__ = ["ERRORS", "answers", "router"]

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No API key, or an unknown or revoked one."},
    403: {"model": ErrorResponse, "description": "The key's role may not do this."},
    422: {"model": ErrorResponse, "description": "Invalid input."},
}


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entries of error statuses a route may answer with (besides 401/403/422)."""
    return {status: {"model": ErrorResponse} for status in statuses}


router = APIRouter(tags=["meta"])


@router.get("/health", summary="Liveness (no key needed)")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/me", response_model=Me, responses=ERRORS, summary="Who the key belongs to")
def me(principal: Annotated[Principal, Depends(require("read"))]) -> Me:
    return Me(
        user=principal.user,
        role=principal.role,
        permissions=sorted(p for p in PERMISSIONS if allowed(principal.role, p)),
    )


@router.get(
    "/funnel",
    responses=ERRORS,
    dependencies=[Depends(require("read"))],
    summary="Leads reaching MQL, SQL and won, and the conversion between them",
)
def get_funnel(request: Request) -> dict[str, Any]:
    return funnel(get_store(request)).as_json()
