"""API authentication: the caller's key from ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``,
and a dependency per permission that lets a route say who may call it.

>>> # @router.get("/leads", dependencies=[Depends(require("read"))])
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from leadqual.services.auth import PERMISSIONS, Principal, authenticate, authorize
from leadqual.store.database import Store

__all__ = ["get_store", "require"]

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer KEY`")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="`X-API-Key: KEY`")


def get_store(request: Request) -> Store:
    """The store the app was created with."""
    store = request.app.state.store
    assert isinstance(store, Store)
    return store


def require(permission: str) -> Callable[..., Principal]:
    """A dependency that authenticates the caller and checks ``permission`` (401 without a valid
    key, 403 when the role lacks the permission); it returns the caller."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def dependency(
        request: Request,
        bearer: HTTPAuthorizationCredentials | None = Security(_bearer),  # noqa: B008
        api_key: str | None = Security(_api_key),
    ) -> Principal:
        key = bearer.credentials if bearer is not None else api_key
        principal = authenticate(get_store(request), key)
        authorize(principal, permission)
        request.state.principal = principal
        return principal

    dependency.__name__ = f"require_{permission.replace('.', '_')}"
    return dependency
