from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from leadqual.errors import InvalidInput
from leadqual.handoff.webhooks import EVENTS, body_bytes, sign
from leadqual.services.handoff import reject
from leadqual.services.qualify import qualify
from leadqual.services.webhooks import (
    add_subscription,
    deliver,
    delivery_log,
    list_subscriptions,
    outbox_status,
    remove_subscription,
)
from leadqual.store.database import Store
from leadqual.store.models import StageChange
from leadqual.store.tables_handoff import WebhookDelivery, WebhookOutbox
from tests.handoff.handoffdata import AS_OF, NOW, mql_store
from tests.handoff.receiver import Receiver, running_receiver

SECRET = "a-shared-secret-of-some-length"


def test_qualify_writes_one_outbox_row_per_mql_in_the_same_transaction(store: Store) -> None:
    keys = mql_store(store, ["US", "US", "DE"])
    with store.session() as s:
        rows = s.scalars(select(WebhookOutbox).order_by(WebhookOutbox.id)).all()
        mqls = s.scalars(select(StageChange).where(StageChange.to_stage == "mql")).all()
        assert len(rows) == len(mqls) == 3
        assert sorted(r.payload["lead"]["key"] for r in rows) == sorted(keys)
        assert {r.event for r in rows} == {"mql"}
        assert len({r.event_id for r in rows}) == 3
        assert rows[0].payload["contract_version"] == 1
    # Qualifying again changes nothing, so it announces nothing.
    qualify(store, as_of=AS_OF, now=NOW)
    assert outbox_status(store)["outbox"] == 3


def test_subscriptions_are_validated(store: Store) -> None:
    with pytest.raises(InvalidInput, match="http"):
        add_subscription(store, "ftp://x", SECRET, now=NOW)
    with pytest.raises(InvalidInput, match="16 characters"):
        add_subscription(store, "http://x.example/h", "short", now=NOW)
    with pytest.raises(InvalidInput, match="events are mql"):
        add_subscription(store, "http://x.example/h", SECRET, now=NOW, events=["mqll"])
    sub = add_subscription(store, "http://x.example/h", SECRET, now=NOW, events=["sql"])
    assert [s.events for s in list_subscriptions(store)] == [["sql"]]
    assert remove_subscription(store, sub.id).active is False


def test_every_change_is_delivered_signed_with_retries_and_never_twice(store: Store) -> None:
    receiver = Receiver(SECRET, fail_first=2)
    with running_receiver(receiver):
        add_subscription(store, receiver.url, SECRET, now=AS_OF - timedelta(days=1))
        keys = mql_store(store, ["US", "US"])
        reject(store, keys[0], "no_need", by_user="bo", now=NOW)
        first = deliver(store, now=NOW)
        assert (first.fanned_out, first.attempted, first.failed, first.delivered) == (3, 3, 2, 1)
        assert first.pending == 2
        # Not due yet: backoff.
        assert deliver(store, now=NOW + timedelta(seconds=5)).attempted == 0
        # A new service "instance" after the backoff: the two failures are retried, once each.
        second = deliver(store, now=NOW + timedelta(minutes=5))
        assert (second.attempted, second.delivered, second.pending) == (2, 2, 0)
        assert deliver(store, now=NOW + timedelta(days=1)).attempted == 0
    assert len(receiver.got) == 5
    assert all(r.signature_ok for r in receiver.got)
    assert len(receiver.unique_ids) == 3
    events = sorted(json.loads(r.body)["event"] for r in receiver.got if r.signature_ok)
    assert set(events) == {"mql", "rejected"}
    log = delivery_log(store)
    assert sum(1 for a in log if a.ok) == 3 and sum(1 for a in log if not a.ok) == 2
    assert {a.attempt for a in log if a.ok} <= {1, 2}
    assert outbox_status(store) == {
        "outbox": 3,
        "delivered": 3,
        "pending": 0,
        "gave_up": 0,
        "attempts": 5,
    }


