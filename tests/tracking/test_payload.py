"""The ``/collect`` payload: every bad body refused with a status and a reason naming the field —
the parser alone, and over HTTP on a real store for arbitrary JSON (never a 5xx)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadqual.tracking.payload import PayloadError, parse_payload
from tests.tracking.conftest import Collector, new_id, page_view

TS = 1_767_225_600  # 2026-01-01


def _body(**kw: Any) -> bytes:
    return json.dumps(
        {"site": "k1", "events": [{"id": "e-000001", "type": "page_view", "ts": TS, **kw}]}
    ).encode()


def _refusal(body: bytes, **limits: int) -> PayloadError:
    with pytest.raises(PayloadError) as err:
        parse_payload(body, **limits)
    return err.value


def test_a_batch_and_a_single_event() -> None:
    p = parse_payload(
        _body(
            url="https://acme.com/pricing?x=1",
            dwell_ms=1500.7,
            form={"kind": " Demo_Request ", "id": "f1", "email": "A@B.example"},
        )
    )
    (e,) = p.events
    assert (p.site, e.path, e.dwell_ms, e.form) == ("k1", "/pricing", 1500, e.form)
    assert e.form is not None and (e.form.kind, e.form.email) == ("demo_request", "a@b.example")
    single = parse_payload(
        json.dumps(
            {"site": "k1", "id": "e-000001", "type": "form_submit", "ts": TS, "sent_at": TS}
        ).encode()
    )
    assert single.sent_at == TS and single.events[0].type == "form_submit"


@pytest.mark.parametrize(
    ("ts", "expected"),
    [
        (TS, TS),
        (TS * 1000, TS),
        (TS + 0.25, TS + 0.25),
        ("2026-01-01T00:00:00Z", TS),
        ("2026-01-01T01:00:00+01:00", TS),
        ("2026-01-01T00:00:00", TS),
    ],
)
def test_times(ts: Any, expected: float) -> None:
    assert parse_payload(_body(ts=ts)).events[0].ts == expected


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"id": "short"}, "events[0].id", 422),
        ({"id": 12345678}, "events[0].id", 422),
        ({"type": "click"}, "events[0].type", 422),
        ({"type": ["page_view"]}, "events[0].type", 422),
        ({"ts": "yesterday"}, "events[0].ts", 422),
        ({"ts": True}, "events[0].ts", 422),
        ({"ts": 12}, "events[0].ts", 422),
        ({"ts": 10**400}, "events[0].ts", 422),
        ({"ts": "0001-01-01T00:00:00+01:00"}, "events[0].ts", 422),
        ({"url": "x" * 3000}, "events[0].url", 422),
        ({"url": "http://[::1"}, "events[0].url", 422),
        ({"title": 7}, "events[0].title", 422),
        ({"title": "a\u0000b"}, "events[0].title", 422),
        ({"referrer": "\ud800"}, "events[0].referrer", 422),
        ({"title": "Preise \u00fcbersicht \udc00"}, "events[0].title", 422),
        ({"title": "\u00dcber\u0000"}, "events[0].title", 422),
        ({"dwell_ms": -1}, "events[0].dwell_ms", 422),
        ({"dwell_ms": True}, "events[0].dwell_ms", 422),
        ({"dwell_ms": 10**12}, "events[0].dwell_ms", 422),
        ({"form": []}, "events[0].form", 422),
        ({"form": {"kind": "no spaces!"}}, "events[0].form.kind", 422),
    ],
)
def test_a_bad_event_is_refused_naming_its_field(
    change: dict[str, Any], field: str, status: int
) -> None:
    err = _refusal(_body(**change))
    assert (err.field, err.http_status) == (field, status)
    assert err.message.startswith(field)


def test_text_beyond_ascii_is_kept() -> None:
    title = "Preise – Übersicht 価格 🚀"
    assert parse_payload(_body(title=title)).events[0].title == title


def test_a_missing_time() -> None:
    body = json.dumps({"site": "k1", "events": [{"id": "e-000001", "type": "page_view"}]})
    assert _refusal(body.encode()).field == "events[0].ts"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"{not json", 400, None),
        (b"[" * 30_000, 400, None),
        (b"[1, 2]", 422, None),
        (b'{"events": []}', 422, "site"),
        (b'{"site": "k1", "events": []}', 422, "events"),
        (b'{"site": "k1", "events": {}}', 422, "events"),
        (b'{"site": "k1", "sent_at": "soon", "events": []}', 422, "sent_at"),
        (b'{"site": "k1", "events": [1]}', 422, "events[0]"),
    ],
)
def test_a_bad_body_is_refused(body: bytes, status: int, field: str | None) -> None:
    err = _refusal(body)
    assert (err.http_status, err.field) == (status, field)
    assert err.message


def test_the_same_id_twice_in_one_request() -> None:
    e = {"id": "e-000001", "type": "page_view", "ts": TS}
    body = json.dumps({"site": "k1", "events": [e, e]}).encode()
    assert _refusal(body).field == "events"


def test_size_limits() -> None:
    events = [{"id": f"e-{i:06d}", "type": "page_view", "ts": TS} for i in range(11)]
    body = json.dumps({"site": "k1", "events": events}).encode()
    assert _refusal(body, max_events=10).http_status == 413
    assert _refusal(body, max_bytes=100).http_status == 413
    assert len(parse_payload(body, max_events=11).events) == 11


def test_an_unusable_email_makes_no_link_but_keeps_the_event() -> None:
    (e,) = parse_payload(_body(form={"kind": "demo", "email": "not an email"})).events
    assert e.form is not None and e.form.email is None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(JSON)
def test_the_parser_refuses_anything_else_with_a_payload_error(value: Any) -> None:
    body = json.dumps(value).encode()
    try:
        parse_payload(body)
    except PayloadError as err:
        assert err.http_status in (400, 413, 422) and err.message


def _field_values() -> st.SearchStrategy[Any]:
    return JSON | st.text(max_size=3000) | st.floats(allow_nan=True) | st.integers()


@st.composite
def near_valid_bodies(draw: st.DrawFn, key: str) -> bytes:
    """A body close to what t.js sends, with some fields replaced by arbitrary JSON — the
    inputs most likely to get past validation and reach the store."""
    event: dict[str, Any] = page_view(id=new_id(), ts=time.time())
    event["form"] = {"kind": "demo", "email": "a@b.example"}
    for name in draw(
        st.sets(
            st.sampled_from(
                ["id", "type", "ts", "url", "referrer", "title", "visitor", "dwell_ms", "form"]
            )
        )
    ):
        event[name] = draw(_field_values())
    if draw(st.booleans()):
        event["form"] = draw(
            st.dictionaries(st.sampled_from(["kind", "id", "email"]), _field_values(), max_size=3)
        )
    body: dict[str, Any] = {"site": key, "events": [event]}
    if draw(st.booleans()):
        body["sent_at"] = draw(_field_values())
    if draw(st.booleans()):
        return json.dumps(draw(JSON)).encode()
    return json.dumps(body).encode()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_over_http_any_body_gets_a_2xx_or_a_4xx_with_a_reason(
    collector: Collector, data: st.DataObject
) -> None:
    # One store across examples on purpose: the collector is long-lived too.
    body = data.draw(near_valid_bodies(collector.site.public_key) | st.binary(max_size=200))
    r = collector.post(body)
    assert r.status_code in (200, 400, 403, 404, 413, 422), (r.status_code, r.text, body)
    reply = r.json()
    if r.status_code == 200:
        assert set(reply) == {"stored", "duplicates", "dropped"}
    else:
        assert reply["error"]["message"] and reply["error"]["code"]


def test_over_http_the_size_limits(collector: Collector) -> None:
    key = collector.site.public_key
    too_many = collector.post({"site": key, "events": [page_view() for _ in range(101)]})
    assert too_many.status_code == 413 and "smaller batches" in too_many.json()["error"]["message"]
    big = collector.post(
        {
            "site": key,
            "events": [page_view(title="x" * 500) for _ in range(99)],
            "pad": "y" * 70_000,
        }
    )
    assert big.status_code == 413 and big.json()["error"]["code"] == "payload_too_large"
    assert big.headers["access-control-allow-origin"] == "https://acme.example"
    not_json = collector.post(b"{")
    assert not_json.status_code == 400 and "not JSON" in not_json.json()["error"]["message"]
    assert collector.events() == []
