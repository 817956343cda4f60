"""Every endpoint × every role: allowed roles get an answer (2xx here, with valid requests on a
seeded store), other roles 403, no key or a bad key 401 — on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from leadqual.contract import starter_contract_text
from leadqual.services.assignments import reassign
from leadqual.services.auth import ROLES, create_key, revoke_key
from leadqual.services.contracts import propose_contract
from leadqual.services.webhooks import add_subscription
from tests.api.conftest import NOW, Api
from tests.factories import make_lead

ALL = set(ROLES)
_n = itertools.count()


def _event(_role: str) -> dict[str, Any]:
    return {
        "events": [
            {
                "event_id": f"matrix-{next(_n)}",
                "type": "page_view",
                "occurred_at": "2026-02-15T10:00:00Z",
                "email": "ana@acme.example",
            }
        ]
    }


def _spare_key(api: Api) -> str:
    return f"/keys/{create_key(api.store, 'viewer-user', now=NOW).info.id}"


def _fresh_mql(api: Api) -> str:
    """A new MQL lead of its own, so that each role's call finds it in the same state."""
    with api.store.session() as s:
        lead = make_lead(s, stage="mql", stage_changed_at=NOW)
        return lead.key


def _proposal(_role: str) -> dict[str, Any]:
    text = starter_contract_text().replace("name: Starter contract", f"name: P{next(_n)}")
    return {"text": text, "note": "from the matrix"}


def _proposed_version(api: Api) -> str:
    body = _proposal("marketing")
    info = propose_contract(api.store, body["text"], source="t", proposed_by="ana", now=NOW)
    return f"/contract/versions/{info.version}/approvals"


def _inactive_version(api: Api) -> str:
    return f"/contract/versions/{_proposed_version(api).split('/')[3]}/rollback"


def _subscription(api: Api) -> str:
    info = add_subscription(api.store, "http://127.0.0.1:9/hook", "s" * 20, now=NOW)
    return f"/webhooks/{info.id}"


def _lead_path(action: str, *, owned: bool = False) -> Callable[[Api], str]:
    def path(api: Api) -> str:
        key = _fresh_mql(api)
        if owned:  # a first touch is of a lead that has a sales owner
            reassign(api.store, key, "sam", now=NOW, by_user="admin-user")
        return f"/leads/{key}/{action}"

    path.__name__ = f"lead_{action}"
    return path


def _approval(role: str) -> dict[str, Any]:
    return {"team": "marketing"} if role == "admin" else {}


# (method, path or a function of the api giving it, body for a role, roles that may call it)
Route = tuple[str, str | Callable[[Api], str], Callable[[str], Any] | None, set[str]]
SALES = {"admin", "sales"}
MARKETING = {"admin", "marketing"}
ADMIN = {"admin"}
MATRIX: list[Route] = [
    ("GET", "/me", None, ALL),
    ("GET", "/funnel", None, ALL),
    ("GET", "/leads", None, ALL),
    ("GET", "/leads/ana@acme.example", None, ALL),
    ("GET", "/accounts", None, ALL),
    ("GET", "/accounts/acme.example", None, ALL),
    ("GET", "/contacts", None, ALL),
    ("GET", "/contacts/ana@acme.example", None, ALL),
    ("GET", "/deals", None, ALL),
    ("GET", "/deals/deal-1", None, ALL),
    ("POST", "/events", _event, MARKETING),
    ("GET", "/contract", None, ALL),
    ("GET", "/contract/versions", None, ALL),
    ("GET", "/contract/versions/1", None, ALL),
    (
        "POST",
        "/contract/backtest",
        lambda _r: {"start": "2026-01-01T00:00:00", "end": "2026-02-28T00:00:00"},
        ALL,
    ),
    ("POST", "/contract/proposals", _proposal, MARKETING),
    ("GET", "/contract/proposals", None, ALL),
    ("POST", _proposed_version, _approval, {"admin", "marketing", "sales"}),
    ("POST", _inactive_version, lambda _r: {"note": "back"}, MARKETING),
    ("GET", "/contract/history", None, ALL),
    ("POST", _lead_path("accept"), lambda _r: {"note": "good"}, SALES),
    ("POST", _lead_path("reject"), lambda _r: {"reason": "no_budget"}, SALES),
    ("POST", _lead_path("bant"), lambda _r: {"answers": {"budget": True}}, SALES),
    ("POST", _lead_path("touch", owned=True), lambda _r: {}, SALES),
    ("POST", _lead_path("owner"), lambda _r: {"owner": "kim"}, SALES),
    ("GET", "/leads/ana@acme.example/feedback", None, ALL),
    ("GET", "/feedback", None, ALL),
    ("GET", "/assignments", None, ALL),
    ("GET", "/sla/overdue", None, ALL),
    ("GET", "/reports/alignment", None, ALL),
    ("GET", "/export/hubspot", None, ALL),
    ("GET", "/webhooks", None, ADMIN),
    ("POST", "/webhooks", lambda _r: {"url": "http://127.0.0.1:9/h", "secret": "x" * 16}, ADMIN),
    ("DELETE", _subscription, None, ADMIN),
    ("GET", "/webhooks/deliveries", None, ADMIN),
    ("GET", "/users", None, ADMIN),
    ("POST", "/users", lambda _r: {"name": f"u{next(_n)}", "role": "viewer"}, ADMIN),
    ("GET", "/keys", None, ADMIN),
    ("POST", "/keys", lambda _r: {"user": "viewer-user"}, ADMIN),
    ("DELETE", _spare_key, None, ADMIN),
]
PUBLIC = {("GET", "/health")}


