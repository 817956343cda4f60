"""IP → network lookups (issue 5): leadqual's range index, built by its own loader from the real
prefix → ASN table in ../shared/data (512k prefixes), against the ``maxminddb`` C reader on an
mmdb written from the very same ranges (with ``mmdb-writer`` from PyPI). Both answer the same
random IPv4 addresses in one process; their ASNs are checked to agree before any rate is shown.

leadqual is timed in batch, from integer keys (``RangeIndex.lookup``) and from strings
(``parse_addresses``, which reads dotted quads from the Arrow string bytes with numpy, then the
lookup); maxminddb one ``Reader.get`` per address, as it is used. The index's block table is
built by its first large lookup (the agreement check, a few ms), like the mmdb being opened: the
timings leave both out, and the memory figure includes the table.

    python -m bench.ip_lookup [--quick] [--lookups N] [--prefixes N]

Needs ``maxminddb`` (a leadqual dependency) and, for the bench only, ``mmdb-writer``
(``pip install mmdb-writer``).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import ipaddress
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from bench.report import emit
from leadqual.identify.ipformats import parse_file
from leadqual.identify.ipindex import RangeIndex, parse_addresses
from leadqual.identify.refdata import CompiledData

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ip-to-asn-org"
PREFIXES = DATA / "ipasn_20140513.dat.gz"
SEED = 11
AGREE_SAMPLE = 100_000


def load_prefixes(path: Path, limit: int | None, tmp: Path) -> CompiledData:
    """The table through leadqual's loader; ``limit`` keeps its first prefixes (toy runs)."""
    if limit is None:
        return parse_file(path)
    with gzip.open(path, "rt") as f:
        lines = [line for line in f if not line.startswith(";")][:limit]
    small = tmp / "prefixes.dat"
    small.write_text("".join(lines))
    return parse_file(small)


def write_mmdb(data: CompiledData, path: Path) -> int:
    """The index's covered segments as an mmdb (GeoLite2-ASN layout); how many networks."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(4, "GeoLite2-ASN", languages=["en"], description="leadqual bench")
    records: dict[int, dict[str, int]] = {}
    networks = 0
    for start, end, value in data.v4.ranges():
        record = records.setdefault(value, {"autonomous_system_number": data.records.asn[value]})
        first, last = ipaddress.IPv4Address(start), ipaddress.IPv4Address(end)
        for net in ipaddress.summarize_address_range(first, last):
            writer.insert_network(IPSet([str(net)]), record)
            networks += 1
    writer.to_db_file(str(path))
    return networks


def open_c_reader(path: Path) -> Any:
    """The maxminddb reader, refusing the pure-Python one (it would flatter leadqual)."""
    import maxminddb

    reader = maxminddb.open_database(str(path), maxminddb.MODE_MMAP_EXT)
    if type(reader).__module__ != "maxminddb.extension":
        raise SystemExit(f"maxminddb gave {type(reader)!r}, not its C extension")
    return reader


def best_rate(fn: Any, n: int, repeat: int) -> float:
    """Lookups per second of ``fn()`` (which does ``n`` lookups), best of ``repeat``."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return n / best


