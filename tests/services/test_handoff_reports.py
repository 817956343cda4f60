from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from leadqual.errors import InvalidInput
from leadqual.handoff.export import HUBSPOT_COLUMNS, SALESFORCE_COLUMNS
from leadqual.services.alignment import alignment
from leadqual.services.assignments import assign
from leadqual.services.export import export_leads, export_rows
from leadqual.services.handoff import accept, first_touch, record_bant, reject
from leadqual.store.database import Store
from tests.handoff.handoffdata import AS_OF, NOW, mql_store


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
