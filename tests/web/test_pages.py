"""The dashboard's pages and forms through an in-process client: sign-in, sessions, what each
role sees and may post, HTML errors on the dashboard and JSON errors on the API."""

from __future__ import annotations

import html
import re

from starlette.requests import Request

from leadqual.services.feedback import list_feedback
from leadqual.store.models import LeadScore
from leadqual.web.pages_leads import PAGE_SIZE
from leadqual.web.session import COOKIE, read_session
from tests.factories import make_lead
from tests.web.conftest import NOW, Site

PAGES = ("/app/", "/app/alignment", "/app/funnel", "/app/contract", "/app/model")


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no form token on the page"
    return found.group(1)


def test_pages_need_a_session_and_the_root_leads_to_the_dashboard(site: Site) -> None:
    for path in PAGES:
        answer = site.client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/app/login"
    assert site.client.get("/", follow_redirects=False).headers["location"] == "/app/"
    login = site.client.get("/app/login")
    assert login.status_code == 200 and 'for="api_key"' in login.text


def test_a_wrong_key_is_refused_and_a_good_one_opens_an_http_only_session(site: Site) -> None:
    bad = site.client.post("/app/login", data={"api_key": "lq_nope"})
    assert bad.status_code == 401 and "unknown or revoked" in bad.text
    answer = site.client.post(
        "/app/login", data={"api_key": site.keys["sales"]}, follow_redirects=False
    )
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert site.keys["sales"] not in cookie  # the key itself never leaves the login form
    for path in PAGES:
        page = site.client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert "sales-user" in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]


def test_a_tampered_or_cleared_session_is_no_session(site: Site) -> None:
    site.login("viewer")
    value = site.client.cookies[COOKIE]
    body, signature = value.split(".")
    forged = body.replace(body[:4], "eyJ1") + "x." + signature  # other payload, same signature
    site.client.cookies.clear()
    site.client.cookies.set(COOKIE, forged, domain="127.0.0.1", path="/app")
    assert site.client.get("/app/", follow_redirects=False).status_code == 303
    site.client.cookies.clear()
    site.login("viewer")
    site.client.post("/app/logout")
    assert site.client.get("/app/", follow_redirects=False).status_code == 303


def test_the_feed_filters_and_refuses_bad_filters_with_a_page(site: Site) -> None:
    site.login("viewer")
    mqls = site.client.get("/app/", params={"stage": "mql", "min_fit": "50"})
    assert site.mql_key in mqls.text and "bo@acme.example" not in mqls.text
    by_source = site.client.get("/app/", params={"source": "webinar"})
    assert site.mql_key in by_source.text and "bo@acme.example" not in by_source.text
    assert '<option value="webinar" selected>' in by_source.text
    bad = site.client.get("/app/", params={"min_fit": "lots"})
    assert bad.status_code == 422 and "min_fit must be a number" in bad.text
    assert bad.headers["content-type"].startswith("text/html")
    missing = site.client.get("/app/leads/nobody@nowhere.example")
    assert missing.status_code == 404 and "there is no lead" in missing.text
    # The API keeps its JSON errors.
    assert site.client.get("/leads").json()["error"]["code"] == "unauthorized"


def test_a_viewer_sees_no_action_and_may_not_post_one(site: Site) -> None:
    site.login("viewer")
    lead = site.client.get(f"/app/leads/{site.mql_key}")
    assert lead.status_code == 200 and "Firmographics" in lead.text
    assert "Reject lead" not in lead.text and "Accept lead" not in lead.text
    assert "Record BANT" not in lead.text
    contract = site.client.get("/app/contract")
    assert "Propose a change" not in contract.text and "Approve for" not in contract.text
    token = _csrf_of_session(site)
    refused = site.client.post(
        f"/app/leads/{site.mql_key}/reject", data={"reason": "spam", "csrf": token}
    )
    assert refused.status_code == 403
    assert list_feedback(site.store) == []


def _csrf_of_session(site: Site) -> str:
    # A viewer's pages carry no form; the test derives the session's token the way the server
    # does, to show that the role check refuses even a well-formed post.
    scope = {
        "type": "http",
        "headers": [(b"cookie", f"{COOKIE}={site.client.cookies[COOKIE]}".encode())],
        "app": site.client.app,
    }
    viewer = read_session(Request(scope))
    assert viewer is not None
    return viewer.csrf


