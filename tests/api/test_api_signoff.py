"""The contract sign-off and sales feedback over HTTP: each user acts in their own name."""

from __future__ import annotations

from leadqual.contract import starter_contract_text
from tests.api.conftest import Api

SECOND = starter_contract_text().replace("name: Starter contract", "name: Second contract")


def test_a_proposal_needs_marketing_and_sales(api: Api) -> None:
    c = api.client
    r = c.post("/contract/proposals", json={"text": SECOND}, headers=api.headers("marketing"))
    assert r.status_code == 201, r.text
    version = r.json()["version"]
    assert r.json()["proposed_by"] == "marketing-user"
    url = f"/contract/versions/{version}/approvals"
    # sales may not sign for marketing
    r = c.post(url, json={"team": "marketing"}, headers=api.headers("sales"))
    assert r.status_code == 403
    r = c.post(url, json={}, headers=api.headers("sales"))
    assert r.json()["missing"] == ["marketing"] and r.json()["activated_at"] is None
    assert c.get("/contract", headers=api.headers("viewer")).json()["version"] == 1
    r = c.post(url, json={}, headers=api.headers("marketing"))
    assert r.json()["approvals"] == {"marketing": "marketing-user", "sales": "sales-user"}
    active = c.get("/contract", headers=api.headers("viewer")).json()
    assert active["version"] == version and active["name"] == "Second contract"


def test_an_admin_names_the_team_and_a_bad_contract_is_422(api: Api) -> None:
    r = api.client.post(
        "/contract/proposals", json={"text": "name: x\nfitt: []\n"}, headers=api.headers("admin")
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_contract"
    r = api.client.post("/contract/versions/1/approvals", json={}, headers=api.headers("admin"))
    assert r.status_code == 422 and r.json()["error"]["field"] == "team"


def test_sales_feedback_is_recorded_with_the_user(api: Api) -> None:
    h = api.headers("sales")
    r = api.client.post("/leads/ana@acme.example/accept", json={"note": "call"}, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["from_stage"], r.json()["to_stage"]) == ("mql", "sal")
    lead = api.client.get("/leads/ana@acme.example", headers=h).json()
    assert lead["stage"] == "sal" and lead["history"][-1]["by_user"] == "sales-user"
    r = api.client.post("/leads/bob@acme.example/reject", json={"reason": "no_budgt"}, headers=h)
    assert r.status_code == 422 and "no_budget" in r.json()["error"]["message"]


def test_export_is_csv(api: Api) -> None:
    r = api.client.get("/export/hubspot", headers=api.headers("viewer"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "ana@acme.example" in r.text
    assert api.client.get("/export/pipedrive", headers=api.headers("viewer")).status_code == 422
