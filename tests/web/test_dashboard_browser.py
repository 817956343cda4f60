"""The dashboard end to end in real headless Chromium against uvicorn on loopback: sales rejects
the top lead and the alignment page moves; marketing proposes a contract change that waits for
sales; the funnel chart draws its data and its filters change it; a visit posted to /collect
shows in the "visiting now" strip; the contract page's backtest and discovery load on demand; a
viewer gets no action; every page is photographed at 1280 px and at phone width."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from leadqual.store.models import Account, Contact
from leadqual.tracking.sites import add_site
from tests.web.conftest import Live

pytestmark = pytest.mark.slow

PAGES = {
    "leads": "/app/",
    "lead": None,  # the top lead, found on the feed
    "alignment": "/app/alignment",
    "funnel": "/app/funnel",
    "contract": "/app/contract",
    "model": "/app/model",
}
MQL_RULE = re.compile(r"mql: [^#\n]*")
PHONE = {"width": 390, "height": 844}
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """A page in a fresh browser context (its own cookies); console errors fail the test."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == []


def login(page: Any, live: Live, role: str) -> None:
    page.goto(f"{live.url}/app/")
    assert page.url.endswith("/app/login")
    page.get_by_label("API key").fill(live.users.keys[role])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live.url}/app/")
    assert page.locator(".who").inner_text().startswith(live.users.names[role])


def kpi(page: Any, name: str) -> int:
    return int(page.locator(f"#kpi-{name}").inner_text())


def test_sales_rejects_the_top_lead_and_the_alignment_page_changes(
    new_page: Any, live: Live
) -> None:
    page = new_page
    login(page, live, "sales")
    page.goto(f"{live.url}/app/alignment")
    rejected_before, mqls = kpi(page, "rejected"), kpi(page, "mqls")
    assert mqls > 0
    page.goto(f"{live.url}/app/?stage=mql&sort=-score")
    first = page.locator("table.leads tbody tr").first.get_by_role("link")
    key = first.inner_text()
    first.click()
    page.get_by_role("heading", name="Your verdict").wait_for()
    page.get_by_label("Rejection reason").select_option("not_decision_maker")
    page.locator("#reject-note").fill("an intern")
    page.get_by_role("button", name="Reject lead").click()
    page.get_by_role("status").wait_for()
    assert "Lead rejected" in page.get_by_role("status").inner_text()
    assert "by sales-user" in page.locator(".history").inner_text()
    assert page.get_by_role("button", name="Reject lead").count() == 0
    page.get_by_role("link", name="Alignment").click()
    assert kpi(page, "rejected") == rejected_before + 1
    assert "Not a decision maker" in page.locator("#reasons-data").text_content()
    assert key  # the lead we rejected had a name in the feed


def test_marketing_proposes_a_change_that_waits_for_sales(new_page: Any, live: Live) -> None:
    page = new_page
    login(page, live, "marketing")
    page.get_by_role("link", name="Contract").click()
    text = page.get_by_label("Contract (YAML)")
    yaml, changed = MQL_RULE.subn("mql: fit >= 55 and intent >= 30 ", text.input_value(), count=1)
    assert changed == 1
    text.fill(yaml)
    page.get_by_label("Why (shown to the approvers)").fill("sales rejects too many small firms")
    page.get_by_role("button", name="Propose").click()
    proposal = page.locator(".proposal").first
    assert "Waiting for marketing and sales approval" in proposal.inner_text()
    proposal.get_by_role("button", name="Approve for marketing").click()
    proposal = page.locator(".proposal").first
    assert "Waiting for sales approval" in proposal.inner_text()
    assert proposal.get_by_role("button").count() == 0  # marketing cannot sign for sales
    assert "Active: version 1" in page.locator("#active-h").inner_text()


def test_the_funnel_chart_draws_its_data(new_page: Any, live: Live) -> None:
    page = new_page
    login(page, live, "viewer")
    page.get_by_role("link", name="Funnel").click()
    canvas = page.locator("canvas#funnel-chart")
    assert canvas.is_visible()
    chart = page.evaluate(
        """() => {
            const c = Chart.getChart(document.getElementById('funnel-chart'));
            return {labels: c.data.labels.length,
                    series: c.data.datasets.map(d => d.data.reduce((a, b) => a + b, 0))};
        }"""
    )
    assert chart["labels"] >= 6
    assert len(chart["series"]) == 4 and all(total > 0 for total in chart["series"])
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 200


def chart_data(page: Any, canvas: str) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """(id) => {
                const c = Chart.getChart(document.getElementById(id));
                return {labels: c.data.labels, series: c.data.datasets.map(d => d.data)};
            }""",
            canvas,
        )
    )


def test_the_funnel_filters_change_the_chart(new_page: Any, live: Live) -> None:
    page = new_page
    login(page, live, "viewer")
    page.goto(f"{live.url}/app/funnel")
    monthly = chart_data(page, "funnel-chart")
    assert all(re.fullmatch(r"\d{4}-\d{2}", label) for label in monthly["labels"])
    page.get_by_label("Group by").select_option("week")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"by=week"))
    weekly = chart_data(page, "funnel-chart")
    assert len(weekly["labels"]) > len(monthly["labels"])
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", label) for label in weekly["labels"])
    page.get_by_label("Group by").select_option("month")
    page.get_by_label("Segment").select_option("employees:1-49")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"segment=employees"))
    small = chart_data(page, "funnel-chart")
    assert sum(small["series"][0]) < sum(monthly["series"][0])  # fewer new leads
    assert page.locator("canvas#stage-chart").is_visible()
    assert "employees 1-49" in page.locator("#period-h").inner_text()


