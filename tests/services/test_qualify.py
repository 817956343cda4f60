from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from leadqual.services.contracts import apply_contract
from leadqual.services.qualify import qualify
from leadqual.store.database import Store
from leadqual.store.models import Lead, StageChange
from tests.factories import T0, confirm_bant, make_account, make_deal, make_event, make_lead

CONTRACT = """
name: Test contract
fit:
  - name: right_size
    when: employees >= 50 and employees <= 5000
    points: 30
  - name: decision_maker
    when: seniority in ('c_level', 'vp', 'director')
    points: 20
intent:
  half_life_days: 10
  signals:
    - name: pricing_visit
      event: page_view
      where: page_type = 'pricing'
      points: 10
      cap: 30
    - name: demo_request
      event: form_submit
      where: form_kind = 'demo_request'
      points: 40
      cap: 40
stages:
  mql: fit >= 40 and intent >= 30
  sql: sales_accepted and bant_confirmed and meetings_held >= 1
  disqualify:
    - name: student
      when: job_title ilike '%student%'
  recycle:
    intent_below: 10
    for_days: 30
"""

NOW = datetime(2026, 6, 1)


def _stage(store: Store, key: str) -> str:
    with store.session() as s:
        return s.scalar(select(Lead.stage).where(Lead.key == key)) or ""


def test_mql_needs_fit_and_intent_and_records_why(store: Store) -> None:
    apply_contract(store, CONTRACT, source="test.yaml", author="t", now=NOW)
    day = T0 + timedelta(days=40)
    with store.session() as s:
        hot = make_lead(s, title="VP Marketing")
        make_event(s, hot, day, type="form_submit", form_kind="demo_request")
        cold = make_lead(s, title="VP Marketing")  # fits, no intent
        small = make_lead(s, make_account(s, employees=5), title="CEO")  # intent, no fit
        make_event(s, small, day, type="form_submit", form_kind="demo_request")
        keys = hot.key, cold.key, small.key
    result = qualify(store, as_of=day + timedelta(hours=1), now=NOW)
    assert [_stage(store, k) for k in keys] == ["mql", "lead", "lead"]
    assert result.changes == 1 and result.moves == {"lead→mql": 1}
    assert result.counts["mql"] == 1 and result.counts["lead"] == 2
    with store.session() as s:
        change = s.scalars(select(StageChange)).one()
        lead = s.scalars(select(Lead).where(Lead.key == keys[0])).one()
    assert (change.from_stage, change.to_stage, change.rule) == ("lead", "mql", "stages.mql")
    assert change.contract_version == result.contract_version
    assert "fit 50" in change.reason and "fit >= 40 and intent >= 30" in change.reason
    assert lead.fit == 50 and 39 < (lead.intent or 0) <= 40
    assert "right_size (+30)" in lead.reasons and any("demo_request" in r for r in lead.reasons)


def test_qualify_is_deterministic_and_idempotent(store: Store) -> None:
    apply_contract(store, CONTRACT, source="test.yaml", author="t", now=NOW)
    day = T0 + timedelta(days=10)
    with store.session() as s:
        for _ in range(5):
            lead = make_lead(s)
            make_event(s, lead, day, type="form_submit", form_kind="demo_request")
    first = qualify(store, as_of=day, now=NOW)
    again = qualify(store, as_of=day, now=NOW)
    assert first.changes == 5 and again.changes == 0
    assert first.counts == again.counts


def test_intent_decays_and_future_events_do_not_count(store: Store) -> None:
    apply_contract(store, CONTRACT, source="test.yaml", author="t", now=NOW)
    with store.session() as s:
        lead = make_lead(s)
        make_event(s, lead, T0, type="form_submit", form_kind="demo_request")
        make_event(s, lead, T0 + timedelta(days=100), type="form_submit", form_kind="demo_request")
        key = lead.key
    qualify(store, as_of=T0 + timedelta(days=10), now=NOW)  # one half-life: 40 → 20
    with store.session() as s:
        intent = s.scalar(select(Lead.intent).where(Lead.key == key))
    assert intent is not None and abs(intent - 20.0) < 1e-6
    assert _stage(store, key) == "lead"  # 20 < 30: not an MQL, and the day-100 event is unseen


def test_recycle_after_intent_stays_low_for_the_window(store: Store) -> None:
    apply_contract(store, CONTRACT, source="test.yaml", author="t", now=NOW)
    with store.session() as s:
        lead = make_lead(s)
        make_event(s, lead, T0, type="form_submit", form_kind="demo_request")
        key = lead.key
    qualify(store, as_of=T0 + timedelta(hours=1), now=NOW)
    assert _stage(store, key) == "mql"
    # 40 points halve every 10 days: below 10 after 20 days; the window of 30 days must pass too.
    qualify(store, as_of=T0 + timedelta(days=35), now=NOW)
    assert _stage(store, key) == "mql"
    qualify(store, as_of=T0 + timedelta(days=55), now=NOW)
    assert _stage(store, key) == "recycled"


