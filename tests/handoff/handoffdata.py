"""A store with MQLs to hand off: the contract (with routing and SLA) and lead factories."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from leadqual.services.contracts import apply_contract
from leadqual.services.qualify import qualify
from leadqual.store.database import Store
from leadqual.store.models import Lead
from tests.factories import T0, make_account, make_event, make_lead

CONTRACT = """
name: Hand-off contract
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
    - name: demo_request
      event: form_submit
      where: form_kind = 'demo_request'
      points: 40
      cap: 40
stages:
  mql: fit >= 40 and intent >= 30
  sql: sales_accepted and bant_confirmed and meetings_held >= 1
routing:
  owners: [ana, bo]
  rules:
    - name: dach
      when: country in ('DE', 'AT', 'CH')
      owners: [dana]
sla:
  first_touch_hours: 4
  working_days: [mon, tue, wed, thu, fri]
  working_hours: "09:00-17:00"
"""

DAY = T0 + timedelta(days=40)  # 2026-02-10, a Tuesday
AS_OF = datetime(2026, 2, 10, 12)
NOW = datetime(2026, 6, 1)


def mql_store(
    store: Store, countries: list[str], *, meeting: bool = False, contract: str = CONTRACT
) -> list[str]:
    """One MQL per country (each at its own account); returns their keys in order."""
    apply_contract(store, contract, source="test.yaml", author="t", now=NOW)
    keys = []
    with store.session() as s:
        for country in countries:
            lead = make_lead(s, make_account(s, country=country), title="VP Marketing")
            make_event(s, lead, DAY, type="form_submit", form_kind="demo_request")
            if meeting:
                make_event(s, lead, DAY + timedelta(hours=1), type="meeting")
            keys.append(lead.key)
    qualify(store, as_of=AS_OF, now=NOW)
    return keys


def stage_of(store: Store, key: str) -> str:
    with store.session() as s:
        return s.scalar(select(Lead.stage).where(Lead.key == key)) or ""
