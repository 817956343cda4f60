from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from leadqual.errors import Conflict, InvalidInput, NotFound
from leadqual.services.assignments import assign, list_assignments, overdue, reassign
from leadqual.services.feedback import bant_answers, list_feedback
from leadqual.services.handoff import accept, first_touch, record_bant, reject
from leadqual.services.qualify import qualify
from leadqual.services.webhooks import OutboxMove, write_outbox
from leadqual.store.database import Store
from leadqual.store.models import Lead, StageChange
from leadqual.store.tables_handoff import SalesFeedback, WebhookOutbox
from tests.factories import make_event
from tests.handoff.handoffdata import AS_OF, CONTRACT, NOW, mql_store, stage_of


def test_qualify_assigns_new_mqls_by_rule_then_round_robin_with_a_working_hours_deadline(
    store: Store,
) -> None:
    keys = mql_store(store, ["US", "DE", "US", "FR", "AT"])  # qualified as of Tuesday 12:00
    got = {a.key: a for a in list_assignments(store, now=AS_OF)}
    assert [got[k].owner for k in keys] == ["ana", "dana", "bo", "ana", "dana"]
    assert [got[k].rule for k in keys].count("routing.rules.dach") == 2
    # 4 working hours from Tuesday 12:00 in a 09–17 day: 16:00 the same day.
    assert {a.due_at for a in got.values()} == {datetime(2026, 2, 10, 16)}
    assert {a.assigned_at for a in got.values()} == {AS_OF}
    with store.session() as s:
        assert set(s.scalars(select(Lead.owner))) == {"ana", "bo", "dana"}
    # `leadqual sla` sees them without a separate `assign` run; `assign` has nothing left to do.
    assert len(overdue(store, now=datetime(2026, 2, 10, 17))) == 5
    assert assign(store, now=AS_OF).assigned == 0
    assert qualify(store, as_of=AS_OF, now=NOW).assigned == {}  # idempotent


def test_an_mql_again_keeps_its_owner_and_gets_a_new_deadline(store: Store) -> None:
    [key] = mql_store(store, ["US"])
    [before] = list_assignments(store, now=AS_OF)
    reject(store, key, "bad_timing", by_user="ana", now=NOW, at=AS_OF + timedelta(hours=1))
    assert stage_of(store, key) == "recycled"
    tomorrow = AS_OF + timedelta(days=1)
    with store.session() as s:  # it asks for a demo again after the rejection: an MQL again
        lead = s.scalars(select(Lead).where(Lead.key == key)).one()
        make_event(
            s, lead, AS_OF + timedelta(hours=20), type="form_submit", form_kind="demo_request"
        )
    result = qualify(store, as_of=tomorrow, now=NOW)
    assert result.moves == {"recycled→mql": 1} and result.assigned == {}
    [after] = list_assignments(store, now=tomorrow)
    assert (after.owner, after.assigned_at, after.first_touch_at) == (before.owner, tomorrow, None)
    assert after.due_at == datetime(2026, 2, 11, 16)


def test_assign_gives_owners_to_the_mqls_of_a_contract_without_routing(store: Store) -> None:
    plain = CONTRACT.split("routing:")[0]
    keys = mql_store(store, ["US", "DE"], contract=plain)
    assert list_assignments(store, now=AS_OF) == []  # nothing to route by
    result = assign(store, now=AS_OF, owners=["x", "y"], first_touch_hours=2)
    assert (result.assigned, result.by_rule) == (2, {"round_robin": 2})
    got = {a.key: a for a in list_assignments(store, now=AS_OF)}
    assert [got[k].owner for k in keys] == ["x", "y"]
    assert {a.due_at for a in got.values()} == {datetime(2026, 2, 10, 14)}


def test_round_robin_carries_on_across_runs_and_without_contract_routing(store: Store) -> None:
    plain = CONTRACT.split("routing:")[0]
    keys = mql_store(store, ["US", "US"], contract=plain)
    with pytest.raises(InvalidInput, match="routing"):
        assign(store, now=AS_OF)
    assign(store, now=AS_OF, owners=["x", "y", "z"])
    owners = {a.key: a.owner for a in list_assignments(store, now=AS_OF)}
    assert [owners[k] for k in keys] == ["x", "y"]
    assert all(a.due_at is None for a in list_assignments(store, now=AS_OF))  # no sla section


def test_accept_moves_to_sal_with_history_feedback_and_first_touch(store: Store) -> None:
    [key] = mql_store(store, ["US"])
    move = accept(store, key, by_user="bo@sales", now=NOW, at=AS_OF + timedelta(hours=1))
    assert (move.from_stage, move.to_stage, move.contract_version) == ("mql", "sal", 1)
    assert stage_of(store, key) == "sal"
    with store.session() as s:
        last = s.scalars(select(StageChange).order_by(StageChange.id.desc())).first()
        assert last is not None
        assert (last.to_stage, last.by_user, last.rule) == ("sal", "bo@sales", "sales.accept")
        fb = s.scalars(select(SalesFeedback)).one()
        assert (fb.verdict, fb.by_user, fb.contract_version) == ("accepted", "bo@sales", 1)
    [a] = list_assignments(store, now=NOW)
    assert a.first_touch_at == AS_OF + timedelta(hours=1)
    with pytest.raises(Conflict, match="only an MQL"):
        accept(store, key, by_user="bo", now=NOW)


