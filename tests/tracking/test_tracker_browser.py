"""Acceptance: a real headless Chromium (Playwright, the system ``chromium``) on a website served
by one real uvicorn server, with the snippet of ``leadqual sites add`` pointing at leadqual served
by another (so the tracker posts cross-origin, as on a real site). A visit — a page, a link to a
second page, a form with an email — ends in the store exactly once, with the visitor linked to
the contact; also when sends fail and are retried, and when a reply is lost after the events were
stored. Do-Not-Track and the consent switch send nothing.

Chromium's own user agent says ``HeadlessChrome``, which the collector rightly drops as a bot:
the browser is launched with a desktop user agent. It must be given on the command line as well
as to the context — the context's override is not applied to the beacons and keepalive requests a
page sends while it unloads, so those would go out as ``HeadlessChrome`` and be dropped.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from leadqual.api.app import create_app
from leadqual.services.tracking import snippet
from leadqual.store.database import Store
from leadqual.store.models import Account, Contact, Event
from leadqual.store.tables_tracking import BotDrop, Visitor
from leadqual.tracking.sites import add_site
from tests.conftest import IN_CI
from tests.tracking.conftest import BROWSER_UA, collector_settings

pytestmark = pytest.mark.slow

EMAIL = "ana@buyer-corp.example"
WAIT_S = 20.0


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        if IN_CI:
            pytest.fail("chromium is not installed; .ci/run installs the Debian package")
        pytest.skip("the system chromium is absent")
    return path


class Server:
    """An ASGI app under uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@dataclass
class Replies:
    """Wraps the collector's app: records each ``/collect`` reply, and can lose the next ones —
    the events are stored, then the browser gets a 503 instead of the answer, as when a proxy
    times out after the commit."""

    app: Any
    lose: int = 0
    seen: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/collect" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        messages: list[Any] = []

        async def keep(message: Any) -> None:
            messages.append(message)

        await self.app(scope, receive, keep)
        status = messages[0]["status"]
        self.seen.append((status, json.loads(b"".join(m.get("body", b"") for m in messages[1:]))))
        if self.lose > 0:
            self.lose -= 1
            cors = [
                (k, v) for k, v in messages[0]["headers"] if k == b"access-control-allow-origin"
            ]
            messages = [
                {"type": "http.response.start", "status": 503, "headers": cors},
                {"type": "http.response.body", "body": b"{}"},
            ]
        for message in messages:
            await send(message)


def _pages(head: list[str]) -> Starlette:
    """The tracked website; ``head`` holds what goes in each page's head (the snippet)."""

    def page(title: str, body: str) -> HTMLResponse:
        return HTMLResponse(
            f"<!doctype html><html><head><title>{title}</title>{head[0]}</head>"
            f"<body>{body}</body></html>"
        )

    async def home(_: Request) -> HTMLResponse:
        return page("Home", '<a id="pricing" href="/pricing">Pricing</a>')

    async def pricing(_: Request) -> HTMLResponse:
        return page(
            "Pricing",
            '<form id="demo" data-leadqual-form="demo_request" method="post" '
            'action="/thanks"><input type="email" name="work_email">'
            '<button id="send">Book a demo</button></form>',
        )

    async def thanks(_: Request) -> HTMLResponse:
        return page("Thanks", "<p>We will be in touch.</p>")

    return Starlette(
        routes=[
            Route("/", home),
            Route("/pricing", pricing),
            Route("/thanks", thanks, methods=["GET", "POST"]),
        ]
    )


@dataclass
class Website:
    store: Store
    url: str
    replies: Replies
    browser: Any

    def events(self) -> list[Event]:
        with self.store.session() as s:
            rows = list(s.execute(select(Event).order_by(Event.occurred_at)).scalars())
            s.expunge_all()
            return rows

    def wait_for(self, done: Callable[[list[Event]], bool], what: str, page: Any) -> list[Event]:
        """Poll the store until ``done``; waiting through ``page``, as Playwright's sync API
        runs route handlers only while the test is inside one of its calls."""
        deadline = time.monotonic() + WAIT_S
        while True:
            rows = self.events()
            if done(rows):
                return rows
            if time.monotonic() > deadline:
                pytest.fail(
                    f"timed out waiting for {what}; stored: "
                    f"{[(r.type, r.path) for r in rows]}; replies: {self.replies.seen}"
                )
            page.wait_for_timeout(100)


@pytest.fixture
def website(store: Store) -> Iterator[Website]:
    """leadqual and the tracked website on two ports (two origins), a browser to visit with."""
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    replies = Replies(create_app(store, collector_settings(store)))
    head = [""]
    with Server(replies) as leadqual, Server(_pages(head)) as website, sync_playwright() as pw:
        site = add_site(store, "buyer-site.example", [website.url], datetime(2026, 1, 1))
        head[0] = snippet(site, leadqual.url)  # as `leadqual sites add --base-url` prints it
        browser = pw.chromium.launch(
            executable_path=executable, args=["--no-sandbox", f"--user-agent={BROWSER_UA}"]
        )
        try:
            yield Website(store, website.url, replies, browser)
        finally:
            browser.close()


