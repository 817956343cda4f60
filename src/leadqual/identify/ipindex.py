"""A sorted-range index over IPv4 and IPv6 addresses, looked up in batches with numpy.

Ranges may nest (a /24 announced inside a /16) or overlap; ``build_index`` flattens them into
disjoint segments, each owned by the covering range that starts last (the most specific prefix;
among ranges with the same start, the shortest; among identical ranges, the last given). The
index keeps only the segment starts (the first is always address 0) and a value per segment
(``-1`` where no range covers), so one ``searchsorted`` answers a whole batch:

>>> index = build_index(4, [(0x0A000000, 0x0AFFFFFF, 7), (0x0A010000, 0x0A0100FF, 8)])
>>> index.lookup(np.array([0x0A000001, 0x0A010002, 0x0B000000], dtype=np.uint32)).tolist()
[7, 8, -1]

IPv4 keys are ``uint32``; IPv6 keys are the structured ``V6`` dtype (high and low 64 bits),
which numpy compares field by field, so ``searchsorted`` orders them as 128-bit numbers.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "V6",
    "ParsedAddresses",
    "RangeIndex",
    "build_index",
    "parse_addresses",
    "v6_keys",
]

V6 = np.dtype([("hi", "<u8"), ("lo", "<u8")])
_MASK64 = (1 << 64) - 1
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_V4_PATTERN = rf"^{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}$"
# Below this many addresses, Arrow's per-call overhead (~1 ms for the regex, split and casts)
# outweighs parsing one by one: the collector's groups are mostly this small.
_SMALL_BATCH = 64


def v6_keys(values: Iterable[int]) -> np.ndarray:
    """128-bit integers as an array of the ``V6`` dtype."""
    ints = list(values)
    out = np.empty(len(ints), dtype=V6)
    out["hi"] = np.fromiter((v >> 64 for v in ints), dtype=np.uint64, count=len(ints))
    out["lo"] = np.fromiter((v & _MASK64 for v in ints), dtype=np.uint64, count=len(ints))
    return out


@dataclass(frozen=True)
class RangeIndex:
    """Disjoint segments of one address family: ``starts`` sorted (``starts[0] == 0``) and the
    ``values`` owning each segment (``-1``: not covered)."""

    family: int
    starts: np.ndarray
    values: np.ndarray

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """The value covering each key (``uint32`` for IPv4, ``V6`` for IPv6), ``-1`` if none."""
        if keys.size == 0:
            return np.empty(0, dtype=np.int32)
        pos = np.searchsorted(self.starts, keys, side="right") - 1
        return self.values[pos]

    @property
    def nbytes(self) -> int:
        return int(self.starts.nbytes + self.values.nbytes)

    @property
    def covered(self) -> int:
        """How many segments carry a value (not gaps)."""
        return int(np.count_nonzero(self.values >= 0))

    def ranges(self) -> list[tuple[int, int, int]]:
        """The covered segments as inclusive ``(start, end, value)``, merged where adjacent."""
        top = (1 << (32 if self.family == 4 else 128)) - 1
        starts = self._ints()
        ends = [s - 1 for s in starts[1:]] + [top]
        values = self.values.tolist()
        return [(s, e, int(v)) for s, e, v in zip(starts, ends, values, strict=True) if v >= 0]

    def _ints(self) -> list[int]:
        if self.family == 4:
            return [int(s) for s in self.starts.tolist()]
        return [(int(h) << 64) | int(lo) for h, lo in self.starts.tolist()]


def empty_index(family: int) -> RangeIndex:
    starts = np.zeros(1, dtype=np.uint32 if family == 4 else V6)
    return RangeIndex(family, starts, np.full(1, -1, dtype=np.int32))


def build_index(family: int, ranges: Sequence[tuple[int, int, int]]) -> RangeIndex:
    """Flatten inclusive ``(start, end, value)`` ranges (values ≥ 0) into a ``RangeIndex``."""
    if family not in (4, 6):
        raise ValueError(f"family must be 4 or 6, not {family}")
    if not ranges:
        return empty_index(family)
    if family == 4:  # fits in int64: let numpy sort (start ascending, end descending, order)
        cols = np.asarray(ranges, dtype=np.int64).reshape(-1, 3)
        order = np.lexsort((np.arange(len(cols)), -cols[:, 1], cols[:, 0])).tolist()
    else:
        order = sorted(range(len(ranges)), key=lambda i: (ranges[i][0], -ranges[i][1], i))
    seg_starts: list[int] = []
    seg_values: list[int] = []

    def emit(start: int, value: int) -> None:
        if seg_values and seg_values[-1] == value:
            return  # adjacent segments with one owner stay one segment
        seg_starts.append(start)
        seg_values.append(value)

    stack: list[tuple[int, int]] = []  # (end, value), starts ascending
    cursor = 0
    emit(0, -1)
    for i in order:
        start, end, value = ranges[i]
        while stack and stack[-1][0] < start:
            top_end, top_value = stack.pop()
            if cursor <= top_end:
                emit(cursor, top_value)
                cursor = top_end + 1
        if cursor < start:
            emit(cursor, stack[-1][1] if stack else -1)
            cursor = start
        stack.append((end, value))
    while stack:
        top_end, top_value = stack.pop()
        if cursor <= top_end:
            emit(cursor, top_value)
            cursor = top_end + 1
    top = (1 << (32 if family == 4 else 128)) - 1
    if cursor <= top:
        emit(cursor, -1)
    # The first emit may have been overwritten by a range starting at 0: drop empty leaders.
    values = np.asarray(seg_values, dtype=np.int32)
    starts = np.asarray(seg_starts, dtype=np.uint32) if family == 4 else v6_keys(seg_starts)
    keep = np.ones(len(seg_starts), dtype=bool)
    keep[:-1] = starts[1:] != starts[:-1]  # a zero-length segment: the later one owns the start
    return RangeIndex(family, starts[keep], values[keep])


@dataclass(frozen=True)
class ParsedAddresses:
    """A batch of addresses as index keys: ``is_v4`` per address, ``v4`` keys (0 where IPv6),
    ``v6`` keys (0 where IPv4), and ``bad``: positions that are not addresses."""

    is_v4: np.ndarray
    v4: np.ndarray
    v6: np.ndarray
    bad: np.ndarray

    def __len__(self) -> int:
        return int(self.is_v4.size)


def _v4_from_strings(arr: pa.Array) -> np.ndarray:
    """Dotted quads (already validated) → ``uint32``, without a Python loop."""
    parts = pc.split_pattern(arr, ".").flatten()
    octets = pc.cast(parts, pa.uint32()).to_numpy(zero_copy_only=False).reshape(-1, 4)
    return (octets[:, 0] << 24) | (octets[:, 1] << 16) | (octets[:, 2] << 8) | octets[:, 3]


def parse_addresses(values: Sequence[str | None] | pa.Array) -> ParsedAddresses:
    """Parse a batch of IP address strings. Dotted-quad IPv4 (the bulk of traffic) is validated
    and converted column-wise by Arrow; the rest (IPv6, IPv4-mapped IPv6) goes through
    ``ipaddress`` one by one. Surrounding white space is ignored."""
    if len(values) <= _SMALL_BATCH:
        return _parse_small(values)
    arr = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    n = len(arr)
    if n and (pc.any(pc.match_substring(arr, " ")).as_py() or arr.null_count):
        arr = pc.utf8_trim_whitespace(arr)
    ok = pc.fill_null(pc.match_substring_regex(arr, _V4_PATTERN), False)
    is_v4 = ok.to_numpy(zero_copy_only=False)
    v4 = np.zeros(n, dtype=np.uint32)
    v6 = np.zeros(n, dtype=V6)
    if is_v4.any():
        v4[is_v4] = _v4_from_strings(arr.filter(ok))
    bad: list[int] = []
    if not is_v4.all():
        rest = np.flatnonzero(~is_v4)
        texts = arr.take(pa.array(rest)).to_pylist()
        v6_pos, v6_ints = [], []
        for pos, text in zip(rest.tolist(), texts, strict=True):
            try:
                addr = ipaddress.ip_address(text) if text else None
            except ValueError:
                addr = None
            if addr is None:
                bad.append(pos)
            elif addr.version == 4:
                v4[pos], is_v4[pos] = int(addr), True
            elif addr.ipv4_mapped is not None:
                v4[pos], is_v4[pos] = int(addr.ipv4_mapped), True
            else:
                v6_pos.append(pos)
                v6_ints.append(int(addr))
        if v6_pos:
            v6[np.asarray(v6_pos)] = v6_keys(v6_ints)
    return ParsedAddresses(is_v4, v4, v6, np.asarray(bad, dtype=np.int64))


def _parse_small(values: Sequence[str | None] | pa.Array) -> ParsedAddresses:
    """``parse_addresses`` for a few addresses, with ``ipaddress`` (which accepts the same
    dotted quads as ``_V4_PATTERN``: no leading zeros, octets up to 255)."""
    if isinstance(values, pa.Array):
        if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
            values = pc.cast(values, pa.string())
        texts: list[str | None] = values.to_pylist()
    else:
        texts = list(values)
    # Trim exactly when the batch path does: when some value has a space or is missing.
    trim = any(t is None or " " in t for t in texts)
    n = len(texts)
    is_v4 = np.zeros(n, dtype=bool)
    v4 = np.zeros(n, dtype=np.uint32)
    v6 = np.zeros(n, dtype=V6)
    bad: list[int] = []
    for pos, raw in enumerate(texts):
        text = raw.strip() if trim and raw is not None else raw
        try:
            addr = ipaddress.ip_address(text) if text else None
        except ValueError:
            addr = None
        if addr is None:
            bad.append(pos)
        elif addr.version == 4:
            v4[pos], is_v4[pos] = int(addr), True
        elif addr.ipv4_mapped is not None:
            v4[pos], is_v4[pos] = int(addr.ipv4_mapped), True
        else:
            v6[pos] = (int(addr) >> 64, int(addr) & _MASK64)
    return ParsedAddresses(is_v4, v4, v6, np.asarray(bad, dtype=np.int64))
