"""IP → organisation on the real tables in ../shared/data (RouteViews prefixes with their ASN
names, ipcat hosting ranges, the iptoasn sample) and on small own lists, checked address by
address against brute-force references written here."""

from __future__ import annotations

import csv
import gzip
import ipaddress
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadqual.errors import InvalidInput
from leadqual.identify.classify import NOT_A_COMPANY, classify_name, short_name
from leadqual.identify.ipformats import parse_file
from leadqual.identify.resolve import (
    COLUMNS,
    OWN_CONFIDENCE,
    RESERVED,
    IpResolver,
    LoadedData,
)
from tests.conftest import shared_data
from tests.identify.test_ipformats import write_mmdb

IP_DATA = "ip-to-asn-org"
REAL = ("ipasn_20140513.dat.gz", "asnames.json.gz", "ipcat-datacenters.csv")
_RESERVED = [ipaddress.ip_network(c) for c in RESERVED]


def loaded(path: Path) -> LoadedData:
    return LoadedData(path.name, path.name, parse_file(path))


@pytest.fixture(scope="module")
def real() -> IpResolver:
    return IpResolver([loaded(shared_data(f"{IP_DATA}/{name}")) for name in REAL])


@pytest.fixture(scope="module")
def reference() -> dict[str, object]:
    """The real tables read plainly: prefixes by (length, network), names, hosting ranges."""
    prefixes: dict[tuple[int, int], int] = {}
    text = gzip.decompress(shared_data(f"{IP_DATA}/ipasn_20140513.dat.gz").read_bytes()).decode()
    for line in text.splitlines():
        if line.startswith(";") or not line.strip():
            continue
        prefix, asn = line.split("\t")
        net = ipaddress.IPv4Network(prefix, strict=False)
        prefixes[(net.prefixlen, int(net.network_address))] = int(asn)
    names_raw = gzip.decompress(shared_data(f"{IP_DATA}/asnames.json.gz").read_bytes())
    names = {int(k): v for k, v in json.loads(names_raw).items()}
    hosting = []
    with shared_data(f"{IP_DATA}/ipcat-datacenters.csv").open(newline="") as fh:
        rows = list(csv.reader(fh))
    for start, end, provider, _url in rows:
        hosting.append(
            (int(ipaddress.IPv4Address(start)), int(ipaddress.IPv4Address(end)), provider)
        )
    return {
        "prefixes": prefixes,
        "names": names,
        "hosting": hosting,
        "starts": sorted({p[1] for p in prefixes}),
    }


def expected(ref: dict[str, object], ip: int) -> tuple[str, str | None, int | None]:
    """(kind, org, asn) by brute force: reserved, then hosting, then the longest prefix."""
    addr = ipaddress.IPv4Address(ip)
    prefixes: dict[tuple[int, int], int] = ref["prefixes"]  # type: ignore[assignment]
    names: dict[int, str] = ref["names"]  # type: ignore[assignment]
    hosting: list[tuple[int, int, str]] = ref["hosting"]  # type: ignore[assignment]
    asn = next(
        (
            prefixes[(n, ip & ~((1 << (32 - n)) - 1) & 0xFFFFFFFF)]
            for n in range(32, -1, -1)
            if (n, ip & ~((1 << (32 - n)) - 1) & 0xFFFFFFFF) in prefixes
        ),
        None,
    )
    if any(addr in net for net in _RESERVED if net.version == 4):
        return ("unknown", None, asn)
    covering = [(s, -e, i, p) for i, (s, e, p) in enumerate(hosting) if s <= ip <= e]
    if covering:
        return ("hosting", max(covering)[3], asn)
    if asn is None:
        return ("unknown", None, None)
    name = names.get(asn)
    if name is None:
        return ("unknown", None, asn)
    return (classify_name(name).kind, short_name(name), asn)


def _check(resolver: IpResolver, ref: dict[str, object], ips: Sequence[int]) -> None:
    table = resolver.lookup_many([str(ipaddress.IPv4Address(i)) for i in ips])
    assert table.column_names == list(COLUMNS)
    for i, row in zip(ips, table.to_pylist(), strict=True):
        kind, org, asn = expected(ref, i)
        assert (row["kind"], row["org"], row["asn"]) == (kind, org, asn), row
        if kind in NOT_A_COMPANY or kind == "unknown":
            assert row["confidence"] == 0.0
        else:
            assert 0.0 < row["confidence"] < OWN_CONFIDENCE


# --- the acceptance examples ----------------------------------------------------------------


@pytest.mark.parametrize("ip", ["8.8.8.8", "74.125.224.72", "66.249.66.1"])
def test_a_prefix_announced_by_as15169_is_google(real: IpResolver, ip: str) -> None:
    found = real.lookup(ip)
    assert (found.org, found.asn, found.kind) == ("Google Inc.", 15169, "company")
    assert found.source == "ipasn_20140513.dat.gz"
    assert found.confidence == 0.7
    assert "AS15169" in found.reason