def test_sales_rejects_with_a_reason_from_the_fixed_list(site: Site) -> None:
    site.login("sales")
    page = site.client.get(f"/app/leads/{site.mql_key}")
    assert "Reject lead" in page.text and "Not a decision maker" in page.text
    token = _csrf(page.text)
    no_token = site.client.post(f"/app/leads/{site.mql_key}/reject", data={"reason": "no_need"})
    assert no_token.status_code == 403
    unknown = site.client.post(
        f"/app/leads/{site.mql_key}/reject", data={"reason": "meh", "csrf": token}
    )
    assert unknown.status_code == 422 and "unknown rejection reason" in unknown.text
    done = site.client.post(
        f"/app/leads/{site.mql_key}/reject",
        data={"reason": "no_budget", "note": "next year", "csrf": token},
    )
    assert done.status_code == 200 and "Lead rejected" in done.text
    assert "recycled" in done.text and "Reject lead" not in done.text
    [feedback] = list_feedback(site.store)
    assert (feedback.reason, feedback.note, feedback.by_user) == (
        "no_budget",
        "next year",
        "sales-user",
    )
    again = site.client.post(
        f"/app/leads/{site.mql_key}/reject", data={"reason": "spam", "csrf": token}
    )
    assert again.status_code == 409 and "only an `mql` or `sal` lead" in again.text


def test_sales_accepts_then_records_bant(site: Site) -> None:
    site.login("sales")
    token = _csrf(site.client.get(f"/app/leads/{site.mql_key}").text)
    accepted = site.client.post(f"/app/leads/{site.mql_key}/accept", data={"csrf": token})
    assert "Lead accepted" in accepted.text and "sal" in accepted.text
    empty = site.client.post(f"/app/leads/{site.mql_key}/bant", data={"csrf": token})
    assert empty.status_code == 422
    bant = site.client.post(
        f"/app/leads/{site.mql_key}/bant",
        data={"csrf": token, "budget": "yes", "need": "no", "authority": ""},
    )
    assert bant.status_code == 200 and "BANT answers recorded" in bant.text
    assert "unchanged (yes)" in bant.text and "unchanged (no)" in bant.text


def test_marketing_proposes_and_each_team_signs_for_itself(site: Site) -> None:
    site.login("marketing")
    page = site.client.get("/app/contract")
    text = re.search(r"<textarea[^>]*>(.*?)</textarea>", page.text, re.S)
    assert text is not None
    changed, n = re.subn(
        r"mql: [^#\n]*", "mql: fit >= 50 and intent >= 30 ", html.unescape(text.group(1)), count=1
    )
    assert n == 1
    token = _csrf(page.text)
    proposed = site.client.post(
        "/app/contract/proposals", data={"text": changed, "note": "fewer MQLs", "csrf": token}
    )
    assert "Waiting for marketing and sales approval" in proposed.text
    wrong_team = site.client.post(
        "/app/contract/versions/2/approve", data={"team": "sales", "csrf": token}
    )
    assert wrong_team.status_code == 403
    signed = site.client.post(
        "/app/contract/versions/2/approve", data={"team": "marketing", "csrf": token}
    )
    assert "Waiting for sales approval" in signed.text
    site.client.cookies.clear()
    site.login("sales")
    token = _csrf(site.client.get("/app/contract").text)
    active = site.client.post(
        "/app/contract/versions/2/approve", data={"team": "sales", "csrf": token}
    )
    assert "the new version is active" in active.text and "Active: version 2" in active.text
    bad = site.client.get("/app/contract")
    assert "No proposal is waiting" in bad.text


def test_an_invalid_proposal_is_refused_with_the_reason(site: Site) -> None:
    site.login("marketing")
    token = _csrf(site.client.get("/app/contract").text)
    refused = site.client.post(
        "/app/contract/proposals", data={"text": "name: x\nfit: 3\n", "csrf": token}
    )
    assert refused.status_code == 422 and "text/html" in refused.headers["content-type"]


def test_the_feed_sorts_by_score_and_pages(site: Site) -> None:
    with site.store.session() as s:
        for i in range(PAGE_SIZE + 3):
            lead = make_lead(s, email=f"x{i:02d}@many.example", fit=10.0)
            s.add(
                LeadScore(
                    lead_id=lead.id, model_version=1, p_win=i / 100, reasons=[], scored_at=NOW
                )
            )
    site.login("viewer")
    first = site.client.get("/app/")
    keys = re.findall(r'href="/app/leads/(x\d\d@many\.example)"', first.text)
    assert keys[:3] == ["x52@many.example", "x51@many.example", "x50@many.example"]
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    second = site.client.get("/app/", params={"offset": PAGE_SIZE})
    assert 'rel="prev"' in second.text and site.mql_key in second.text
    by_fit = site.client.get("/app/", params={"sort": "-fit"})
    assert by_fit.text.index(site.mql_key) < by_fit.text.index("x00@many.example")
    assert site.client.get("/app/", params={"sort": "bogus"}).status_code == 422