def _post_visit(live: Live, email: str) -> None:
    """A page view and a form with ``email``, sent to the live /collect as t.js would."""
    key = add_site(live.store, "shop.example", None, datetime.now()).public_key
    now = time.time()
    visitor = f"v-{uuid.uuid4().hex[:8]}"
    events = [
        {"id": str(uuid.uuid4()), "type": "page_view", "ts": now - 5, "visitor": visitor,
         "url": "https://shop.example/pricing", "title": "Pricing"},
        {"id": str(uuid.uuid4()), "type": "form_submit", "ts": now - 2, "visitor": visitor,
         "url": "https://shop.example/demo", "form": {"kind": "demo_request", "email": email}},
    ]  # fmt: skip
    answer = httpx.post(
        f"{live.url}/collect",
        content=json.dumps({"site": key, "sent_at": now, "events": events}),
        headers={
            "Content-Type": "text/plain",
            "Origin": "https://shop.example",
            "User-Agent": BROWSER_UA,
        },
    )
    assert answer.status_code in (200, 202), answer.text


def test_a_company_posted_to_collect_shows_in_visiting_now(new_page: Any, live: Live) -> None:
    with live.store.session() as s:
        email, domain = s.execute(
            select(Contact.email, Account.domain)
            .join(Account, Account.id == Contact.account_id)
            .order_by(Contact.id)
            .limit(1)
        ).one()
    page = new_page
    page.clock.install()  # the page's timers run when the test says: 30 s pass at once
    login(page, live, "sales")
    strip = page.locator("#visiting")
    strip.get_by_text("No company identified").wait_for()  # fetched when the feed opened
    _post_visit(live, email)
    deadline = time.monotonic() + 15
    while domain not in (text := strip.inner_text()):
        assert time.monotonic() < deadline, text  # the collector writes behind
        loaded = strip.get_attribute("data-loaded")
        page.clock.run_for(30_000)  # the strip refreshes itself, no reload
        page.wait_for_function(
            "(was) => document.getElementById('visiting').dataset.loaded !== was", arg=loaded
        )
    assert "/pricing" in strip.inner_text()
    assert (strip.get_by_role("link").first.get_attribute("href") or "").startswith("/app/leads/")
    page.context.clear_cookies()  # the session ends while the feed stays open
    page.clock.run_for(30_000)
    strip.get_by_text("Your session has ended").wait_for()
    assert strip.get_by_role("link", name="Sign in again").count() == 1


def test_the_contract_backtest_and_discovery_load_on_demand(new_page: Any, live: Live) -> None:
    page = new_page
    login(page, live, "viewer")
    page.goto(f"{live.url}/app/contract")
    assert page.locator("canvas#tradeoff-chart").count() == 0
    page.get_by_role("link", name="Run the backtest").click()
    page.locator("canvas#tradeoff-chart").wait_for(timeout=30_000)
    curve = chart_data(page, "tradeoff-chart")
    assert len(curve["labels"]) > 5 and len(curve["series"]) == 3
    assert max(curve["series"][0]) > min(curve["series"][0])  # the volume moves
    assert page.locator("#tradeoff-table tr.current").count() == 1
    page.get_by_role("link", name="Discover criteria").click()
    page.locator("#questions-table").wait_for(timeout=30_000)
    assert page.locator("#questions-table tbody tr").count() >= 1
    assert "Held-out precision" in page.locator("#questions-table").inner_text()


def test_a_viewer_sees_no_action_buttons(new_page: Any, live: Live) -> None:
    page = new_page
    login(page, live, "viewer")
    page.goto(f"{live.url}/app/?stage=mql")
    page.locator("table.leads tbody tr").first.get_by_role("link").click()
    page.get_by_role("heading", name="BANT").wait_for()
    for path in ("", "/app/contract"):
        if path:
            page.goto(live.url + path)
        buttons = [b.inner_text() for b in page.locator("main button").all()]
        assert buttons == [], buttons
    assert page.locator("textarea").count() == 0


def test_every_page_is_photographed_at_desktop_and_phone_width(new_page: Any, live: Live) -> None:
    page = new_page
    login(page, live, "sales")
    page.goto(f"{live.url}/app/?stage=mql")
    top = page.locator("table.leads tbody tr").first.get_by_role("link").get_attribute("href")
    pages = {**PAGES, "lead": top}
    for size_name, size in (("1280", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        for name, path in pages.items():
            page.goto(f"{live.url}{path}")
            if name == "contract":  # its slow parts, as a person would open them
                page.get_by_role("link", name="Run the backtest").click()
                page.locator("canvas#tradeoff-chart").wait_for(timeout=30_000)
                page.get_by_role("link", name="Discover criteria").click()
                page.locator("#questions-table").wait_for(timeout=30_000)
            if name == "leads":
                page.locator("#visiting[data-loaded]").wait_for()
            page.wait_for_load_state("networkidle")
            # Nothing wider than the screen but tables, which scroll in their own box.
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (name, size_name, overflow)
            page.screenshot(path=str(live.shots / f"{name}-{size_name}.png"), full_page=True)
    page.context.clear_cookies()
    page.goto(f"{live.url}/app/login")
    page.screenshot(path=str(live.shots / "login-phone.png"))
    assert len(list(live.shots.glob("*.png"))) == 2 * len(PAGES) + 1


def test_the_keyboard_reaches_the_skip_link_and_the_menu(new_page: Any, live: Live) -> None:
    page = new_page
    login(page, live, "viewer")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Leads"