def test_a_receiver_that_never_answers_is_given_up_after_max_attempts(store: Store) -> None:
    add_subscription(store, "http://127.0.0.1:9/nothing-listens", SECRET, now=AS_OF)
    mql_store(store, ["US"])
    at = NOW
    for _ in range(3):
        deliver(store, now=at, max_attempts=3, timeout_seconds=2)
        at += timedelta(days=1)
    assert outbox_status(store)["gave_up"] == 1
    assert deliver(store, now=at, max_attempts=3).attempted == 0


def test_subscriptions_get_only_their_events_and_only_changes_after_they_exist(
    store: Store,
) -> None:
    receiver = Receiver(SECRET)
    with running_receiver(receiver):
        keys = mql_store(store, ["US", "US"])  # before the subscription: not sent
        add_subscription(store, receiver.url, SECRET, now=NOW, events=["rejected"])
        reject(store, keys[1], "spam", by_user="bo", now=NOW + timedelta(minutes=1))
        deliver(store, now=NOW + timedelta(minutes=2))
    assert [json.loads(r.body)["lead"]["key"] for r in receiver.got] == [keys[1]]


def test_slack_format_posts_text(store: Store) -> None:
    receiver = Receiver(SECRET)
    with running_receiver(receiver):
        add_subscription(store, receiver.url, SECRET, now=AS_OF, format="slack")
        [key] = mql_store(store, ["US"])
        deliver(store, now=NOW)
    body = json.loads(receiver.got[0].body)
    assert body == {"text": f"leadqual: {key} is now an MQL — " + body["text"].split(" — ")[1]}
    assert receiver.got[0].signature_ok


_CHILD = """
import sys
from datetime import datetime
from leadqual.store.database import open_store
from leadqual.services.webhooks import deliver
store = open_store(sys.argv[1])
deliver(store, now=datetime.fromisoformat(sys.argv[2]), lease_seconds=60)
"""


def test_killed_mid_delivery_then_restarted_delivers_each_change_exactly_once_by_id(
    store: Store,
) -> None:
    hold = threading.Event()
    receiver = Receiver(SECRET, hold=hold)
    url = store.engine.url.render_as_string(hide_password=False)
    with running_receiver(receiver):
        add_subscription(store, receiver.url, SECRET, now=AS_OF - timedelta(days=1))
        mql_store(store, ["US", "US", "US"])
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, url, NOW.isoformat()],
            env={**os.environ},
        )
        try:
            assert receiver.arrived.wait(60), "the delivery process never reached the receiver"
            os.kill(child.pid, signal.SIGKILL)  # mid-delivery: the receiver holds the request
        finally:
            child.wait(30)
        hold.set()
        receiver.hold = None
        # Restarted before the lease ends: the claimed delivery is left alone, the rest go.
        early = deliver(store, now=NOW + timedelta(seconds=10))
        assert early.attempted == 2
        # After the lease: the interrupted one is sent again, with the same event id.
        late = deliver(store, now=NOW + timedelta(minutes=2))
        assert late.attempted == 1
        assert deliver(store, now=NOW + timedelta(days=1)).attempted == 0
    with store.session() as s:
        outbox_ids = set(s.scalars(select(WebhookOutbox.event_id)).all())
        delivered = s.scalars(
            select(WebhookDelivery).where(WebhookDelivery.delivered_at.is_not(None))
        ).all()
    assert len(delivered) == 3
    assert receiver.unique_ids == outbox_ids  # every change, once by id
    assert len(receiver.got) == 4  # the interrupted one arrived twice, same id
    assert all(r.signature_ok for r in receiver.got)


def test_signature_is_hmac_over_timestamp_and_body() -> None:
    import hashlib
    import hmac

    body = body_bytes({"event": "mql", "b": [1, 2]})
    expected = hmac.new(b"k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("k", 1700000000, body) == f"v1={expected}"
    assert EVENTS == ("mql", "sql", "rejected", "recycled")
