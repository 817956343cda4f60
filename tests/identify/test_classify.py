"""Kinds of organisation from real ASN registry names (../shared/data) and a source's type."""

from __future__ import annotations

import gzip
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadqual.identify.classify import KINDS, classify_name, kind_from_hint, short_name
from tests.conftest import shared_data


@pytest.fixture(scope="module")
def asnames() -> dict[int, str]:
    raw = gzip.decompress(shared_data("ip-to-asn-org/asnames.json.gz").read_bytes())
    return {int(k): v for k, v in json.loads(raw).items()}


@pytest.mark.parametrize(
    ("asn", "kind"),
    [
        (15169, "company"),  # Google
        (32934, "company"),  # Facebook
        (7922, "isp"),  # Comcast
        (701, "isp"),  # Verizon (UUNET)
        (3320, "isp"),  # Deutsche Telekom
        (21928, "mobile"),  # T-Mobile USA
        (16509, "hosting"),  # Amazon
        (14061, "hosting"),  # DigitalOcean
        (16276, "hosting"),  # OVH
        (3, "education"),  # MIT
        (25, "education"),  # UC Berkeley
    ],
)
def test_real_registry_names(asnames: dict[int, str], asn: int, kind: str) -> None:
    found = classify_name(asnames[asn])
    assert found.kind == kind, (asnames[asn], found)
    assert found.reason


def test_most_real_names_are_classified_without_error(asnames: dict[int, str]) -> None:
    kinds = [classify_name(n).kind for n in asnames.values()]
    assert set(kinds) <= set(KINDS)
    # Most ASNs belong to ISPs and hosts; a good share is still named companies.
    assert 0.2 < kinds.count("company") / len(kinds) < 0.9


def test_hint_wins_over_the_name() -> None:
    found = classify_name("Acme Corp", "hosting")
    assert (found.kind, found.reason) == (
        "hosting",
        "the data source types this network as 'hosting'",
    )
    assert classify_name("Acme Corp", "business").kind == "company"
    assert classify_name("Big Cable Telecom", "business").kind == "isp"  # name still counts


def test_shared_names_are_flagged() -> None:
    found = classify_name("NORTHWIND - Northwind Holding Group, GB")
    assert found.kind == "company" and found.shared
    assert "shared" in found.reason


def test_no_name_is_unknown() -> None:
    assert classify_name(None).kind == "unknown"
    assert classify_name("").kind == "unknown"


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("GOOGLE - Google Inc., US", "Google Inc."),
        (
            "COMCAST-7922 - Comcast Cable Communications, Inc., US",
            "Comcast Cable Communications, Inc.",
        ),
        ("Acme Corp - the widget company", "Acme Corp - the widget company"),
        ("Plain Name", "Plain Name"),
    ],
)
def test_short_name(name: str, short: str) -> None:
    assert short_name(name) == short


def test_kind_from_hint() -> None:
    assert kind_from_hint("Cable/DSL") == "isp"
    assert kind_from_hint("Cellular") == "mobile"
    assert kind_from_hint("something else") is None
    assert kind_from_hint(None) is None


@given(st.text(max_size=80), st.one_of(st.none(), st.sampled_from(["isp", "hosting", "x"])))
def test_any_name_gets_a_known_kind_and_a_reason(name: str, hint: str | None) -> None:
    found = classify_name(name, hint)
    assert found.kind in KINDS and found.reason
    if name.strip():
        assert short_name(name)
    else:  # a blank name (hypothesis found "\r") names nobody
        assert found.kind == "unknown" and short_name(name) == ""
