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


def test_a_key_signs_only_for_its_own_team_and_one_user_not_for_both(api: Api) -> None:
    c = api.client
    r = c.post("/contract/proposals", json={"text": SECOND}, headers=api.headers("marketing"))
    url = f"/contract/versions/{r.json()['version']}/approvals"
    for role, team in (("marketing", "sales"), ("sales", "marketing")):
        r = c.post(url, json={"team": team}, headers=api.headers(role))
        assert r.status_code == 403, r.text
        assert r.json()["error"]["message"] == (
            f"user '{role}-user' ({role}) signs for {role}, not for '{team}'"
        )
    r = c.post(url, json={"team": "marketing"}, headers=api.headers("admin"))
    assert r.status_code == 200 and r.json()["approvals"] == {"marketing": "admin-user"}
    # the admin may sign for either team, but not for both
    r = c.post(url, json={"team": "sales"}, headers=api.headers("admin"))
    assert r.status_code == 409, r.text
    assert "'admin-user' already approved" in r.json()["error"]["message"]
    assert "someone else" in r.json()["error"]["message"]
    r = c.post(url, json={}, headers=api.headers("marketing"))  # marketing has signed already
    assert r.status_code == 409 and "marketing has already approved" in r.text
    assert c.get("/contract", headers=api.headers("viewer")).json()["version"] == 1
    r = c.post(url, json={}, headers=api.headers("sales"))
    assert r.status_code == 200 and r.json()["activated_at"] is not None
    assert r.json()["approvals"] == {"marketing": "admin-user", "sales": "sales-user"}


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


def test_a_lead_shows_its_verdicts_bant_owner_and_deadline(api: Api) -> None:
    c, sales = api.client, api.headers("sales")
    key = "ana@acme.example"
    assert c.post(f"/leads/{key}/owner", json={"owner": "sam"}, headers=sales).status_code == 200
    r = c.post(
        f"/leads/{key}/accept",
        json={"note": "good call", "at": "2026-03-01T10:00:00Z"},
        headers=sales,
    )
    assert r.status_code == 200, r.text
    bant = {"answers": {"budget": True, "authority": True, "need": False}}
    assert c.post(f"/leads/{key}/bant", json=bant, headers=sales).status_code == 200
    r = c.post(f"/leads/{key}/bant", json={"answers": {"need": True}, "note": "Q3"}, headers=sales)
    assert r.status_code == 200
    r = c.get(f"/leads/{key}/feedback", headers=api.headers("viewer"))
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["key"], got["stage"], got["owner"]) == (key, "sal", "sam")
    [verdict] = got["verdicts"]
    assert (verdict["verdict"], verdict["note"], verdict["by_user"]) == (
        "accepted",
        "good call",
        "sales-user",
    )
    assert verdict["at"] == "2026-03-01T10:00:00" and verdict["contract_version"] == 1
    assert [(b["criterion"], b["confirmed"]) for b in got["bant"]] == [
        ("budget", True),
        ("authority", True),
        ("need", False),
        ("need", True),
    ]
    assert got["bant"][-1]["confirmed_by"] == "sales-user" and got["bant"][-1]["note"] == "Q3"
    assert got["bant_latest"] == {"budget": True, "authority": True, "need": True}
    assert got["bant_confirmed"] is False  # timing is not confirmed yet
    a = got["assignment"]
    assert (a["owner"], a["rule"], a["first_touch_at"]) == ("sam", "manual", "2026-03-01T10:00:00")
    # the lead detail carries the same
    detail = c.get(f"/leads/{key}", headers=api.headers("viewer")).json()
    assert detail["feedback"] == got["verdicts"] and detail["assignment"] == a
    assert len(detail["bant"]) == 4
    # the rejection, with its reason, in the list of every verdict
    r = c.post(
        "/leads/bob@acme.example/reject", json={"reason": "spam"}, headers=api.headers("admin")
    )
    assert r.status_code == 409  # bob is a `lead`, not an MQL
    rejected = c.get("/feedback", params={"verdict": "rejected"}, headers=sales).json()
    assert rejected == []
    everything = c.get("/feedback", headers=sales).json()
    assert [(f["key"], f["verdict"]) for f in everything] == [(key, "accepted")]
    assert c.get("/feedback", params={"verdict": "maybe"}, headers=sales).status_code == 422
    r = c.get("/leads/nobody@x.example/feedback", headers=sales)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_a_lead_without_a_hand_off_has_empty_sections(api: Api) -> None:
    got = api.client.get("/leads/cy@other.example/feedback", headers=api.headers("viewer")).json()
    assert got["assignment"] is None and got["verdicts"] == [] and got["bant"] == []
    assert got["bant_latest"] == {} and got["bant_confirmed"] is False and got["owner"] == "kim"
    detail = api.client.get("/leads/cy@other.example", headers=api.headers("viewer")).json()
    assert detail["assignment"] is None and detail["feedback"] == []
