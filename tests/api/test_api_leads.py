"""Reading leads, accounts, contacts and deals over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from leadqual.domain.lifecycle import STAGES
from leadqual.services.records import LEAD_SORTS, LeadFilter, list_leads_page
from leadqual.store.database import Store
from leadqual.store.models import Account, Contact, Lead, LeadScore
from tests.api.conftest import NOW, Api
from tests.factories import make_account, make_lead


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
    assert keys(api, source="tracker") == ["cy@other.example"]
    assert keys(api, source="nowhere") == []
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


# The optimised listing against a brute-force reference: random small stores (leads with and
# without scores, several scores per lead, ties and missing values), random filters, sorts and
# pages; the reference reads the same rows back and filters, sorts and pages them in Python.

_TIMES = [datetime(2026, 1, d) for d in (1, 5, 10, 20)]
_SORTS = sorted(LEAD_SORTS)


@st.composite
def _stores(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(0, 9))
    return [
        {
            "account": draw(st.integers(0, 2)),
            "stage": draw(st.sampled_from(STAGES[:4])),
            "owner": draw(st.sampled_from([None, "ana", "bo"])),
            "fit": draw(st.sampled_from([None, 0.0, 40.0, 80.0])),
            "intent": draw(st.sampled_from([None, 5.0, 30.0])),
            "created_at": draw(st.sampled_from(_TIMES)),
            "stage_changed_at": draw(st.sampled_from([None, *_TIMES])),
            "scores": draw(st.lists(st.sampled_from([0.1, 0.5, 0.9]), max_size=3)),
        }
        for _ in range(n)
    ]


_filters = st.builds(
    LeadFilter,
    stage=st.sampled_from([None, *STAGES[:4]]),
    owner=st.sampled_from([None, "ana", "bo"]),
    since=st.sampled_from([None, *_TIMES]),
    min_fit=st.sampled_from([None, 0.0, 40.0]),
    min_intent=st.sampled_from([None, 30.0]),
    min_score=st.sampled_from([None, 0.5]),
    account_domain=st.sampled_from([None, "firm1.example", "FIRM2.example "]),
)


def _fill(store: Store, leads: list[dict[str, Any]]) -> None:
    with store.session() as s:
        for table in (LeadScore, Lead, Contact, Account):
            s.execute(delete(table))
        accounts = [make_account(s, domain=f"firm{i}.example") for i in range(3)]
        for i, spec in enumerate(leads):
            # Same-length keys sort alike in Python and in any database collation.
            lead = make_lead(
                s,
                accounts[spec["account"]],
                email=f"lead{i:02d}@firm{spec['account']}.example",
                **{k: v for k, v in spec.items() if k not in ("account", "scores")},
            )
            for p_win in spec["scores"]:
                s.add(LeadScore(lead_id=lead.id, model_version=1, p_win=p_win, scored_at=NOW))
            s.flush()


def _reference(store: Store, where: LeadFilter, sort: str) -> list[tuple[str, float | None]]:
    with store.session() as s:
        domains = {i: d for i, d in s.execute(select(Account.id, Account.domain))}
        latest: dict[int, tuple[int, float]] = {}
        for score_id, lead_id, p_win in s.execute(
            select(LeadScore.id, LeadScore.lead_id, LeadScore.p_win)
        ):
            if lead_id not in latest or score_id > latest[lead_id][0]:
                latest[lead_id] = (score_id, p_win)
        rows = [
            {
                "key": lead.key,
                "domain": domains.get(lead.account_id),
                "stage": lead.stage,
                "owner": lead.owner,
                "fit": lead.fit,
                "intent": lead.intent,
                "created_at": lead.created_at,
                "stage_changed_at": lead.stage_changed_at,
                "score": latest[lead.id][1] if lead.id in latest else None,
            }
            for lead in s.scalars(select(Lead))
        ]

    def at_least(value: Any, bound: Any) -> bool:
        return bound is None or (value is not None and value >= bound)

    def keep(r: dict[str, Any]) -> bool:
        since = where.since
        domain = where.account_domain
        return (
            where.stage in (None, r["stage"])
            and where.owner in (None, r["owner"])
            and (
                since is None
                or at_least(r["created_at"], since)
                or at_least(r["stage_changed_at"], since)
            )
            and at_least(r["fit"], where.min_fit)
            and at_least(r["intent"], where.min_intent)
            and at_least(r["score"], where.min_score)
            and (domain is None or r["domain"] == domain.strip().lower())
        )

    name, descending = (sort[1:], True) if sort.startswith("-") else (sort, False)
    kept = sorted((r for r in rows if keep(r)), key=lambda r: r["key"])
    present = [r for r in kept if r[name] is not None]
    present.sort(key=lambda r: r[name], reverse=descending)  # stable: ties stay by key
    ordered = present + [r for r in kept if r[name] is None]
    return [(r["key"], r["score"]) for r in ordered]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    leads=_stores(),
    where=_filters,
    sort=st.sampled_from(_SORTS + [f"-{name}" for name in _SORTS]),
    limit=st.integers(1, 4),
    offset=st.integers(0, 10),
)
def test_lead_listing_matches_a_brute_force_reference(
    store: Store,
    leads: list[dict[str, Any]],
    where: LeadFilter,
    sort: str,
    limit: int,
    offset: int,
) -> None:
    _fill(store, leads)
    expected = _reference(store, where, sort)
    page = list_leads_page(store, where, sort=sort, limit=limit, offset=offset)
    assert page.total == len(expected)
    assert [(r["key"], r["p_win"]) for r in page.items] == expected[offset : offset + limit]