def test_hosting_ranges_are_flagged_not_a_company(real: IpResolver) -> None:
    found = real.lookup("23.20.0.1")  # an Amazon AWS range in ipcat
    assert (found.kind, found.org, found.confidence) == ("hosting", "Amazon AWS", 0.0)
    assert found.source == "ipcat-datacenters.csv"
    assert "hosting/datacenter range" in found.reason and "not a company" in found.reason
    assert found.asn == 14618  # the network's ASN still shows


@pytest.mark.parametrize(
    ("ip", "kind", "org", "says"),
    [
        ("73.0.0.1", "isp", "Comcast Cable Communications, Inc.", "ISP"),
        ("18.0.0.1", "education", "Massachusetts Institute of Technology", "university"),
        ("128.32.0.1", "education", "University of California at Berkeley", "university"),
    ],
)
def test_isps_and_education_are_not_companies(
    real: IpResolver, ip: str, kind: str, org: str, says: str
) -> None:
    found = real.lookup(ip)
    assert (found.kind, found.org, found.confidence) == (kind, org, 0.0)
    assert says in found.reason and "not a company" in found.reason


def test_private_addresses_are_unknown_with_the_reason(real: IpResolver) -> None:
    found = real.lookup("192.168.1.20")
    assert (found.kind, found.org, found.source) == ("unknown", None, None)
    assert "192.168.0.0/16" in found.reason


def test_ipv4_mapped_ipv6_and_white_space_answer_as_ipv4(real: IpResolver) -> None:
    rows = real.lookup_many(["::ffff:8.8.8.8", " 8.8.8.8 ", "8.8.8.8"]).to_pylist()
    assert {(r["org"], r["asn"]) for r in rows} == {("Google Inc.", 15169)}


def test_ipv6_without_ipv6_data_is_unknown(real: IpResolver) -> None:
    found = real.lookup("2001:4860:4860::8888")
    assert (found.kind, found.org) == ("unknown", None)
    assert found.reason == "no loaded IP data covers this address"


@pytest.mark.parametrize("bad", ["8.8.8", "256.1.1.1", "8.8.8.8/24", "", "google.com", "1::2::3"])
def test_bad_addresses_are_invalid_input_naming_them(real: IpResolver, bad: str) -> None:
    with pytest.raises(InvalidInput, match="is not an IPv4 or IPv6 address") as info:
        real.lookup_many(["8.8.8.8", bad])
    assert repr(bad) in info.value.message and "position 2" in info.value.message
    assert info.value.field == "ip"


def test_bad_addresses_are_counted(real: IpResolver) -> None:
    with pytest.raises(InvalidInput, match=r"\(and 1 more\)"):
        real.lookup_many(["x", "8.8.8.8", "y"])


def test_no_data_loaded_says_how_to_add_some() -> None:
    found = IpResolver().lookup("8.8.8.8")
    assert found.kind == "unknown" and "leadqual ipdata add" in found.reason


def test_ip2asn_names_networks_itself() -> None:
    resolver = IpResolver([loaded(shared_data(f"{IP_DATA}/iptoasn-ip2asn-v4.sample.tsv"))])
    found = resolver.lookup("1.1.1.2")
    assert (found.asn, found.org, found.kind) == (13335, "Cloudflare, Inc.", "hosting")


# --- against brute force --------------------------------------------------------------------


def test_known_addresses_match_the_brute_force_reference(
    real: IpResolver, reference: dict[str, object]
) -> None:
    hosting: list[tuple[int, int, str]] = reference["hosting"]  # type: ignore[assignment]
    starts: list[int] = reference["starts"]  # type: ignore[assignment]
    ips = [s for s, _, _ in hosting[::50]] + [e for _, e, _ in hosting[::50]] + starts[::2000]
    ips += [s - 1 for s in starts[::2000] if s] + [0, 2**32 - 1]
    _check(real, reference, ips)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_addresses_match_the_brute_force_reference(
    real: IpResolver, reference: dict[str, object], data: st.DataObject
) -> None:
    starts: list[int] = reference["starts"]  # type: ignore[assignment]
    near = st.builds(
        lambda s, d: max(0, min(2**32 - 1, s + d)), st.sampled_from(starts), st.integers(-2, 300)
    )
    ips = data.draw(st.lists(st.one_of(st.integers(0, 2**32 - 1), near), min_size=1, max_size=40))
    _check(real, reference, ips)


def _own_csv(tmp: Path, blocks: list[tuple[str, str]]) -> Path:
    path = tmp / "own.csv"
    path.write_text("cidr,domain\n" + "".join(f"{c},{d}\n" for c, d in blocks), encoding="utf-8")
    return path


def _own_expected(
    blocks: list[tuple[str, str]], addr: ipaddress.IPv4Address | ipaddress.IPv6Address
) -> str | None:
    nets = [(ipaddress.ip_network(c), d) for c, d in blocks]
    covering = [
        (n.prefixlen, i, d)
        for i, (n, d) in enumerate(nets)
        if n.version == addr.version and addr in n
    ]
    return max(covering)[2] if covering else None


