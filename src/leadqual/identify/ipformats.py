"""Reading IP data files, each format detected from its content:

- ``mmdb`` — a MaxMind DB file (GeoLite2-ASN/ISP, IPinfo, DB-IP layouts), read with ``maxminddb``;
- ``ip2asn`` — iptoasn.com ranges: ``start<TAB>end<TAB>asn<TAB>country<TAB>description``;
- ``pyasn`` — a prefix → ASN table: ``;`` comments, then ``prefix/len<TAB>asn`` (may be gzipped);
- ``asnames`` — the ASN → names file beside it: JSON ``{"<asn>": "HANDLE - Org, CC"}`` (gzip);
- ``ipcat`` — hosting/datacenter ranges: ``start,end,provider,url`` (no header);
- ``own_cidr`` — the user's own list: ``cidr,domain[,company]`` (a header row is optional).

A bad file raises ``InvalidInput`` naming the file and line; nothing is loaded from it.

>>> # parse_file(Path("ipasn_20140513.dat.gz")).kind  → 'network'
"""

from __future__ import annotations

import csv
import gzip
import io
import ipaddress
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadqual.errors import InvalidInput
from leadqual.identify.ipindex import parse_addresses
from leadqual.identify.refdata import CompiledData, Records, RecordTable

__all__ = ["FORMATS", "detect_format", "normalise_domain", "parse_file"]

_MMDB_MARKER = b"\xab\xcd\xefMaxMind.com"
_V4_PREFIX = (
    r"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]"
    r"|[1-9]?[0-9])){3}/(3[0-2]|[12]?[0-9])\t[0-9]+\s*$"
)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_CIDR_HEADERS = ("cidr", "network", "prefix", "range", "ip", "subnet")


def _fail(name: str, line: int | None, reason: str) -> InvalidInput:
    where = f"{name}, line {line}" if line is not None else name
    return InvalidInput(
        f"{where}: {reason}. Nothing was loaded from this file; fix it and add it again.",
        field="file",
    )


def _read(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field="file") from exc
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise _fail(path.name, None, f"a broken gzip file ({exc})") from exc
    return data


