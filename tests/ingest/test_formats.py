from __future__ import annotations

import pytest

from leadqual.errors import InvalidInput
from leadqual.ingest.formats import detect_format, format_mapping
from leadqual.ingest.hubspot import deal_stage
from leadqual.ingest.salesforce import opportunity_stage


@pytest.mark.parametrize(
    ("kind", "columns", "expected"),
    [("accounts", ("Record ID", "Company name", "Company Domain Name", "Industry"), "hubspot"),
     ("contacts", ("Id", "AccountId", "Email", "FirstName"), "salesforce"),
     ("deals", ("Record ID", "Deal Name", "Deal Stage", "Amount"), "hubspot"),
     ("events", ("event_id", "type", "occurred_at"), "canonical"),
     ("contacts", ("email", "first_name"), "canonical")],
)
def test_detect_format(kind: str, columns: tuple[str, ...], expected: str) -> None:
    assert detect_format(kind, columns) == expected


def test_unknown_format_names_the_closest() -> None:
    with pytest.raises(InvalidInput, match="did you mean 'hubspot'"):
        format_mapping("hubspto", "accounts", ())


def test_format_mapping_takes_the_first_label_present() -> None:
    rules = format_mapping("hubspot", "accounts", ("Website URL", "Name")).rules
    assert rules["domain"].source == "Website URL"
    assert rules["name"].source == "Name"


@pytest.mark.parametrize(
    ("values", "expected"),
    [({"IsClosed": "true", "IsWon": "true"}, "won"), ({"IsClosed": "1", "IsWon": "0"}, "lost"),
     ({"IsClosed": "false", "IsWon": "false", "StageName": "Closed Won"}, "open"),
     ({"StageName": "Closed Lost"}, "lost"), ({"StageName": "Negotiation"}, "open")],
)
def test_salesforce_stage(values: dict[str, str], expected: str) -> None:
    assert opportunity_stage(values) == expected


def test_hubspot_stage() -> None:
    assert [deal_stage(s) for s in ("closedwon", "Closed Lost", "qualifiedtobuy")] == [
        "won", "lost", "open"]