def asns(index: RangeIndex, data: CompiledData, keys: np.ndarray) -> np.ndarray:
    values = index.lookup(keys)
    out = np.asarray(data.records.asn, dtype=np.int64)[np.maximum(values, 0)]
    out[values < 0] = 0
    return out


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1M lookups, fewer repeats")
    parser.add_argument("--lookups", type=int, default=4_000_000)
    parser.add_argument("--baseline-lookups", type=int, default=1_000_000)
    parser.add_argument("--prefixes", type=int, default=None, help="first N prefixes only")
    parser.add_argument("--data", type=Path, default=PREFIXES)
    args = parser.parse_args(argv)
    if not args.data.exists():
        print(f"bench.ip_lookup skipped: {args.data} is missing (the shared IP data)")
        return []
    if importlib.util.find_spec("mmdb_writer") is None:
        print("bench.ip_lookup skipped: its baseline needs mmdb-writer (pip install mmdb-writer)")
        return []
    if args.quick:
        args.lookups, args.baseline_lookups = 1_000_000, 300_000
    repeat = 3 if args.quick else 5
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="leadqual-ip-") as tmp:
        t = time.perf_counter()
        data = load_prefixes(args.data, args.prefixes, Path(tmp))
        load_s = time.perf_counter() - t
        index = data.v4
        t = time.perf_counter()
        networks = write_mmdb(data, Path(tmp) / "asn.mmdb")
        mmdb_s = time.perf_counter() - t
        mmdb_mb = (Path(tmp) / "asn.mmdb").stat().st_size / 2**20
        reader = open_c_reader(Path(tmp) / "asn.mmdb")

        rng = np.random.default_rng(SEED)
        keys = rng.integers(0, 2**32, args.lookups, dtype=np.uint64).astype(np.uint32)
        texts = [str(ipaddress.IPv4Address(k)) for k in keys.tolist()]
        strings = pa.array(texts, pa.string())
        base_texts = texts[: args.baseline_lookups]

        # The same answers first: leadqual's ASN and maxminddb's, on a sample.
        sample = min(AGREE_SAMPLE, keys.size)
        ours_asn = asns(index, data, keys[:sample])
        theirs = [reader.get(s) for s in texts[:sample]]
        their_asn = np.asarray([r["autonomous_system_number"] if r else 0 for r in theirs])
        if not np.array_equal(ours_asn, their_asn):
            bad = int(np.flatnonzero(ours_asn != their_asn)[0])
            raise SystemExit(
                f"ip_lookup: {texts[bad]} → AS{ours_asn[bad]} (leadqual) "
                f"but AS{their_asn[bad]} (maxminddb)"
            )
        parsed = parse_addresses(strings)
        if parsed.bad.size or not np.array_equal(parsed.v4, keys):
            raise SystemExit("ip_lookup: parse_addresses did not read the addresses back")

        get = reader.get
        ints_rate = best_rate(lambda: index.lookup(keys), keys.size, repeat)
        strs_rate = best_rate(lambda: index.lookup(parse_addresses(strings).v4), keys.size, repeat)
        base_rate = best_rate(lambda: [get(s) for s in base_texts], len(base_texts), 2)
        reader.close()

    print(
        f"{data.rows:,} prefixes → {index.starts.size:,} segments in {load_s:.1f} s "
        f"(leadqual loader); mmdb of {networks:,} networks written in {mmdb_s:.1f} s"
    )
    print(f"{'':36}{'lookups/s':>12}{'× maxminddb':>13}")
    for name, rate in (
        ("leadqual index, uint32 keys (batch)", ints_rate),
        ("leadqual index, strings (batch)", strs_rate),
        ("maxminddb C reader (per lookup)", base_rate),
    ):
        print(f"{name:36}{rate / 1e6:11.2f}M{rate / base_rate:12.1f}×")
    print(f"index {index.nbytes / 2**20:.1f} MB in memory; the mmdb file {mmdb_mb:.1f} MB")
    goal = ">= 3M/s and >= 4x maxminddb"
    common = {"prefixes": data.rows, "segments": int(index.starts.size), "lookups": keys.size}
    lines = [
        emit(
            name,
            rate,
            "maxminddb C reader",
            base_rate,
            unit="lookups/s",
            goal=goal,
            met=rate >= 3e6 and rate >= 4 * base_rate,
            **common,
        )
        for name, rate in (
            ("ip_lookup_batch_ints", ints_rate),
            ("ip_lookup_batch_strings", strs_rate),
        )
    ]
    lines.append(
        emit(
            "ip_index_memory",
            index.nbytes / 2**20,
            "mmdb file",
            mmdb_mb,
            unit="MB",
            goal="< 64 MB",
            met=index.nbytes < 64 * 2**20,
            **common,
        )
    )
    print(f"bench.ip_lookup done in {time.perf_counter() - t0:.0f} s")
    return lines


if __name__ == "__main__":
    main()
