"""Dashboard sessions: an API key typed into the login form becomes a signed, HTTP-only cookie.

The cookie holds the user, the role and an expiry, signed with HMAC-SHA256 under a key derived
from the store's privacy key (so sessions survive restarts and work across workers, and nothing
secret is configured twice). It never holds the API key. Every request re-checks that the user
still exists with that role. Forms carry a CSRF token bound to the session; the cookie is also
``SameSite=Strict``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from fastapi import Request

from leadqual.clock import utc_now
from leadqual.services.auth import PERMISSIONS, Forbidden, Principal, allowed, list_users
from leadqual.store.database import Store
from leadqual.tracking.keys import privacy_key

__all__ = [
    "COOKIE",
    "SESSION_SECONDS",
    "LoginRequired",
    "Viewer",
    "check_csrf",
    "current_viewer",
    "open_session",
    "read_session",
]

COOKIE = "lq_session"
SESSION_SECONDS = 8 * 3600  # a working day


class LoginRequired(Exception):
    """No valid session: the dashboard answers with a redirect to the login page."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in person: who, their role, what the role may do, and the form token."""

    user: str
    role: str
    csrf: str

    @property
    def can(self) -> dict[str, bool]:
        return {p: allowed(self.role, p) for p in PERMISSIONS}

    @property
    def principal(self) -> Principal:
        return Principal(user=self.user, role=self.role)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _secret(request: Request) -> bytes:
    state = request.app.state
    cached = getattr(state, "web_secret", None)
    if isinstance(cached, bytes):
        return cached
    key = privacy_key(state.store, state.settings, utc_now())
    # A key of its own, so a session signature can never stand in for a tracking hash.
    secret = hmac.new(key.encode(), b"leadqual dashboard session v1", hashlib.sha256).digest()
    state.web_secret = secret
    return secret


def _sign(secret: bytes, body: str) -> str:
    return _b64(hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest())


def open_session(request: Request, principal: Principal) -> str:
    """The cookie value of a new session for ``principal``."""
    payload = {"u": principal.user, "r": principal.role, "exp": int(time.time()) + SESSION_SECONDS}
    body = _b64(json.dumps(payload, separators=(",", ":")).encode())
    return f"{body}.{_sign(_secret(request), body)}"


def read_session(request: Request) -> Viewer | None:
    """The viewer of the request's session cookie, or None (no cookie, bad signature, expired,
    or a user that no longer exists with that role)."""
    value = request.cookies.get(COOKIE)
    if not value or value.count(".") != 1:
        return None
    body, signature = value.split(".")
    secret = _secret(request)
    if not hmac.compare_digest(signature, _sign(secret, body)):
        return None
    try:
        payload = json.loads(_unb64(body))
    except ValueError:
        return None
    if not isinstance(payload, dict) or int(payload.get("exp", 0)) < time.time():
        return None
    user, role = str(payload.get("u")), str(payload.get("r"))
    store = request.app.state.store
    assert isinstance(store, Store)
    if not any(u.name == user and u.role == role for u in list_users(store)):
        return None
    csrf = _sign(secret, "csrf." + body)
    return Viewer(user=user, role=role, csrf=csrf)


def current_viewer(request: Request) -> Viewer:
    """A dependency: the signed-in viewer, or ``LoginRequired`` (→ the login page)."""
    viewer = read_session(request)
    if viewer is None:
        raise LoginRequired()
    request.state.viewer = viewer
    return viewer


def check_csrf(viewer: Viewer, token: str, permission: str) -> None:
    """Refuse a form that did not come from this session's pages, or whose action the role may
    not take (``Forbidden``, a 403)."""
    if not hmac.compare_digest(token.encode(), viewer.csrf.encode()):
        raise Forbidden("this form has expired or did not come from this session; reload the page")
    if not allowed(viewer.role, permission):
        raise Forbidden(f"user {viewer.user!r} ({viewer.role}) may not do this")