def test_sql_needs_acceptance_bant_and_a_meeting(store: Store) -> None:
    apply_contract(store, CONTRACT, source="test.yaml", author="t", now=NOW)
    day = T0 + timedelta(days=5)
    with store.session() as s:
        lead = make_lead(s, stage="sal")
        confirm_bant(s, lead, day)
        key = lead.key
    qualify(store, as_of=day, now=NOW)
    assert _stage(store, key) == "sal"  # no meeting yet
    with store.session() as s:
        lead = s.scalars(select(Lead).where(Lead.key == key)).one()
        make_event(s, lead, day + timedelta(days=1), type="meeting")
    qualify(store, as_of=day + timedelta(days=2), now=NOW)
    assert _stage(store, key) == "sql"


def test_disqualify_and_deals(store: Store) -> None:
    apply_contract(store, CONTRACT, source="test.yaml", author="t", now=NOW)
    with store.session() as s:
        student = make_lead(s, title="Student Intern")
        buyer = make_lead(s)
        make_deal(s, buyer, stage="won", created_at=T0, closed_at=T0 + timedelta(days=20))
        keys = student.key, buyer.key
    qualify(store, as_of=T0 + timedelta(days=10), now=NOW)
    assert [_stage(store, k) for k in keys] == ["disqualified", "opportunity"]
    qualify(store, as_of=T0 + timedelta(days=30), now=NOW)
    assert _stage(store, keys[1]) == "customer"
    with store.session() as s:
        rules = s.scalars(select(StageChange.rule).order_by(StageChange.id)).all()
    assert rules == ["stages.disqualify.student", "deal.open", "deal.won"]


def test_a_lead_sales_moved_later_keeps_its_stage_when_qualifying_earlier(store: Store) -> None:
    """Sales rejected an MQL on day 12; qualifying as of day 11 (a late or repeated run) must not
    make it an MQL again at day 11 — the history would run backwards."""
    from leadqual.services.handoff import reject

    apply_contract(store, CONTRACT, source="test.yaml", author="t", now=NOW)
    day = T0 + timedelta(days=10)
    with store.session() as s:
        rejected, other = make_lead(s), make_lead(s)
        for lead in (rejected, other):
            make_event(s, lead, day, type="form_submit", form_kind="demo_request")
        keys = rejected.key, other.key
    assert qualify(store, as_of=day, now=NOW).moves == {"lead→mql": 2}
    reject(store, keys[0], "bad_timing", by_user="bo", now=NOW, at=day + timedelta(days=2))
    again = qualify(store, as_of=day + timedelta(days=1), now=NOW)
    assert again.changes == 0 and _stage(store, keys[0]) == "recycled"
    assert again.counts["recycled"] == 1 and again.counts["mql"] == 1
    with store.session() as s:
        history = s.scalars(select(StageChange).order_by(StageChange.id)).all()
    assert [(h.to_stage, h.at) for h in history][-1] == ("recycled", day + timedelta(days=2))


def test_a_lead_sales_rejected_comes_back_only_on_new_intent(store: Store) -> None:
    """Rejected as bad timing (→ recycled), a lead whose old intent still passes the mql rule stays
    in nurture; an intent signal after the rejection makes it an MQL again."""
    from leadqual.services.handoff import reject

    apply_contract(store, CONTRACT, source="test.yaml", author="t", now=NOW)
    day = T0 + timedelta(days=10)
    with store.session() as s:
        lead = make_lead(s)
        make_event(s, lead, day, type="form_submit", form_kind="demo_request")
        key = lead.key
    qualify(store, as_of=day, now=NOW)
    reject(store, key, "bad_timing", by_user="bo", now=NOW, at=day + timedelta(hours=2))
    quiet = qualify(store, as_of=day + timedelta(days=1), now=NOW)
    assert quiet.changes == 0 and _stage(store, key) == "recycled"
    with store.session() as s:
        (again,) = s.scalars(select(Lead).where(Lead.key == key)).all()
        make_event(s, again, day + timedelta(days=2), type="form_submit", form_kind="demo_request")
    back = qualify(store, as_of=day + timedelta(days=2, hours=1), now=NOW)
    assert back.moves == {"recycled→mql": 1} and _stage(store, key) == "mql"
