from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from leadqual.contract.loader import load_contract
from leadqual.errors import InvalidInput
from leadqual.handoff.alignment import AlignmentReport, MqlOutcome, alignment_report
from leadqual.handoff.export import HUBSPOT_COLUMNS, SALESFORCE_COLUMNS
from leadqual.services.alignment import alignment
from leadqual.services.assignments import assign
from leadqual.services.contracts import apply_contract
from leadqual.services.export import export_leads, export_rows
from leadqual.services.handoff import accept, first_touch, record_bant, reject
from leadqual.store.database import Store
from leadqual.store.models import Account, Contact, ContractVersion, Lead, StageChange
from leadqual.store.tables_handoff import LeadAssignment, SalesFeedback
from tests.factories import make_lead
from tests.handoff.handoffdata import AS_OF, CONTRACT, NOW, mql_store


def test_alignment_rates_by_criterion_source_reasons_time_and_sla(store: Store) -> None:
    a, b, c, _ = mql_store(store, ["US", "US", "US", "DE"], meeting=True)
    assign(store, now=AS_OF)  # due 16:00
    first_touch(store, a, by_user="ana", now=AS_OF + timedelta(hours=1))
    accept(store, a, by_user="ana", now=NOW, at=AS_OF + timedelta(hours=2))
    answers = dict.fromkeys(("budget", "authority", "need", "timing"), True)
    record_bant(store, a, answers, by_user="ana", now=NOW, at=AS_OF + timedelta(hours=26))
    reject(store, b, "too_small", by_user="bo", now=NOW, at=AS_OF + timedelta(days=1))
    reject(store, c, "no_budget", by_user="bo", now=NOW, at=AS_OF + timedelta(hours=3))
    report = alignment(store, now=datetime(2026, 2, 12, 12)).as_dict()
    o = report["overall"]
    assert (o["mqls"], o["accepted"], o["rejected"], o["undecided"]) == (4, 1, 2, 1)
    assert o["acceptance_rate"] == pytest.approx(1 / 3)
    assert o["rejection_reasons"] == {"too_small": 1, "no_budget": 1}
    assert set(report["by_criterion"]) == {"right_size", "decision_maker"}
    assert report["by_criterion"]["right_size"]["mqls"] == 4
    assert report["mql_to_sql_hours"] == {"n": 1, "median": 26.0, "p90": 26.0}
    # a in time, c in time, b late (next day), d never touched and past due → overdue
    assert report["sla"]["touched_in_time"] == 2
    assert report["sla"]["touched_late"] == 1
    assert report["sla"]["overdue"] == 1
    assert report["sla"]["compliance_rate"] == pytest.approx(0.5)
    only_v1 = alignment(store, now=NOW, contract_version=1).overall.mqls
    assert only_v1 == 4 and alignment(store, now=NOW, contract_version=7).overall.mqls == 0


def test_export_uses_each_crms_column_names_and_stage_values(store: Store) -> None:
    a, b = mql_store(store, ["US", "US"])
    assign(store, now=AS_OF)
    accept(store, a, by_user="ana", now=NOW)
    hub = list(csv.DictReader(io.StringIO(export_leads(store, "hubspot"))))
    assert tuple(hub[0]) == HUBSPOT_COLUMNS
    by_email = {r["Email"]: r for r in hub}
    assert by_email[b]["Lifecycle Stage"] == "marketingqualifiedlead"
    assert by_email[b]["Lead Status"] == "NEW" and by_email[a]["Lead Status"] == "OPEN"
    assert by_email[a]["Contact owner"] in ("ana", "bo")
    assert by_email[a]["leadqual Fit"] == "50"
    assert "." not in by_email[a]["Annual Revenue"] and "e" not in by_email[a]["Annual Revenue"]
    sf = list(csv.DictReader(io.StringIO(export_leads(store, "salesforce", stages=["sal"]))))
    assert tuple(sf[0]) == SALESFORCE_COLUMNS
    assert [r["Email"] for r in sf] == [a]
    assert sf[0]["Lead Status"] == "Working - Contacted" and sf[0]["Company"]
    assert sf[0]["Last Name"]  # required by Salesforce
    with pytest.raises(InvalidInput, match="hubspot, salesforce"):
        export_rows(store, "pipedrive")
    with pytest.raises(InvalidInput, match="unknown stage"):
        export_rows(store, "hubspot", stages=["mqll"])


# The report reads the store in one filtering query; against a brute-force reference that reads
# every row and filters in Python, on random histories: repeated and tied moves to mql, verdicts
# and moves to sql before and after the latest one, several contract versions, deadlines.

_DAYS = [datetime(2026, 2, d, 10) for d in (1, 2, 3)]
_REASONS = ["right_size (+30)", "decision_maker (+20)", "something_else"]