def _visit(website: Website, context: Any) -> list[Event]:
    page = context.new_page()
    page.goto(website.url + "/")
    website.wait_for(lambda rows: len(rows) == 1, "the first page view", page)
    page.click("#pricing")
    page.wait_for_url("**/pricing")
    page.fill("input[type=email]", EMAIL)
    page.click("#send")
    page.wait_for_url("**/thanks")
    website.wait_for(
        lambda rows: (
            {r.path for r in rows if r.type == "page_view"} == {"/", "/pricing", "/thanks"}
            and any(r.type == "form_submit" for r in rows)
        ),
        "the visit",
        page,
    )
    context.close()  # pagehide: the last page's time on page goes out by beacon
    time.sleep(1.0)
    return website.events()


def _assert_once_and_linked(website: Website, rows: list[Event]) -> None:
    assert sorted((r.type, r.path) for r in rows) == [
        ("form_submit", "/pricing"),
        ("page_view", "/"),
        ("page_view", "/pricing"),
        ("page_view", "/thanks"),
    ]
    assert len({r.event_id for r in rows}) == 4
    (form,) = [r for r in rows if r.type == "form_submit"]
    assert form.form_kind == "demo_request" and form.properties == {"form_id": "demo"}
    views = {r.path: r for r in rows if r.type == "page_view"}
    assert views["/"].title == "Home" and views["/pricing"].referrer == website.url + "/"
    assert views["/"].dwell_ms is not None and views["/"].dwell_ms > 0
    with website.store.session() as s:
        contact = s.execute(select(Contact).where(Contact.email == EMAIL)).scalar_one()
        account = s.execute(select(Account).where(Account.id == contact.account_id)).scalar_one()
        assert account.domain == "buyer-corp.example"
        (visitor,) = s.execute(select(Visitor)).scalars().all()
        assert visitor.contact_id == contact.id
        assert {r.visitor_id for r in rows} == {visitor.visitor_id}
        assert {r.contact_id for r in rows} == {contact.id}
        assert {r.lead_id for r in rows} != {None}
        assert s.execute(select(BotDrop)).scalars().all() == []  # nothing taken for a bot
    assert all(status == 200 for status, _ in website.replies.seen)


def test_a_visit_is_stored_exactly_once(website: Website) -> None:
    context = website.browser.new_context(user_agent=BROWSER_UA)
    rows = _visit(website, context)
    _assert_once_and_linked(website, rows)


def test_failed_sends_are_retried_and_stored_once(website: Website) -> None:
    context = website.browser.new_context(user_agent=BROWSER_UA)
    aborted: list[str] = []

    def fail_first_two(route: Any) -> None:
        if len(aborted) < 2:
            aborted.append(route.request.post_data or "")
            route.abort()
        else:
            route.continue_()

    context.route("**/collect", fail_first_two)
    rows = _visit(website, context)
    assert len(aborted) == 2 and '"page_view"' in aborted[0]
    _assert_once_and_linked(website, rows)


def test_lost_replies_are_retried_and_stored_once(website: Website) -> None:
    """The collector stored the events but the browser never heard: it sends them again, with
    the same ids, and the collector says they are duplicates."""
    website.replies.lose = 2
    context = website.browser.new_context(user_agent=BROWSER_UA)
    rows = _visit(website, context)
    _assert_once_and_linked(website, rows)
    assert sum(reply.get("duplicates", 0) for _, reply in website.replies.seen) >= 1
    assert sum(reply.get("stored", 0) for _, reply in website.replies.seen) == 4


def test_do_not_track_and_consent_send_nothing(website: Website) -> None:
    dnt = website.browser.new_context(user_agent=BROWSER_UA)
    dnt.add_init_script(
        "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: () => '1'})"
    )
    page = dnt.new_page()
    page.goto(website.url + "/")
    page.click("#pricing")
    page.wait_for_url("**/pricing")
    dnt.close()
    refused = website.browser.new_context(user_agent=BROWSER_UA)
    refused.add_init_script(
        "window.leadqual = function () { (leadqual.q = leadqual.q || [])"
        ".push(arguments) }; leadqual('consent', false);"
    )
    page = refused.new_page()
    page.goto(website.url + "/")
    page.wait_for_function("typeof window.leadqual === 'function' && !window.leadqual.q")
    page.wait_for_timeout(1500)
    assert website.replies.seen == [] and website.events() == []
    assert page.evaluate("localStorage.getItem('lq_vid')") is None
    page.evaluate("leadqual('consent', true)")  # the visitor agrees: tracking starts
    rows = website.wait_for(lambda rows: len(rows) == 1, "the page view after consent", page)
    assert rows[0].path == "/"
    refused.close()