def _template(path: str) -> str:
    """The OpenAPI path template a concrete matrix path stands for."""
    if "/approvals" in path:
        return "/contract/versions/{version}/approvals"
    if path.endswith("/rollback"):
        return "/contract/versions/{version}/rollback"
    if path.startswith("/leads/") and path.count("/") == 3:
        return "/leads/{key}/" + path.rsplit("/", 1)[1]
    templates = {
        "/leads/": "/leads/{key}",
        "/accounts/": "/accounts/{domain}",
        "/contacts/": "/contacts/{email}",
        "/deals/": "/deals/{deal_id}",
        "/contract/versions/": "/contract/versions/{version}",
        "/keys/": "/keys/{key_id}",
        "/export/": "/export/{crm}",
        "/webhooks/": "/webhooks/{subscription_id}",
    }
    for prefix, template in templates.items():
        if path.startswith(prefix) and path not in (prefix, "/webhooks/deliveries"):
            return template
    return path


def _call(api: Api, route: Route, role: str | None, headers: dict[str, str]) -> Any:
    method, path, body, _ = route
    url = path(api) if callable(path) else path
    payload = body(role or "viewer") if body is not None else None
    return api.client.request(method, url, headers=headers, json=payload)


def test_the_matrix_covers_every_route(sqlite_api: Api) -> None:
    paths = sqlite_api.client.get("/openapi.json").json()["paths"]
    spec = {(m.upper(), p) for p, ops in paths.items() for m in ops}
    covered = {(m, _template(p(sqlite_api) if callable(p) else p)) for m, p, _, _ in MATRIX}
    assert spec - PUBLIC == covered  # the collector's routes are not in the schema


@pytest.mark.parametrize(
    "route", MATRIX, ids=lambda r: f"{r[0]} {r[1] if isinstance(r[1], str) else r[1].__name__}"
)
def test_roles(api: Api, route: Route) -> None:
    for role in ROLES:
        r = _call(api, route, role, api.headers(role))
        if role in route[3]:
            assert 200 <= r.status_code < 300, (role, r.status_code, r.text)
        else:
            assert r.status_code == 403, (role, r.status_code, r.text)
            assert r.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    "route", MATRIX, ids=lambda r: f"{r[0]} {r[1] if isinstance(r[1], str) else r[1].__name__}"
)
def test_no_key_or_a_bad_key_is_401(sqlite_api: Api, route: Route) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer lq_not-a-key"},
        {"X-API-Key": "nope"},
        {"Authorization": "Basic YTpi"},
    ):
        r = _call(sqlite_api, route, None, headers)
        assert r.status_code == 401, (headers, r.status_code, r.text)
        assert r.json()["error"]["code"] == "unauthorized"
        assert r.headers["WWW-Authenticate"] == "Bearer"


def test_x_api_key_header_works_and_revoked_keys_do_not(api: Api) -> None:
    new = create_key(api.store, "sales-user", now=NOW)
    assert api.client.get("/me", headers={"X-API-Key": new.key}).json() == {
        "user": "sales-user",
        "role": "sales",
        "permissions": ["contract.approve", "feedback", "read"],
    }
    revoke_key(api.store, new.info.id, now=NOW)
    r = api.client.get("/me", headers={"X-API-Key": new.key})
    assert r.status_code == 401


def test_health_needs_no_key(sqlite_api: Api) -> None:
    assert sqlite_api.client.get("/health").json() == {"status": "ok"}
