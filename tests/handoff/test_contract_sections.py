from __future__ import annotations

import pytest

from leadqual.contract.loader import load_contract, starter_contract_text
from leadqual.errors import ContractError
from tests.handoff.handoffdata import CONTRACT


def test_routing_and_sla_sections_are_read_and_summarised() -> None:
    c = load_contract(CONTRACT)
    assert c.routing is not None and c.sla is not None
    assert c.routing.owners == ("ana", "bo") and c.routing.account_owner
    assert [(r.name, r.owners) for r in c.routing.rules] == [("dach", ("dana",))]
    assert (c.sla.first_touch_hours, c.sla.start_minute, c.sla.end_minute) == (4, 540, 1020)
    data = c.as_dict()
    assert data["sla"]["working_hours"] == "09:00-17:00"
    assert data["routing"]["rules"][0]["when"] == "country in ('DE', 'AT', 'CH')"


def test_the_starter_routes_round_robin_with_a_one_working_day_sla() -> None:
    text = starter_contract_text()
    c = load_contract(text, "starter.yaml")
    assert c.routing is not None and c.sla is not None
    assert c.routing.owners == (
        "ana@sales.example",
        "bo@sales.example",
        "cy@sales.example",
    )
    assert c.routing.account_owner and c.routing.rules == ()
    assert (c.sla.first_touch_hours, c.sla.days, c.sla.holidays) == (
        8,
        ("mon", "tue", "wed", "thu", "fri"),
        (),
    )
    assert (c.sla.start_minute, c.sla.end_minute, c.sla.utc_offset_hours) == (540, 1020, 0)
    # The commented examples are valid once uncommented.
    uncommented = text.replace("  # rules:", "  rules:").replace("  #   ", "    ")
    uncommented = uncommented.replace("  # holidays:", "  holidays:")
    u = load_contract(uncommented, "starter.yaml")
    assert u.routing is not None and [r.name for r in u.routing.rules] == ["enterprise"]
    assert u.sla is not None and u.sla.holidays == ("2026-12-25", "2026-12-26")


def test_both_sections_are_optional() -> None:
    c = load_contract(CONTRACT.split("routing:")[0])
    assert c.routing is None and c.sla is None and c.as_dict()["sla"] is None


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("owners: [ana, bo]", "ownres: [ana, bo]", "unknown key `ownres` — did you mean `owners`?"),
        ("country in", "contry in", "unknown field `contry` — did you mean `country`?"),
        ("owners: [dana]", "owners: []", "routing.rules[0].owners: give at least one owner"),
        ("owners: [ana, bo]", "owners: [ana, ana]", "`ana` is listed twice"),
        ("first_touch_hours: 4", "first_touch_hours: 0", "must be greater than 0"),
        ("first_touch_hours: 4", "first_touch_hour: 4", "did you mean `first_touch_hours`?"),
        ("[mon, tue,", "[mon, tues, xyz,", "unknown day `xyz`"),
        ('"09:00-17:00"', '"17:00-09:00"', "the day must end after it starts"),
        ('"09:00-17:00"', "nine to five", "expected `HH:MM-HH:MM`"),
        ("working_days:", "holidays: [2026-02-30]\n  working_days:", "expected a date"),
    ],
)
def test_mistakes_are_located_with_suggestions(old: str, new: str, problem: str) -> None:
    with pytest.raises(ContractError) as exc:
        load_contract(CONTRACT.replace(old, new, 1), "c.yaml")
    text = "\n".join(exc.value.problems)
    assert problem in text
    assert "c.yaml:" in text
