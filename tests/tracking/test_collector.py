"""``POST /collect`` over real HTTP: storing, dedup across retries, clock skew, identification of
people by form email, what is kept of the network data — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from leadqual.services.tracking import build_collector
from leadqual.store.database import Store
from leadqual.store.models import Account, Contact, Event, Lead
from leadqual.store.tables_tracking import Visitor
from leadqual.tracking.collector import VALUES_ROWS, _naive
from leadqual.tracking.payload import MAX_TS, MIN_TS, parse_payload
from leadqual.tracking.sites import SiteInfo
from tests.tracking.conftest import (
    CLIENT_IP,
    Collector,
    collector_settings,
    new_id,
    open_collector,
    page_view,
)


def _epoch(dt: datetime) -> float:
    return dt.replace(tzinfo=UTC).timestamp()


def test_a_page_view_is_stored_with_server_time(collector: Collector) -> None:
    before = time.time()
    e = page_view(dwell_ms=1200, referrer="https://search.example/?q=crm")
    r = collector.send(e)
    assert r.status_code == 200, r.text
    assert r.json() == {"stored": 1, "duplicates": 0, "dropped": {}}
    assert r.headers["access-control-allow-origin"] == "https://acme.example"
    (row,) = collector.events()
    assert (row.event_id, row.type, row.path, row.page_type, row.title, row.dwell_ms) == (
        e["id"],
        "page_view",
        "/pricing",
        "pricing",
        "Pricing",
        1200,
    )
    assert row.source == "tracker" and row.site_id == collector.site.id
    assert row.visitor_id == "v-000001" and row.referrer == "https://search.example/?q=crm"
    assert before - 1 <= _epoch(row.received_at) <= time.time() + 1
    assert row.ip == "198.51.100.0"  # truncated to its /24 by default
    assert row.ua_hash is not None and len(row.ua_hash) == 16


def test_one_event_without_a_batch(collector: Collector) -> None:
    body = {"site": collector.site.public_key, **page_view()}
    r = collector.post(body)
    assert r.status_code == 200 and r.json()["stored"] == 1


def test_a_retried_request_is_stored_once_and_said_so(collector: Collector) -> None:
    events = [page_view(), page_view(url="https://acme.example/docs")]
    first = collector.send(*events)
    again = collector.send(*events)
    assert first.json() == {"stored": 2, "duplicates": 0, "dropped": {}}
    assert again.json() == {"stored": 0, "duplicates": 2, "dropped": {}}
    mixed = collector.send(events[0], page_view(url="https://acme.example/blog/x"))
    assert mixed.json() == {"stored": 1, "duplicates": 1, "dropped": {}}
    assert len(collector.events()) == 3
    with collector.store.session() as s:
        ids = s.execute(select(Event.event_id, func.count()).group_by(Event.event_id)).all()
    assert all(n == 1 for _, n in ids)


def test_a_resent_page_view_keeps_the_longest_time_on_page(collector: Collector) -> None:
    e = page_view()
    collector.send(e)
    collector.send({**e, "dwell_ms": 5000})
    collector.send({**e, "dwell_ms": 3000})  # an older copy arriving late changes nothing
    (row,) = collector.events()
    assert row.dwell_ms == 5000


def test_one_transaction_for_two_requests_with_the_same_event(store: Store, site: SiteInfo) -> None:
    """The write-behind writer groups concurrent requests: a retry that lands in the same group
    as its original is a duplicate too."""
    collector = build_collector(store, collector_settings(store))
    now = time.time()
    body = b'{"site": "%s", "events": [{"id": "same-event-1", "type": "page_view", "ts": %f}]}' % (
        site.public_key.encode(),
        now,
    )
    prepared = [
        collector.prepare(parse_payload(body), site.id, CLIENT_IP, "Mozilla/5.0", now)
        for _ in range(2)
    ]
    outcomes = collector.write(prepared)
    assert [(o.stored, o.duplicates) for o in outcomes] == [(1, 0), (0, 1)]
    with store.session() as s:
        assert s.execute(select(func.count()).select_from(Event)).scalar() == 1


def test_client_clock_skew_is_corrected(collector: Collector) -> None:
    now = time.time()
    slow = 3600.0  # the visitor's clock is an hour behind
    e = page_view(ts=now - slow - 30)  # viewed 30 s before the batch was sent
    r = collector.send(e, sent_at=now - slow)
    assert r.json()["stored"] == 1
    (row,) = collector.events()
    assert abs(_epoch(row.occurred_at) - (now - 30)) < 5


def test_future_times_are_clamped_to_the_server_time(collector: Collector) -> None:
    e = page_view(ts=time.time() + 86400)  # no sent_at: nothing to correct by
    r = collector.post({"site": collector.site.public_key, "events": [e]})
    assert r.json()["stored"] == 1
    (row,) = collector.events()
    assert row.occurred_at == row.received_at


def test_iso_times_and_milliseconds(collector: Collector) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    iso = page_view(ts=now.isoformat().replace("+00:00", "Z"))
    ms = page_view(ts=now.timestamp() * 1000)
    collector.send(iso, ms)
    first, second = (_epoch(r.occurred_at) for r in collector.events())
    assert abs(first - second) < 0.001  # the same instant, written two ways
    assert abs(first - now.timestamp()) < 2  # (shifted by the few ms between send and receipt)


def test_events_older_than_thirty_days_are_dropped_and_counted(collector: Collector) -> None:
    r = collector.send(page_view(ts=time.time() - 31 * 86400), page_view())
    assert r.json() == {"stored": 1, "duplicates": 0, "dropped": {"too_old": 1}}
    assert collector.drops() == {"too_old": 1}


def test_a_form_with_an_email_links_visitor_contact_and_account(collector: Collector) -> None:
    visitor = "v-form-0001"
    earlier = page_view(visitor=visitor, ts=time.time() - 60)
    collector.send(earlier)
    form = {
        "id": new_id(),
        "type": "form_submit",
        "ts": time.time(),
        "visitor": visitor,
        "url": "https://acme.example/demo",
        "form": {"kind": "demo_request", "id": "demo", "email": " Ana@Buyer-Corp.example "},
    }
    assert collector.send(form).json()["stored"] == 1
    assert collector.send(form).json() == {"stored": 0, "duplicates": 1, "dropped": {}}
    with collector.store.session() as s:
        (contact,) = s.execute(select(Contact)).scalars().all()
        assert contact.email == "ana@buyer-corp.example"
        account = s.get(Account, contact.account_id)
        assert account is not None and account.domain == "buyer-corp.example"
        link = s.execute(select(Visitor).where(Visitor.visitor_id == visitor)).scalar_one()
        assert link.contact_id == contact.id
        lead = s.execute(select(Lead).where(Lead.contact_id == contact.id)).scalar_one()
        rows = s.execute(select(Event).where(Event.visitor_id == visitor)).scalars().all()
        assert {(r.type, r.contact_id, r.lead_id, r.account_id) for r in rows} == {
            ("page_view", contact.id, lead.id, account.id),
            ("form_submit", contact.id, lead.id, account.id),
        }
        assert {r.form_kind for r in rows} == {None, "demo_request"}
        # The visitor's later events join the contact too.
    collector.send(page_view(visitor=visitor))
    assert all(r.contact_id == contact.id for r in collector.events())


def test_a_free_mail_address_makes_a_contact_without_an_account(collector: Collector) -> None:
    form = {
        "id": new_id(),
        "type": "form_submit",
        "ts": time.time(),
        "visitor": "v-free-01",
        "form": {"kind": "newsletter", "email": "someone@gmail.com"},
    }
    assert collector.send(form).json()["stored"] == 1
    with collector.store.session() as s:
        (contact,) = s.execute(select(Contact)).scalars().all()
        assert contact.account_id is None
        assert s.execute(select(func.count()).select_from(Account)).scalar() == 0


def test_an_unknown_form_kind_is_kept_as_other(collector: Collector) -> None:
    form = {
        "id": new_id(),
        "type": "form_submit",
        "ts": time.time(),
        "form": {"kind": "webinar-2026"},
    }
    collector.send(form)
    (row,) = collector.events()
    assert row.form_kind == "other" and row.properties == {"form_kind": "webinar-2026"}


@pytest.fixture
def hashing_collector(store: Store, site: SiteInfo) -> Iterator[Collector]:
    settings = collector_settings(store, tracking_ip_storage="hash", tracking_trust_forwarded=True)
    yield from open_collector(store, settings, site)


def test_hashed_ip_and_the_proxy_address(
    hashing_collector: Collector, collector: Collector
) -> None:
    """Behind a proxy the last X-Forwarded-For entry (the proxy's own) is the visitor; the
    ones before it are the client's word and are ignored. Without the setting the header is
    ignored altogether."""
    forwarded = {"X-Forwarded-For": "8.8.8.8, 203.0.113.9"}
    hashing_collector.send(page_view(), **forwarded)
    collector.send(page_view(), **forwarded)
    ips = {r.ip for r in collector.events()}
    assert "198.51.100.0" in ips  # the direct peer, truncated
    (hashed,) = ips - {"198.51.100.0"}
    assert hashed is not None and len(hashed) == 32 and "." not in hashed
    from leadqual.tracking.keys import keyed_hash

    assert hashed == keyed_hash("test-key", "203.0.113.9", 32)


def test_an_address_that_does_not_parse_is_stored_unidentified(
    hashing_collector: Collector,
) -> None:
    """A proxy header with garbage (or a client with no IP address) is no reason to refuse the
    visit: it is stored without an address and without an identification."""
    reply = hashing_collector.send(page_view(), **{"X-Forwarded-For": "not-an-address"})
    assert reply.status_code == 200 and reply.json()["stored"] == 1
    (event,) = hashing_collector.events()
    assert event.ip is None and event.ident_kind in (None, "unknown")


def test_many_events_in_one_batch(collector: Collector) -> None:
    events = [page_view(visitor=f"v-batch-{i:04d}") for i in range(100)]
    r = collector.send(*events)
    assert r.json() == {"stored": 100, "duplicates": 0, "dropped": {}}
    assert len(collector.events()) == 100


@settings(max_examples=500, deadline=None)
@given(st.floats(min_value=MIN_TS, max_value=MAX_TS))
def test_epoch_seconds_become_the_same_naive_utc_time_as_fromtimestamp(t: float) -> None:
    assert _naive(t) == datetime.fromtimestamp(t, UTC).replace(tzinfo=None)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=st.lists(st.integers(1, 2 * VALUES_ROWS + 5), min_size=1, max_size=3),
       resent=st.integers(0, VALUES_ROWS + 3))
def test_a_group_of_any_size_stores_each_event_once(
    store: Store, site: SiteInfo, sizes: list[int], resent: int
) -> None:
    """Groups cross the multi-row statement's size (``VALUES_ROWS``) and re-send events of an
    earlier request in the same group, with a longer time on page: each id is stored once, with
    the longest time, and the outcomes count what was new."""
    collector = build_collector(store, collector_settings(store), resolver=None)
    now = time.time()
    run = new_id()[:8]
    requests = [[page_view(id=f"{run}-{r}-{i:04d}", visitor=f"{run}-v{r}-{i // 4}", dwell_ms=100)
                 for i in range(n)] for r, n in enumerate(sizes)]
    again = [{**e, "dwell_ms": 900} for e in requests[0][:resent]]
    bodies = [*requests, again] if again else requests
    prepared = [collector.prepare(parse_payload(json.dumps(
        {"site": site.public_key, "events": events}).encode(), max_events=1000),
        site.id, CLIENT_IP, "Mozilla/5.0", now) for events in bodies]
    outcomes = collector.write(prepared)
    assert [(o.stored, o.duplicates) for o in outcomes] == [
        (n, 0) for n in sizes] + ([(0, len(again))] if again else [])
    with store.session() as s:
        rows = dict(s.execute(select(Event.event_id, Event.dwell_ms)
                              .where(Event.event_id.like(f"{run}-%"))).all())
    assert len(rows) == sum(sizes)
    assert all(rows[e["id"]] == 900 for e in again)
    assert all(rows[e["id"]] == 100 for events in requests for e in events[resent:])