def test_reject_goes_where_the_reason_says_and_writes_a_webhook_event(store: Store) -> None:
    a, b = mql_store(store, ["US", "US"])
    reject(store, a, "no_budget", by_user="bo", now=NOW, note="next year")
    reject(store, b, "competitor", by_user="bo", now=NOW)
    assert (stage_of(store, a), stage_of(store, b)) == ("recycled", "disqualified")
    with store.session() as s:
        events = s.scalars(select(WebhookOutbox).order_by(WebhookOutbox.id)).all()
        rejected = [e for e in events if e.event == "rejected"]
        assert [e.payload["lead"]["key"] for e in rejected] == [a, b]
        assert rejected[0].payload["reason"] == "rejected by sales: No budget — next year"
        assert rejected[0].payload["by"] == "bo"
        reasons = s.scalars(select(SalesFeedback.reason).order_by(SalesFeedback.id)).all()
        assert reasons == ["no_budget", "competitor"]
    with pytest.raises(InvalidInput, match="did you mean `spam`"):
        reject(store, a, "spma", by_user="bo", now=NOW)
    with pytest.raises(NotFound):
        reject(store, "nobody@x.example", "spam", by_user="bo", now=NOW)


def test_bant_makes_an_sql_only_when_the_contract_rule_passes(store: Store) -> None:
    with_meeting = mql_store(store, ["US"], meeting=True)[0]
    accept(store, with_meeting, by_user="bo", now=NOW)
    half = record_bant(
        store, with_meeting, {"budget": True, "authority": True}, by_user="bo", now=NOW
    )
    assert half.moved is None and not half.bant_confirmed
    full = record_bant(store, with_meeting, {"need": True, "timing": True}, by_user="bo", now=NOW)
    assert full.bant_confirmed and full.moved is not None
    assert (full.moved.from_stage, full.moved.to_stage) == ("sal", "sql")
    assert stage_of(store, with_meeting) == "sql"
    with store.session() as s:
        sql_events = s.scalars(select(WebhookOutbox).where(WebhookOutbox.event == "sql")).all()
        assert [e.payload["lead"]["key"] for e in sql_events] == [with_meeting]
    with pytest.raises(InvalidInput, match="criteria are budget"):
        record_bant(store, with_meeting, {"budgett": True}, by_user="bo", now=NOW)


def test_bant_without_a_meeting_stays_sal(store: Store) -> None:
    [key] = mql_store(store, ["US"])
    accept(store, key, by_user="bo", now=NOW)
    answers = dict.fromkeys(("budget", "authority", "need", "timing"), True)
    result = record_bant(store, key, answers, by_user="bo", now=NOW)
    assert result.bant_confirmed and result.moved is None
    assert stage_of(store, key) == "sal"


def test_overdue_lists_untouched_leads_past_their_deadline_in_working_hours(store: Store) -> None:
    a, b, c = mql_store(store, ["US", "US", "US"])  # assigned by qualify, due Tuesday 16:00
    first_touch(store, a, by_user="ana", now=AS_OF + timedelta(hours=1))
    reject(store, c, "spam", by_user="bo", now=AS_OF + timedelta(days=3))  # touched late, closed
    assert overdue(store, now=datetime(2026, 2, 10, 15)) == []
    late = overdue(store, now=datetime(2026, 2, 11, 10))  # Wednesday 10:00
    assert [x.key for x in late] == [b]
    assert late[0].overdue_hours == 2.0  # 16–17 on Tuesday, 9–10 on Wednesday
    assert overdue(store, now=datetime(2026, 2, 11, 10), owner="nobody") == []


def test_reassign_by_hand(store: Store) -> None:
    [key] = mql_store(store, ["US"])
    got = reassign(store, key, "cy", now=NOW, by_user="admin")
    assert (got.owner, got.rule) == ("cy", "manual")
    assert [a.owner for a in list_assignments(store, now=NOW, owner="cy")] == ["cy"]


def test_feedback_and_bant_can_be_read_back(store: Store) -> None:
    a, b = mql_store(store, ["US", "US"])
    accept(store, a, by_user="ana", now=NOW)
    reject(store, b, "duplicate", by_user="bo", now=NOW + timedelta(minutes=1), note="see a")
    record_bant(store, a, {"budget": True, "need": False}, by_user="ana", now=NOW)
    assert [(f.key, f.verdict) for f in list_feedback(store)] == [(b, "rejected"), (a, "accepted")]
    assert [f.reason for f in list_feedback(store, verdict="rejected")] == ["duplicate"]
    assert [f.key for f in list_feedback(store, key=a)] == [a]
    with pytest.raises(InvalidInput, match="verdicts are"):
        list_feedback(store, verdict="maybe")
    answers = bant_answers(store, a)
    assert sorted((x.criterion, x.confirmed) for x in answers) == [
        ("budget", True),
        ("need", False),
    ]


def test_a_failed_transaction_leaves_neither_the_change_nor_its_notification(
    store: Store,
) -> None:
    [key] = mql_store(store, ["US"])
    with store.session() as s:
        before = s.scalar(select(func.count()).select_from(WebhookOutbox))
    with pytest.raises(RuntimeError), store.session() as s:
        conn = s.connection()
        lead = s.scalars(select(Lead).where(Lead.key == key)).one()
        conn.execute(update(Lead).where(Lead.id == lead.id).values(stage="recycled"))
        write_outbox(
            conn,
            [OutboxMove(lead.id, "recycled", "mql", "recycled", NOW, "test")],
            now=NOW,
        )
        raise RuntimeError("crash before commit")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(WebhookOutbox)) == before
    assert stage_of(store, key) == "mql"
