"""Reading IP data files: every format, detected from its content, on the real tables in
../shared/data and on small files written here (an own CIDR list, an IPv6 ip2asn TSV, a MaxMind
DB written with a real writer)."""

from __future__ import annotations

import gzip
import ipaddress
import json
from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from leadqual.errors import InvalidInput
from leadqual.identify.ipformats import detect_format, normalise_domain, parse_file
from leadqual.identify.refdata import CompiledData
from tests.conftest import shared_data

IP_DATA = "ip-to-asn-org"


def _v4(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def write_mmdb(path: Path) -> Path:
    """A tiny GeoIP2-ISP-like database: a company behind its carrier, Google's IPv6 block and a
    host typed as hosting (IPinfo's layout)."""
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoIP2-ISP")
    writer.insert_network(
        IPSet(["93.184.216.0/24"]),
        {
            "isp": "Level 3 Communications",
            "organization": "Acme Corp",
            "autonomous_system_number": 3356,
            "autonomous_system_organization": "LEVEL3",
        },
    )
    writer.insert_network(
        IPSet(["2a00:1450::/32"]),
        {"autonomous_system_number": 15169, "autonomous_system_organization": "Google LLC"},
    )
    writer.insert_network(
        IPSet(["45.33.0.0/16"]),
        {"asn": "AS63949", "name": "Linode", "domain": "linode.com", "type": "hosting"},
    )
    writer.to_db_file(str(path))
    return path


# --- the real tables -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt", "kind"),
    [
        ("ipasn_20140513.dat.gz", "pyasn", "network"),
        ("asnames.json.gz", "asnames", "asn_names"),
        ("ipcat-datacenters.csv", "ipcat", "hosting"),
        ("iptoasn-ip2asn-v4.sample.tsv", "ip2asn", "network"),
    ],
)
def test_real_files_are_detected_and_loaded(name: str, fmt: str, kind: str) -> None:
    path = shared_data(f"{IP_DATA}/{name}")
    assert detect_format(path) == fmt
    data = parse_file(path)
    assert (data.kind, data.format) == (kind, fmt)
    assert data.rows > 0


def test_pyasn_table_reads_every_prefix() -> None:
    data = parse_file(shared_data(f"{IP_DATA}/ipasn_20140513.dat.gz"))
    assert data.rows == 512_621  # the README's count
    found = data.v4.lookup(__import__("numpy").array([_v4("8.8.8.8")], dtype="uint32"))
    assert data.records.asn[int(found[0])] == 15169


def test_asnames_maps_numbers_to_registry_names() -> None:
    data = parse_file(shared_data(f"{IP_DATA}/asnames.json.gz"))
    names = dict(zip(data.records.asn, data.records.org, strict=True))
    assert len(names) == 77_586
    assert names[15169] == "GOOGLE - Google Inc., US"


def test_ipcat_ranges_are_hosting_with_their_provider() -> None:
    data = parse_file(shared_data(f"{IP_DATA}/ipcat-datacenters.csv"))
    assert data.rows == 3_429
    assert "Amazon AWS" in data.records.org
    assert set(data.records.hint) == {"hosting"}


def test_ip2asn_sample_skips_not_routed_and_keeps_names() -> None:
    data = parse_file(shared_data(f"{IP_DATA}/iptoasn-ip2asn-v4.sample.tsv"))
    assert data.rows == 1_427
    assert 0 not in data.records.asn
    assert "CLOUDFLARENET - Cloudflare, Inc." in data.records.org


def test_compiled_data_survives_the_store_blob() -> None:
    data = parse_file(shared_data(f"{IP_DATA}/ipcat-datacenters.csv"))
    back = CompiledData.from_bytes(data.to_bytes())
    assert (back.kind, back.format, back.rows) == (data.kind, data.format, data.rows)
    assert back.records == data.records
    assert back.v4.ranges() == data.v4.ranges()


# --- small files of every format ------------------------------------------------------------