@st.composite
def _histories(draw: st.DrawFn) -> list[dict[str, Any]]:
    at = st.sampled_from(_DAYS)
    return [
        {
            "source": draw(st.sampled_from([None, "web", "ads"])),
            "reasons": draw(st.lists(st.sampled_from(_REASONS), unique=True, max_size=3)),
            "moves": draw(
                st.lists(
                    st.tuples(st.sampled_from(["mql", "sql", "sal"]), at, st.sampled_from([1, 2])),
                    max_size=4,
                )
            ),
            "verdicts": draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(["accepted", "rejected"]),
                        st.sampled_from([None, "too_small", "no_budget"]),
                        st.sampled_from(_DAYS[1:]),  # often tied: the later row counts
                    ),
                    max_size=3,
                )
            ),
            "sla": draw(st.none() | st.tuples(at, st.none() | at)),
        }
        for _ in range(draw(st.integers(0, 6)))
    ]


def _write_histories(store: Store, leads: list[dict[str, Any]]) -> None:
    with store.session() as s:
        for table in (LeadAssignment, SalesFeedback, StageChange, Lead, Contact, Account):
            s.execute(delete(table))
    apply_contract(store, CONTRACT, source="test.yaml", author="t", now=NOW)
    with store.session() as s:
        for spec in leads:
            lead = make_lead(s, source=spec["source"], reasons=spec["reasons"])
            for to_stage, at, version in spec["moves"]:
                s.add(
                    StageChange(
                        lead_id=lead.id,
                        from_stage="lead",
                        to_stage=to_stage,
                        at=at,
                        reason="test",
                        contract_version=version,
                        recorded_at=at,
                    )
                )
            for verdict, reason, at in spec["verdicts"]:
                s.add(
                    SalesFeedback(
                        lead_id=lead.id, verdict=verdict, reason=reason, by_user="bo", at=at
                    )
                )
            if spec["sla"] is not None:
                due, touched = spec["sla"]
                s.add(
                    LeadAssignment(
                        lead_id=lead.id,
                        owner="ana",
                        rule="round_robin",
                        assigned_at=_DAYS[0],
                        due_at=due,
                        first_touch_at=touched,
                    )
                )
            s.flush()


def _reference_alignment(
    store: Store, now: datetime, since: datetime | None, contract_version: int | None
) -> AlignmentReport:
    """Every row read, everything filtered in Python (the report's definition, spelled out)."""
    with store.session() as s:
        criteria = {
            c.name
            for (text,) in s.execute(select(ContractVersion.text))
            for c in load_contract(text).fit
        }
        moves = (
            s.execute(select(StageChange).order_by(StageChange.at, StageChange.id)).scalars().all()
        )
        latest = {m.lead_id: m for m in moves if m.to_stage == "mql"}  # the last one wins
        latest = {
            k: m
            for k, m in latest.items()
            if contract_version in (None, m.contract_version) and (since is None or m.at >= since)
        }
        to_sql = {}
        for m in moves:
            if m.to_stage == "sql" and m.lead_id in latest and m.at >= latest[m.lead_id].at:
                to_sql.setdefault(m.lead_id, m.at)
        said = {}
        for f in s.execute(
            select(SalesFeedback).order_by(SalesFeedback.at, SalesFeedback.id)
        ).scalars():
            if f.lead_id in latest and f.at >= latest[f.lead_id].at:
                said[f.lead_id] = f
        sla = {a.lead_id: a for a in s.execute(select(LeadAssignment)).scalars()}
        leads = {lead.id: lead for lead in s.execute(select(Lead)).scalars()}
        outcomes = [
            MqlOutcome(
                lead_id=k,
                source=leads[k].source,
                criteria=tuple(
                    r.split(" (")[0] for r in leads[k].reasons if r.split(" (")[0] in criteria
                ),
                mql_at=latest[k].at,
                verdict=said[k].verdict if k in said else None,
                reason=said[k].reason if k in said else None,
                sql_at=to_sql.get(k),
                due_at=sla[k].due_at if k in sla else None,
                first_touch_at=sla[k].first_touch_at if k in sla else None,
            )
            for k in sorted(latest)
        ]
    return alignment_report(outcomes, now=now)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    leads=_histories(),
    since=st.sampled_from([None, *_DAYS]),
    contract_version=st.sampled_from([None, 1, 2]),
)
def test_alignment_matches_a_brute_force_reference(
    store: Store, leads: list[dict[str, Any]], since: datetime | None, contract_version: int | None
) -> None:
    _write_histories(store, leads)
    now = _DAYS[1]
    got = alignment(store, now=now, since=since, contract_version=contract_version).as_dict()
    want = _reference_alignment(store, now, since, contract_version).as_dict()
    assert repr(got) == repr(want)  # the same numbers, in the same order