def _text(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _fail(path.name, line, "not UTF-8 text") from exc


def _first_data_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip() and not line.startswith(("#", ";")):
            return line
    return ""


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")


def _span(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> tuple[int, int, int]:
    """A network as (family, first, last); an IPv4-mapped IPv6 block counts as the IPv4 block
    it maps, as lookups of ``::ffff:a.b.c.d`` are answered from the IPv4 index."""
    lo, hi = int(net.network_address), int(net.broadcast_address)
    if isinstance(net, ipaddress.IPv6Network) and net.subnet_of(_MAPPED):
        return 4, lo & 0xFFFFFFFF, hi & 0xFFFFFFFF
    return net.version, lo, hi


def detect_format(path: Path, data: bytes | None = None) -> str:
    """The format of the IP data file at ``path`` (one of ``FORMATS``)."""
    data = _read(path) if data is None else data
    if _MMDB_MARKER in data[-128 * 1024 :]:
        return "mmdb"
    text = _text(path, data[: 64 * 1024].rsplit(b"\n", 1)[0] if len(data) > 64 * 1024 else data)
    if text.lstrip().startswith("{"):
        return "asnames"
    first = _first_data_line(text)
    tabs = first.split("\t")
    if len(tabs) == 2 and "/" in tabs[0] and tabs[1].strip().isdigit():
        return "pyasn"
    if len(tabs) >= 3 and _is_address(tabs[0]) and _is_address(tabs[1]):
        return "ip2asn"
    cells = next(csv.reader([first]), [])
    if len(cells) >= 3 and _is_address(cells[0]) and _is_address(cells[1]):
        return "ipcat"
    head = {c.strip().lower() for c in cells}
    named = bool(head & {*_CIDR_HEADERS, "domain", "website"})
    if len(cells) >= 2 and ("/" in cells[0] or _is_address(cells[0]) or named):
        return "own_cidr"
    raise _fail(
        path.name,
        None,
        "cannot tell its format: expected a MaxMind DB (.mmdb), an "
        "ip2asn TSV, a prefix → ASN table (prefix/len<TAB>asn) with its ASN names JSON, "
        "hosting ranges (start,end,provider,url) or your own CIDR list (cidr,domain)",
    )


def parse_file(path: Path, *, fmt: str | None = None) -> CompiledData:
    """Read and compile one IP data file (format detected unless ``fmt`` is given)."""
    path = Path(path)
    data = _read(path)
    fmt = fmt or detect_format(path, data)
    if fmt not in FORMATS:
        raise InvalidInput(
            f"unknown IP data format {fmt!r}: one of {', '.join(FORMATS)}", field="format"
        )
    if fmt == "mmdb":
        return _mmdb(path)
    return FORMATS[fmt](path, _text(path, data))


# prefix → ASN (pyasn) -------------------------------------------------------------------------
def _pyasn(path: Path, text: str) -> CompiledData:
    lines = text.splitlines()
    numbers = [i + 1 for i, line in enumerate(lines) if line.strip() and not line.startswith(";")]
    body = pa.array([lines[i - 1] for i in numbers], type=pa.string())
    fast = pc.match_substring_regex(body, _V4_PREFIX).to_numpy(zero_copy_only=False)
    table = RecordTable()
    v4: list[tuple[int, int, int]] = []
    v6: list[tuple[int, int, int]] = []
    if fast.any():
        rows = body.filter(pa.array(fast))
        cells = pc.split_pattern(rows, "\t").flatten()
        prefixes, asns = cells[0::2], pc.cast(pc.utf8_trim_whitespace(cells[1::2]), pa.int64())
        parts = pc.split_pattern(prefixes, "/").flatten()
        parsed = parse_addresses(parts[0::2])
        length = pc.cast(parts[1::2], pa.uint8()).to_numpy(zero_copy_only=False).astype(np.uint64)
        size = np.left_shift(np.uint64(1), np.uint64(32) - length)
        start = parsed.v4.astype(np.uint64) & ~(size - np.uint64(1))
        end = start + size - np.uint64(1)
        asn = asns.to_numpy(zero_copy_only=False)
        distinct, record = np.unique(asn, return_inverse=True)
        ids = np.asarray([table.id(None, int(a)) for a in distinct.tolist()], dtype=np.int64)
        v4 = list(zip(start.tolist(), end.tolist(), ids[record].tolist(), strict=True))
    for pos in np.flatnonzero(~fast).tolist():
        line_no, line = numbers[pos], lines[numbers[pos] - 1]
        cells_ = line.split("\t")
        try:
            net = ipaddress.ip_network(cells_[0].strip(), strict=False)
            asn_ = int(cells_[1])
        except (ValueError, IndexError) as exc:
            raise _fail(
                path.name, line_no, f"expected prefix/len<TAB>asn, got {line[:60]!r}"
            ) from exc
        family, lo, hi = _span(net)
        (v4 if family == 4 else v6).append((lo, hi, table.id(None, asn_)))
    if not v4 and not v6:
        raise _fail(path.name, None, "no prefixes in it")
    return CompiledData.from_ranges("network", "pyasn", len(numbers), table.records, v4, v6)


def _asnames(path: Path, text: str) -> CompiledData:
    try:
        names = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(path.name, exc.lineno, f"not JSON ({exc.msg})") from exc
    if not isinstance(names, dict):
        raise _fail(path.name, 1, 'expected a JSON object {"<asn>": "name"}')
    records = Records()
    for key, name in names.items():
        digits = str(key).upper().removeprefix("AS")
        if not digits.isdigit() or not isinstance(name, str):
            raise _fail(path.name, None, f'entry {key!r}: expected "<asn>": "name"')
        records.asn.append(int(digits))
        records.org.append(name.strip() or None)
        records.domain.append(None)
        records.hint.append(None)
    return CompiledData.names_only("asnames", records)


# ranges: ip2asn TSV, ipcat CSV ---------------------------------------------------------------
def _ranges(
    path: Path,
    rows: list[tuple[int, list[str]]],
    kind: str,
    fmt: str,
    record: Callable[[int, list[str]], tuple[str | None, int, str | None, str | None] | None],
) -> CompiledData:
    starts = parse_addresses([cells[0] for _, cells in rows])
    ends = parse_addresses([cells[1] for _, cells in rows])
    for parsed, col in ((starts, "start"), (ends, "end")):
        if parsed.bad.size:
            line, cells = rows[int(parsed.bad[0])]
            raise _fail(
                path.name,
                line,
                f"the range {col} {cells[0 if col == 'start' else 1]!r} is not an IP address",
            )
    table = RecordTable()
    v4: list[tuple[int, int, int]] = []
    v6: list[tuple[int, int, int]] = []
    s6 = starts.v6.tolist()
    e6 = ends.v6.tolist()
    for i, (line, cells) in enumerate(rows):
        rec = record(line, cells)
        if rec is None:
            continue
        if starts.is_v4[i] != ends.is_v4[i]:
            raise _fail(path.name, line, "the range mixes IPv4 and IPv6")
        if starts.is_v4[i]:
            lo, hi = int(starts.v4[i]), int(ends.v4[i])
        else:
            lo, hi = (s6[i][0] << 64) | s6[i][1], (e6[i][0] << 64) | e6[i][1]
        if hi < lo:
            raise _fail(
                path.name, line, f"the range ends ({cells[1]}) before it starts ({cells[0]})"
            )
        (v4 if starts.is_v4[i] else v6).append((lo, hi, table.id(*rec)))
    if not v4 and not v6:
        raise _fail(path.name, None, "no ranges in it")
    return CompiledData.from_ranges(kind, fmt, len(rows), table.records, v4, v6)


def _ip2asn(path: Path, text: str) -> CompiledData:
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.rstrip("\r").split("\t")
        if len(cells) < 3:
            raise _fail(
                path.name,
                n,
                "expected range_start<TAB>range_end<TAB>asn<TAB>country<TAB>description",
            )
        rows.append((n, cells))

    def record(
        line: int, cells: list[str]
    ) -> tuple[str | None, int, str | None, str | None] | None:
        try:
            asn = int(cells[2].strip().upper().removeprefix("AS"))
        except ValueError as exc:
            raise _fail(path.name, line, f"the ASN {cells[2]!r} is not a number") from exc
        if asn == 0:
            return None  # iptoasn's "Not routed"
        name = cells[4].strip() if len(cells) > 4 and cells[4].strip() else None
        return (None if name == "Not routed" else name, asn, None, None)

    return _ranges(path, rows, "network", "ip2asn", record)


def _ipcat(path: Path, text: str) -> CompiledData:
    rows = []
    for n, cells in enumerate(csv.reader(io.StringIO(text)), 1):
        if not cells or not "".join(cells).strip():
            continue
        if len(cells) < 3:
            raise _fail(path.name, n, "expected ip_start,ip_end,provider,url")
        rows.append((n, cells))
    return _ranges(
        path, rows, "hosting", "ipcat", lambda _n, c: (c[2].strip() or None, 0, None, "hosting")
    )


# the user's own CIDR list ---------------------------------------------------------------------
def normalise_domain(text: str) -> str | None:
    """``https://www.Acme.com/`` → ``acme.com``; ``None`` when it is not a domain."""
    value = text.strip().lower()
    value = re.sub(r"^[a-z]+://", "", value).split("/", 1)[0].removeprefix("www.").rstrip(".")
    return value if _DOMAIN.match(value) else None


def _own_cidr(path: Path, text: str) -> CompiledData:
    reader = list(enumerate(csv.reader(io.StringIO(text)), 1))
    reader = [(n, c) for n, c in reader if c and "".join(c).strip() and not c[0].startswith("#")]
    cidr_col, domain_col, name_col = 0, 1, 2
    if reader and not ("/" in reader[0][1][0] or _is_address(reader[0][1][0])):
        head = [c.strip().lower() for c in reader[0][1]]
        cidr_col = next((i for i, h in enumerate(head) if h in _CIDR_HEADERS), -1)
        domain_col = next((i for i, h in enumerate(head) if h in ("domain", "website")), -1)
        name_col = next(
            (
                i
                for i, h in enumerate(head)
                if h in ("company", "name", "org", "organisation", "organization")
            ),
            -1,
        )
        if cidr_col < 0 or domain_col < 0:
            raise _fail(
                path.name,
                reader[0][0],
                f"the header {reader[0][1]} needs a 'cidr' and a 'domain' column",
            )
        reader = reader[1:]
    table = RecordTable()
    v4: list[tuple[int, int, int]] = []
    v6: list[tuple[int, int, int]] = []
    for n, cells in reader:
        if len(cells) <= max(cidr_col, domain_col):
            raise _fail(path.name, n, "expected cidr,domain[,company]")
        try:
            net = ipaddress.ip_network(cells[cidr_col].strip(), strict=False)
        except ValueError as exc:
            raise _fail(
                path.name, n, f"{cells[cidr_col]!r} is not a CIDR block (e.g. 203.0.113.0/24)"
            ) from exc
        domain = normalise_domain(cells[domain_col])
        if domain is None:
            raise _fail(path.name, n, f"{cells[domain_col]!r} is not a web domain (e.g. acme.com)")
        name = cells[name_col].strip() if 0 <= name_col < len(cells) else ""
        family, lo, hi = _span(net)
        (v4 if family == 4 else v6).append((lo, hi, table.id(name or None, 0, domain, "business")))
    if not v4 and not v6:
        raise _fail(path.name, None, "no CIDR blocks in it")
    return CompiledData.from_ranges("own", "own_cidr", len(reader), table.records, v4, v6)


# MaxMind DB -----------------------------------------------------------------------------------
def _asn_number(value: Any) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        digits = value.strip().upper().removeprefix("AS")
        return int(digits) if digits.isdigit() else 0
    return 0


def mmdb_record(rec: Any) -> tuple[str | None, int, str | None, str | None]:
    """(org, asn, domain, hint) from one MaxMind-format record, whichever vendor's layout."""
    if not isinstance(rec, dict):
        return (None, 0, None, None)
    for nested in ("company", "asn", "traits"):
        inner = rec.get(nested)
        if isinstance(inner, dict):  # IPinfo's company/asn objects, GeoIP2's traits
            merged = {**inner, **{k: v for k, v in rec.items() if not isinstance(v, dict)}}
            if nested == "asn":
                merged["asn"] = inner.get("asn")
            org, asn, domain, hint = mmdb_record(merged)
            if org or asn:
                return (org, asn, domain, hint)
    isp = rec.get("isp")
    organization = rec.get("organization")
    org = (
        organization
        or isp
        or rec.get("autonomous_system_organization")
        or rec.get("name")
        or rec.get("as_name")
    )
    asn = _asn_number(rec.get("autonomous_system_number") or rec.get("asn"))
    domain = rec.get("domain") or rec.get("as_domain")
    hint = rec.get("type") or rec.get("user_type") or rec.get("usage_type")
    connection = rec.get("connection_type")
    if not hint and (rec.get("mobile_country_code") or connection == "Cellular"):
        hint = "cellular"
    if not hint and organization and isp and organization != isp:
        hint = "business"  # the database names the network's user, not only its carrier
    domain = normalise_domain(domain) if isinstance(domain, str) else None
    return (str(org) if org else None, asn, domain, str(hint) if hint else None)


def _mmdb(path: Path) -> CompiledData:
    import maxminddb
    from maxminddb.errors import InvalidDatabaseError

    table = RecordTable()
    v4: list[tuple[int, int, int]] = []
    v6: list[tuple[int, int, int]] = []
    try:
        with maxminddb.open_database(str(path)) as reader:
            for net, rec in reader:
                org, asn, domain, hint = mmdb_record(rec)
                if not org and not asn:
                    continue
                family, lo, hi = _span(net)
                (v4 if family == 4 else v6).append((lo, hi, table.id(org, asn, domain, hint)))
    except (InvalidDatabaseError, ValueError, OSError) as exc:
        raise _fail(path.name, None, f"not a readable MaxMind DB ({exc})") from exc
    if not v4 and not v6:
        raise _fail(path.name, None, "no networks with an organisation or ASN in it")
    return CompiledData.from_ranges("network", "mmdb", len(v4) + len(v6), table.records, v4, v6)


FORMATS: dict[str, Callable[[Path, str], CompiledData]] = {
    "mmdb": lambda path, _text: _mmdb(path),
    "ip2asn": _ip2asn,
    "pyasn": _pyasn,
    "asnames": _asnames,
    "ipcat": _ipcat,
    "own_cidr": _own_cidr,
}
