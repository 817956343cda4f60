"""Users and API keys (admin only). A new key is in the response once and never again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from leadqual.api.auth import get_store, require
from leadqual.api.routes_meta import ERRORS, answers
from leadqual.api.schemas import (
    ApiKeyCreate,
    ApiKeyPublic,
    NewApiKeyPublic,
    UserCreate,
    UserPublic,
)
from leadqual.clock import utc_now
from leadqual.services import auth

__all__ = ["router"]

router = APIRouter(tags=["admin"], dependencies=[Depends(require("admin"))], responses=ERRORS)



@router.get("/users", response_model=list[UserPublic], summary="Every user and their role")
def users(request: Request) -> list[dict[str, Any]]:
    return [u.as_json() for u in auth.list_users(get_store(request))]


@router.post(
    "/users",
    response_model=UserPublic,
    status_code=201,
    responses=answers(409),
    summary="Add a user with a role",
)
def add_user(request: Request, body: UserCreate) -> dict[str, Any]:
    return auth.add_user(get_store(request), body.name, role=body.role, now=utc_now()).as_json()


@router.get("/keys", response_model=list[ApiKeyPublic], summary="Every API key (no secrets)")
def keys(request: Request) -> list[dict[str, Any]]:
    return [k.as_json() for k in auth.list_keys(get_store(request))]


@router.post(
    "/keys",
    response_model=NewApiKeyPublic,
    status_code=201,
    responses=answers(404),
    summary="Create a key for a user; the key is shown in this response only",
)
def create_key(request: Request, body: ApiKeyCreate) -> dict[str, Any]:
    return auth.create_key(get_store(request), body.user, now=utc_now()).as_json()


@router.delete(
    "/keys/{key_id}",
    response_model=ApiKeyPublic,
    responses=answers(404),
    summary="Revoke a key",
)
def revoke_key(
    request: Request, key_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> dict[str, Any]:
    return auth.revoke_key(get_store(request), key_id, now=utc_now()).as_json()