def test_own_cidr_with_header_ipv4_and_ipv6(tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text(
        "cidr,domain,company\n"
        "192.0.2.0/24,https://www.Acme.com/,Acme Inc\n"
        "2001:db8:42::/48,acme.com,Acme Inc\n"
        "# a comment line\n"
        "198.18.7.9,beta.io,\n",
        encoding="utf-8",
    )
    assert detect_format(path) == "own_cidr"
    data = parse_file(path)
    assert (data.kind, data.rows) == ("own", 3)
    ranges = data.v4.ranges()
    assert (_v4("192.0.2.0"), _v4("192.0.2.255")) in [(s, e) for s, e, _ in ranges]
    assert (_v4("198.18.7.9"), _v4("198.18.7.9")) in [(s, e) for s, e, _ in ranges]
    assert len(data.v6.ranges()) == 1
    assert set(data.records.domain) == {"acme.com", "beta.io"}
    assert data.records.org[data.records.domain.index("beta.io")] is None


def test_own_cidr_without_header_and_columns_in_any_order(tmp_path: Path) -> None:
    bare = tmp_path / "bare.csv"
    bare.write_text("203.0.113.0/25,acme.com\n", encoding="utf-8")
    assert parse_file(bare).records.domain == ["acme.com"]
    swapped = tmp_path / "swapped.csv"
    swapped.write_text("company,domain,network\nAcme,acme.com,203.0.113.0/25\n", encoding="utf-8")
    assert detect_format(swapped) == "own_cidr"
    assert parse_file(swapped).records.org == ["Acme"]


def test_own_cidr_ipv4_mapped_blocks_are_ipv4(tmp_path: Path) -> None:
    path = tmp_path / "mapped.csv"
    path.write_text("cidr,domain\n::ffff:192.0.2.0/120,acme.com\n", encoding="utf-8")
    data = parse_file(path)
    assert [(s, e) for s, e, _ in data.v4.ranges()] == [(_v4("192.0.2.0"), _v4("192.0.2.255"))]
    assert data.v6.ranges() == []


def test_ip2asn_ipv6_tsv(tmp_path: Path) -> None:
    path = tmp_path / "ip2asn-v6.tsv"
    path.write_text(
        "::\t1ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff\t0\tNone\tNot routed\n"
        "2001:4860::\t2001:4860:ffff:ffff:ffff:ffff:ffff:ffff\t15169\tUS\tGOOGLE - Google LLC\n"
        "2a03:2880::\t2a03:2880:ffff:ffff:ffff:ffff:ffff:ffff\t32934\tUS\tFACEBOOK\n",
        encoding="utf-8",
    )
    assert detect_format(path) == "ip2asn"
    data = parse_file(path)
    assert data.records.asn == [15169, 32934]
    assert data.v4.ranges() == []
    starts = [s for s, _, _ in data.v6.ranges()]
    assert int(ipaddress.IPv6Address("2001:4860::")) in starts


def test_pyasn_plain_and_gzipped_with_ipv6_lines(tmp_path: Path) -> None:
    text = "; IP-ASN32-DAT file\n; comment\n8.8.8.0/24\t15169\n2001:4860::/32\t15169\n"
    plain = tmp_path / "ipasn.dat"
    plain.write_text(text, encoding="utf-8")
    zipped = tmp_path / "ipasn.dat.gz"
    zipped.write_bytes(gzip.compress(text.encode()))
    for path in (plain, zipped):
        assert detect_format(path) == "pyasn"
        data = parse_file(path)
        assert data.rows == 2
        assert len(data.v4.ranges()) == 1 and len(data.v6.ranges()) == 1


def test_asnames_accepts_as_prefixed_keys(tmp_path: Path) -> None:
    path = tmp_path / "names.json"
    path.write_text(json.dumps({"AS64500": "EXAMPLE - Example Ltd, GB", "15169": "GOOGLE"}))
    data = parse_file(path)
    assert data.kind == "asn_names"
    assert dict(zip(data.records.asn, data.records.org, strict=True))[64500].startswith("EXAMPLE")


def test_mmdb_written_with_a_real_writer(tmp_path: Path) -> None:
    path = write_mmdb(tmp_path / "isp.mmdb")
    assert detect_format(path) == "mmdb"
    data = parse_file(path)
    assert (data.kind, data.format) == ("network", "mmdb")
    rec = dict(
        zip(
            data.records.org,
            zip(data.records.asn, data.records.domain, data.records.hint, strict=True),
            strict=True,
        )
    )
    assert rec["Acme Corp"] == (3356, None, "business")  # the network's user, not its carrier
    assert rec["Google LLC"] == (15169, None, None)
    assert rec["Linode"] == (63949, "linode.com", "hosting")
    assert len(data.v6.ranges()) == 1


# --- bad files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("hello world\n", "cannot tell its format"),
        ("8.8.8.0/24\t15169\n8.8.4.0/24\tabc\n", "line 2"),
        ("1.0.0.0\t1.0.0.255\tAS-X\tUS\tX\n", "is not a number"),
        ("1.0.0.9\t1.0.0.1\t13335\tUS\tX\n", "before it starts"),
        ("1.0.0.0,1.0.0.255,Host,http://h\n1.0.1.0,nope,Host,http://h\n", "line 2"),
        ("cidr,domain\n10.0.0.0/8,not a domain\n", "not a web domain"),
        ("cidr,domain\n10.0.0.0/33,acme.com\n", "not a CIDR block"),
        ("cidr,company\n10.0.0.0/8,Acme\n", "needs a 'cidr' and a 'domain' column"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, text: str, says: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=says) as info:
        parse_file(path)
    assert "bad.txt" in info.value.message


def test_broken_gzip_and_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "x.dat.gz"
    broken.write_bytes(b"\x1f\x8b" + b"\x00" * 20)
    with pytest.raises(InvalidInput, match="broken gzip"):
        parse_file(broken)
    with pytest.raises(InvalidInput, match="cannot read"):
        parse_file(tmp_path / "absent.csv")


def test_unknown_forced_format(tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text("10.0.0.0/8,acme.com\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="unknown IP data format"):
        parse_file(path, fmt="csv")


@pytest.mark.parametrize(
    ("text", "domain"),
    [("https://www.Acme.com/about", "acme.com"), ("acme.co.uk.", "acme.co.uk"), ("acme", None)],
)
def test_normalise_domain(text: str, domain: str | None) -> None:
    assert normalise_domain(text) == domain


def test_ipv6_ranges_survive_the_store_blob(tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text("2001:db8:42::/48,acme.com\n192.0.2.0/24,acme.com\n", encoding="utf-8")
    data = parse_file(path)
    back = CompiledData.from_bytes(data.to_bytes())
    assert back.v6.ranges() == data.v6.ranges() != []
    assert back.v4.ranges() == data.v4.ranges() != []