def _block(family: int) -> st.SearchStrategy[str]:
    bits = 32 if family == 4 else 128
    low = 8 if family == 4 else 16
    return st.builds(
        lambda value, length: str(
            (ipaddress.IPv4Network if family == 4 else ipaddress.IPv6Network)(
                (value >> (bits - length) << (bits - length), length)
            )
        ),
        st.integers(0, 2**bits - 1),
        st.integers(low, bits),
    )


@pytest.mark.parametrize("family", [4, 6])
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_own_cidr_lists_win_like_the_longest_prefix(
    tmp_path: Path, family: int, data: st.DataObject
) -> None:
    domains = st.sampled_from(["acme.com", "beta.io", "gamma.co.uk", "delta.net"])
    blocks = data.draw(st.lists(st.tuples(_block(family), domains), min_size=1, max_size=12))
    resolver = IpResolver([loaded(_own_csv(tmp_path, blocks))])
    bits = 32 if family == 4 else 128
    inside = st.builds(
        lambda b, off: (
            int(ipaddress.ip_network(b).network_address)
            + off % ipaddress.ip_network(b).num_addresses
        ),
        st.sampled_from([b for b, _ in blocks]),
        st.integers(0, 2**bits),
    )
    ints = data.draw(
        st.lists(st.one_of(inside, st.integers(0, 2**bits - 1)), min_size=1, max_size=30)
    )
    make = ipaddress.IPv4Address if family == 4 else ipaddress.IPv6Address
    addrs = [make(i) for i in ints]
    rows = resolver.lookup_many([str(a) for a in addrs]).to_pylist()
    for addr, row in zip(addrs, rows, strict=True):
        if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
            continue  # answered as IPv4
        domain = _own_expected(blocks, addr)
        if domain is not None:
            assert (row["kind"], row["domain"], row["confidence"]) == ("company", domain, 1.0)
            assert row["source"] == "own.csv"
        else:
            assert row["kind"] == "unknown" and row["domain"] is None


# --- precedence -----------------------------------------------------------------------------


def test_own_cidr_wins_over_hosting_and_networks(tmp_path: Path, real: IpResolver) -> None:
    own = _own_csv(
        tmp_path,
        [
            ("8.8.8.0/24", "google.com"),
            ("23.20.0.0/16", "ourcloud.io"),
            ("2001:db8:42::/48", "acme.com"),
            ("10.1.0.0/16", "acme.com"),
        ],
    )
    resolver = IpResolver([loaded(own), *real.datasets])
    google = resolver.lookup("8.8.8.8")
    assert (google.kind, google.domain, google.confidence, google.source) == (
        "company",
        "google.com",
        OWN_CONFIDENCE,
        "own.csv",
    )
    assert google.asn == 15169  # the network's ASN is kept beside the own answer
    assert "own CIDR list" in google.reason
    assert resolver.lookup("23.20.1.1").domain == "ourcloud.io"
    assert resolver.lookup("2001:db8:42:1::9").domain == "acme.com"
    assert resolver.lookup("::ffff:10.1.2.3").domain == "acme.com"  # an office's private range
    assert resolver.lookup("23.21.0.1").kind == "hosting"  # outside the own block


def test_mmdb_layouts_and_ipv6(tmp_path: Path) -> None:
    resolver = IpResolver([loaded(write_mmdb(tmp_path / "isp.mmdb"))])
    acme = resolver.lookup("93.184.216.34")
    assert (acme.org, acme.kind, acme.confidence, acme.asn) == ("Acme Corp", "company", 0.8, 3356)
    google = resolver.lookup("2a00:1450:4001::1")
    assert (google.org, google.kind, google.confidence) == ("Google LLC", "company", 0.7)
    linode = resolver.lookup("::ffff:45.33.1.1")
    assert (linode.kind, linode.domain) == ("hosting", "linode.com")
    assert "types this network as 'hosting'" in linode.reason


def test_the_newest_network_dataset_wins(tmp_path: Path) -> None:
    old = tmp_path / "old.tsv"
    old.write_text("9.9.9.0\t9.9.9.255\t19281\tUS\tQUAD9-AS-1 - Quad9, US\n", encoding="utf-8")
    new = tmp_path / "new.tsv"
    new.write_text("9.9.9.0\t9.9.9.255\t64500\tUS\tEXAMPLE - Example Corp, US\n", encoding="utf-8")
    resolver = IpResolver([loaded(new), loaded(old)])  # load_resolver: newest first
    assert resolver.lookup("9.9.9.9").asn == 64500


def test_a_shared_looking_name_is_a_weak_company_match(tmp_path: Path) -> None:
    path = tmp_path / "net.tsv"
    path.write_text(
        "5.5.5.0\t5.5.5.255\t64501\tGB\tNORTHWIND-GROUP - Northwind Group Holding\n",
        encoding="utf-8",
    )
    found = IpResolver([loaded(path)]).lookup("5.5.5.5")
    assert (found.kind, found.confidence) == ("company", 0.3)
    assert "shared" in found.reason
