"""Reading leads, accounts, contacts and deals over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import Api


def keys(api: Api, **params: object) -> list[str]:
    r = api.client.get("/leads", params=params, headers=api.headers("viewer"))
    assert r.status_code == 200, r.text
    return [lead["key"] for lead in r.json()["items"]]


def test_filters_and_sorting(api: Api) -> None:
    assert keys(api) == ["ana@acme.example", "bob@acme.example", "cy@other.example"]  # -fit
    assert keys(api, sort="-score") == ["bob@acme.example", "ana@acme.example", "cy@other.example"]
    assert keys(api, sort="intent") == ["cy@other.example", "ana@acme.example", "bob@acme.example"]
    assert keys(api, stage="mql") == ["ana@acme.example"]
    assert keys(api, owner="kim") == ["cy@other.example"]
    assert keys(api, min_score=0.5) == ["ana@acme.example", "bob@acme.example"]
    assert keys(api, min_fit=50) == ["ana@acme.example"]
    assert keys(api, min_intent=50) == ["bob@acme.example"]
    assert keys(api, account="other.example") == ["cy@other.example"]
    assert keys(api, since="2026-02-01T00:00:00Z") == ["ana@acme.example"]


def test_latest_score_counts(api: Api) -> None:
    r = api.client.get("/leads/ana@acme.example", headers=api.headers("viewer"))
    body = r.json()
    assert body["p_win"] == 0.6 and body["score"]["model_version"] == 2
    assert body["events"][0]["event_id"].endswith("-2")  # newest first
    assert [(h["from_stage"], h["to_stage"]) for h in body["history"]] == [("lead", "mql")]


@pytest.mark.parametrize(
    ("path", "status", "code", "field"),
    [
        ("/leads?stage=nope", 422, "invalid_input", "stage"),
        ("/leads?sort=fitt", 422, "invalid_input", "sort"),
        ("/leads?limit=0", 422, "invalid_input", "limit"),
        ("/leads?min_fit=nan", 422, "invalid_input", "min_fit"),
        ("/leads/nobody@x.example", 404, "not_found", "key"),
        ("/accounts/none.example", 404, "not_found", "domain"),
        ("/deals?stage=maybe", 422, "invalid_input", "stage"),
        ("/contract/versions/99", 404, "not_found", None),
    ],
)
def test_errors_are_json_with_a_code(
    api: Api, path: str, status: int, code: str, field: str | None
) -> None:
    r = api.client.get(path, headers=api.headers("viewer"))
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and error["field"] == field and error["message"]


def test_sort_suggests_the_closest_field(api: Api) -> None:
    r = api.client.get("/leads?sort=-scor", headers=api.headers("viewer"))
    assert "did you mean 'score'?" in r.json()["error"]["message"]


def test_unknown_route_is_a_json_404(sqlite_api: Api) -> None:
    r = sqlite_api.client.get("/nowhere", headers=sqlite_api.headers("viewer"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    limit=st.integers(1, 4),
    sort=st.sampled_from(["fit", "-fit", "score", "-score", "intent", "stage", "owner", "key"]),
)
def test_pages_add_up_to_the_whole_list(sqlite_api: Api, limit: int, sort: str) -> None:
    whole = keys(sqlite_api, sort=sort, limit=500)
    paged: list[str] = []
    for offset in range(0, len(whole) + limit, limit):
        r = sqlite_api.client.get(
            "/leads",
            params={"sort": sort, "limit": limit, "offset": offset},
            headers=sqlite_api.headers("viewer"),
        )
        assert r.json()["total"] == len(whole)
        paged += [lead["key"] for lead in r.json()["items"]]
    assert paged == whole


def test_accounts_contacts_deals(api: Api) -> None:
    h = api.headers("viewer")
    accounts = api.client.get("/accounts", params={"country": "DE"}, headers=h).json()
    assert [a["domain"] for a in accounts["items"]] == ["other.example"]
    acme = api.client.get("/accounts/ACME.example", headers=h).json()
    assert acme["leads"] == ["ana@acme.example", "bob@acme.example"]
    contacts = api.client.get("/contacts", params={"account": "acme.example"}, headers=h).json()
    assert contacts["total"] == 2
    deal = api.client.get("/deals/deal-1", headers=h).json()
    assert deal["lead_key"] == "cy@other.example" and deal["stage"] == "won"


def test_the_tracker_routes_are_mounted_without_an_api_key(sqlite_api: Api) -> None:
    r = sqlite_api.client.get("/t.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
