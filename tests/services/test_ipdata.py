"""Loading IP data into the store and explaining lookups (services.ipdata), on SQLite and
PostgreSQL, with the real tables in ../shared/data."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from leadqual.errors import InvalidInput
from leadqual.identify.resolve import load_resolver
from leadqual.services.ipdata import add_files, fingerprint, identify, list_datasets
from leadqual.store.database import Store
from tests.conftest import shared_data

NOW = datetime(2026, 3, 1, 12, 0)
IP_DATA = "ip-to-asn-org"


def real(name: str) -> Path:
    return shared_data(f"{IP_DATA}/{name}")


def test_add_detects_formats_and_readding_changes_nothing(store: Store) -> None:
    files = [real("ipasn_20140513.dat.gz"), real("ipcat-datacenters.csv")]
    first = add_files(store, files, asn_names=real("asnames.json.gz"), now=NOW)
    assert [(r.name, r.kind, r.format, r.status) for r in first] == [
        ("ipasn_20140513.dat.gz", "network", "pyasn", "added"),
        ("ipcat-datacenters.csv", "hosting", "ipcat", "added"),
        ("asnames.json.gz", "asn_names", "asnames", "added"),
    ]
    assert first[0].rows == 512_621 and first[0].ranges > 100_000
    again = add_files(store, [*files, real("asnames.json.gz")], now=datetime(2026, 3, 2))
    assert {r.status for r in again} == {"unchanged"}
    assert [r.sha256 for r in again] == [r.sha256 for r in first]
    assert again[0].loaded_at == NOW  # still the first load
    listed = list_datasets(store)
    assert [r.name for r in listed] == [r.name for r in first]
    assert {r.status for r in listed} == {"loaded"}
    assert fingerprint(store) == load_resolver(store).fingerprint


def test_identify_explains_each_address(store: Store) -> None:
    add_files(
        store,
        [real("ipasn_20140513.dat.gz"), real("asnames.json.gz"), real("ipcat-datacenters.csv")],
        now=NOW,
    )
    google, aws, comcast, v6 = identify(store, ["8.8.8.8", "23.20.0.1", "73.0.0.1", "2001:db8::1"])
    assert (google.org, google.asn, google.kind) == ("Google Inc.", 15169, "company")
    assert (aws.kind, aws.org, aws.confidence) == ("hosting", "Amazon AWS", 0.0)
    assert comcast.kind == "isp"
    assert v6.kind == "unknown" and "2001:db8::/32" in v6.reason


def test_own_list_added_later_wins(store: Store, tmp_path: Path) -> None:
    add_files(store, [real("ipasn_20140513.dat.gz"), real("asnames.json.gz")], now=NOW)
    own = tmp_path / "offices.csv"
    own.write_text("cidr,domain,company\n8.8.8.0/24,google.com,Google\n", encoding="utf-8")
    (result,) = add_files(store, [own], now=NOW)
    assert (result.kind, result.format) == ("own", "own_cidr")
    (found,) = identify(store, ["8.8.8.8"])
    assert (found.org, found.domain, found.confidence, found.source) == (
        "Google",
        "google.com",
        1.0,
        "offices.csv",
    )


def test_a_bad_file_stores_nothing_from_the_call(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "broken.csv"
    bad.write_text("cidr,domain\n10.0.0.0/8,acme.com\nnot-a-cidr,acme.com\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"broken\.csv, line 3: 'not-a-cidr' is not a CIDR"):
        add_files(store, [real("ipcat-datacenters.csv"), bad], now=NOW)
    assert list_datasets(store) == []


def test_the_same_file_twice_in_one_call_is_added_once(store: Store, tmp_path: Path) -> None:
    own = tmp_path / "own.csv"
    own.write_text("203.0.113.0/24,acme.com\n", encoding="utf-8")
    copy = tmp_path / "copy.csv"
    copy.write_bytes(own.read_bytes())
    results = add_files(store, [own, copy], now=NOW)
    assert [r.status for r in results] == ["added", "unchanged"]
    assert results[1].kind == "own" and results[1].loaded_at == NOW
    assert len(list_datasets(store)) == 1


def test_asn_names_option_must_be_a_names_file(store: Store) -> None:
    with pytest.raises(InvalidInput, match="--asn-names expects an ASN → names file"):
        add_files(store, [], asn_names=real("ipcat-datacenters.csv"), now=NOW)
    with pytest.raises(InvalidInput, match="at least one"):
        add_files(store, [], now=NOW)


def test_identify_refuses_bad_addresses(store: Store) -> None:
    with pytest.raises(InvalidInput, match=r"'999\.1\.1\.1' \(position 1\) is not an IPv4"):
        identify(store, ["999.1.1.1"])
