"""Writing events over HTTP goes through the importer: same validation, same deduplication."""

from __future__ import annotations

from sqlalchemy import func, select

from leadqual.store.models import Event, Lead
from tests.api.conftest import Api


def post(api: Api, events: list[dict[str, object]], role: str = "marketing") -> object:
    return api.client.post("/events", json={"events": events}, headers=api.headers(role))


def test_events_are_stored_once(api: Api) -> None:
    events = [
        {
            "event_id": "w1",
            "type": "page_view",
            "occurred_at": "2026-02-20T10:00:00+01:00",
            "email": "new@fresh.example",
            "url": "https://us.example/pricing",
        },
        {
            "event_id": "w2",
            "type": "form_submit",
            "occurred_at": "2026-02-20T10:05:00Z",
            "email": "new@fresh.example",
            "form_kind": "demo_request",
        },
    ]
    first = post(api, events)
    assert first.status_code == 200, first.text  # type: ignore[attr-defined]
    assert first.json() == {  # type: ignore[attr-defined]
        "received": 2,
        "inserted": 2,
        "duplicates": 0,
        "leads_created": 1,
        "accounts_created": 0,  # as `leadqual import events`: no account from an email
        "contacts_created": 1,
    }
    again = post(api, events).json()  # type: ignore[attr-defined]
    assert again["inserted"] == 0 and again["duplicates"] == 2
    with api.store.session() as s:
        stored = s.execute(
            select(Event.event_id, Event.occurred_at)
            .where(Event.event_id.in_(["w1", "w2"]))
            .order_by(Event.event_id)
        ).all()
        assert str(stored[0][1]) == "2026-02-20 09:00:00"  # naive UTC, as the importer stores
        assert (
            s.scalar(select(func.count()).select_from(Lead).where(Lead.key == "new@fresh.example"))
            == 1
        )


def test_a_bad_event_refuses_the_request_and_names_it(api: Api) -> None:
    r = post(
        api,
        [
            {"event_id": "ok1", "type": "page_view", "occurred_at": "2026-02-20T10:00:00Z"},
            {"event_id": "bad", "type": "page_veiw", "occurred_at": "2026-02-20T10:00:00Z"},
        ],
    )
    assert r.status_code == 422  # type: ignore[attr-defined]
    error = r.json()["error"]  # type: ignore[attr-defined]
    assert error["field"] == "events[1].type" and "page_view" in error["message"]
    with api.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Event).where(Event.event_id == "ok1")) == 0


def test_an_empty_or_malformed_body_is_422(sqlite_api: Api) -> None:
    h = sqlite_api.headers("admin")
    for body in ({"events": []}, {"events": [{"type": "page_view"}]}, [1, 2]):
        r = sqlite_api.client.post("/events", json=body, headers=h)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_input"
    r = sqlite_api.client.post("/events", content=b"{not json", headers=h)
    assert r.status_code == 422
