"""Accounts, contacts and deals (read only: they come in by import)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from leadqual.api.auth import get_store, require
from leadqual.api.routes_leads import Limit, Offset
from leadqual.api.routes_meta import ERRORS, answers
from leadqual.api.schemas import (
    AccountPublic,
    AccountsPublic,
    ContactPublic,
    ContactsPublic,
    DealPublic,
    DealsPublic,
)
from leadqual.services import records

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(require("read"))], responses=ERRORS)
NOT_FOUND = answers(404)
Text = Annotated[str | None, Query(max_length=255)]


@router.get("/accounts", response_model=AccountsPublic, tags=["accounts"])
def accounts(
    request: Request,
    industry: Text = None,
    country: Text = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, object]:
    return records.list_accounts(
        get_store(request), industry=industry, country=country, limit=limit, offset=offset
    ).as_json()


@router.get(
    "/accounts/{domain}", response_model=AccountPublic, responses=NOT_FOUND, tags=["accounts"]
)
def account(request: Request, domain: str) -> dict[str, object]:
    return records.get_account(get_store(request), domain)


@router.get("/contacts", response_model=ContactsPublic, tags=["contacts"])
def contacts(
    request: Request, account: Text = None, limit: Limit = 50, offset: Offset = 0
) -> dict[str, object]:
    return records.list_contacts(
        get_store(request), account_domain=account, limit=limit, offset=offset
    ).as_json()


@router.get(
    "/contacts/{email}", response_model=ContactPublic, responses=NOT_FOUND, tags=["contacts"]
)
def contact(request: Request, email: str) -> dict[str, object]:
    return records.get_contact(get_store(request), email)


@router.get("/deals", response_model=DealsPublic, tags=["deals"])
def deals(
    request: Request,
    stage: Text = None,
    account: Text = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, object]:
    return records.list_deals(
        get_store(request), stage=stage, account_domain=account, limit=limit, offset=offset
    ).as_json()


@router.get("/deals/{deal_id}", response_model=DealPublic, responses=NOT_FOUND, tags=["deals"])
def deal(request: Request, deal_id: str) -> dict[str, object]:
    return records.get_deal(get_store(request), deal_id)
