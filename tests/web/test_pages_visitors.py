"""The "visiting now" strip: a visit posted to the real ``/collect`` of the same app shows on
the fragment the lead feed fetches every 30 seconds; the feed itself only holds the slot."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta
from typing import Any

from leadqual.clock import utc_now
from leadqual.tracking.sites import add_site
from tests.web.conftest import Site

UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def visit(site: Site, email: str, *, ago: timedelta = timedelta(0)) -> None:
    """A page view and a form with ``email`` by one visitor, sent to ``/collect`` as t.js does."""
    key = add_site(site.store, "oursite.example", None, utc_now()).public_key
    at = time.time() - ago.total_seconds()
    visitor = f"v-{uuid.uuid4().hex[:8]}"
    events: list[dict[str, Any]] = [
        {"id": str(uuid.uuid4()), "type": "page_view", "ts": at, "visitor": visitor,
         "url": "https://oursite.example/pricing", "title": "Pricing"},
        {"id": str(uuid.uuid4()), "type": "form_submit", "ts": at + 1, "visitor": visitor,
         "url": "https://oursite.example/demo", "form": {"kind": "demo_request", "email": email}},
    ]  # fmt: skip
    answer = site.client.post(
        "/collect",
        content=json.dumps({"site": key, "sent_at": time.time(), "events": events}),
        headers={"Content-Type": "text/plain", "Origin": "https://oursite.example",
                 "User-Agent": UA},
    )  # fmt: skip
    assert answer.status_code in (200, 202), answer.text


def test_the_feed_holds_a_slot_that_loads_the_strip(site: Site) -> None:
    site.login("viewer")
    feed = site.client.get("/app/")
    assert 'data-fragment="/app/visiting"' in feed.text and 'data-refresh="30"' in feed.text
    assert 'href="/app/visiting"' in feed.text  # without JavaScript: a page of its own


def test_a_company_seen_by_the_tracker_is_visiting_now(site: Site) -> None:
    site.login("sales")
    empty = site.client.get("/app/visiting?fragment=1")
    assert empty.status_code == 200 and "No company identified" in empty.text
    assert "<html" not in empty.text  # the fragment alone
    visit(site, "ana@acme.example")
    deadline = time.monotonic() + 10
    while "acme.example" not in (strip := site.client.get("/app/visiting?fragment=1")).text:
        assert time.monotonic() < deadline, strip.text  # the collector writes behind
        time.sleep(0.2)
    assert "/pricing" in strip.text and f'href="/app/leads/{site.mql_key}"' in strip.text
    page = site.client.get("/app/visiting")
    assert "<html" in page.text and "Visiting now (last 30 minutes)" in page.text


def test_a_visit_before_the_window_is_not_visiting_now(site: Site) -> None:
    site.login("viewer")
    visit(site, "ana@acme.example", ago=timedelta(hours=2))
    time.sleep(1)
    assert "acme.example" not in site.client.get("/app/visiting?fragment=1&minutes=30").text
    wide = site.client.get("/app/visiting?fragment=1&minutes=180")
    assert "acme.example" in wide.text
    assert site.client.get("/app/visiting?minutes=0").status_code == 422


def test_the_strip_needs_a_session_like_every_page(site: Site) -> None:
    for path in ("/app/visiting", "/app/visiting?fragment=1"):
        answer = site.client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/app/login"
