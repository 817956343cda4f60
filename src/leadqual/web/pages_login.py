"""Signing in with an API key, and out again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from leadqual.services.auth import Unauthorized, authenticate
from leadqual.web.rendering import render
from leadqual.web.session import COOKIE, SESSION_SECONDS, open_session, read_session

__all__ = ["router"]

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    if read_session(request) is not None:
        return RedirectResponse("/app/", status_code=303)
    return render(request, "login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, api_key: Annotated[str, Form(max_length=200)] = "") -> Response:
    try:
        principal = authenticate(request.app.state.store, api_key.strip())
    except Unauthorized as exc:
        return render(request, "login.html", {"error": exc.message}, status_code=401)
    response = RedirectResponse("/app/", status_code=303)
    response.set_cookie(
        COOKIE,
        open_session(request, principal),
        max_age=SESSION_SECONDS,
        path="/app",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/app/login", status_code=303)
    response.delete_cookie(COOKIE, path="/app")
    return response
