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
which numpy compares field by field, so ``searchsorted`` orders them as 128-bit numbers. A large
IPv4 batch on a large index first reads a table of address blocks, and searches only the keys
whose block holds the start of a segment.

``parse_addresses`` turns a batch of address strings into those keys. Dotted quads are read
with numpy straight from the strings' bytes (an Arrow array's buffers, or a list joined into one
buffer), with no Python object per address; anything else goes to ``ipaddress``, which decides
what is an address and what is not:

>>> parse_addresses(["203.0.113.7", "::ffff:10.0.0.1", "2001:db8::1", "10.1.2.300"]).bad.tolist()
[3]
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, cast

import numpy as np

if TYPE_CHECKING:
    import pyarrow as pa

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
# Below this many addresses, the numpy passes (a fixed few tens of µs) cost more than parsing one
# by one with ``ipaddress`` (a few µs an address).
_VECTOR_FROM = 16
# Dotted quads are read this many at a time: a chunk's temporaries (~1 MB) stay in the L2 cache,
# which makes the numpy passes several times faster than over the whole batch at once.
_QUAD_CHUNK = 1 << 14
_QUAD_BYTES = 16  # the longest dotted quad is 15 characters; each string is read as 16 bytes
# IPv4 lookups of large batches on large indexes first read a table of 2**16 blocks (256 KB,
# built on first use in a few ms): on the RouteViews table 79% of addresses lie in a block that a
# single segment covers, and need no search. Below this many keys or segments, searching is
# cheaper. (2**18 blocks, 1 MB, would answer 88%: a little faster, four times the memory.)
_BLOCK_BITS = 16
_BLOCKS_FROM = 4096
_MIXED = -2  # a block table entry: segments start inside the block, search it


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
        if (
            keys.size >= _BLOCKS_FROM
            and self.starts.size >= _BLOCKS_FROM
            and keys.dtype == np.uint32
        ):
            # Most keys fall in a block that one segment covers whole: one read answers them.
            # Only the others are searched (a search is ~100 ns of cache misses on a big index).
            found = self._blocks[keys >> np.uint32(32 - _BLOCK_BITS)]
            mixed = np.flatnonzero(found == _MIXED)
            if mixed.size:
                found[mixed] = self._search(keys[mixed])
            return found
        return self._search(keys)

    def _search(self, keys: np.ndarray) -> np.ndarray:
        return self.values[np.searchsorted(self.starts, keys, side="right") - 1]

    @cached_property
    def _blocks(self) -> np.ndarray:
        """Per block of ``2**(32 - _BLOCK_BITS)`` IPv4 addresses, the value of the segment that
        covers all of it, or ``_MIXED`` where a segment starts inside (built on first use)."""
        size = 1 << (32 - _BLOCK_BITS)
        firsts = np.arange(0, 1 << 32, size, dtype=np.uint64)
        first = np.searchsorted(self.starts, firsts.astype(np.uint32), side="right")
        last = np.searchsorted(self.starts, (firsts + (size - 1)).astype(np.uint32), side="right")
        # One segment holds a block's first and its last address: it holds the whole block.
        return np.where(first == last, self.values[first - 1], _MIXED).astype(np.int32)

    @property
    def nbytes(self) -> int:
        """Memory held: the segments, and the IPv4 block table once a large batch has built it."""
        blocks = self.__dict__.get("_blocks")
        return int(
            self.starts.nbytes + self.values.nbytes + (0 if blocks is None else blocks.nbytes)
        )

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


@cache
def _quad_shapes() -> tuple[np.ndarray, np.ndarray]:
    """The 81 shapes of a dotted quad (one to three digits per octet), as two tables.

    ``shape_of[key]`` numbers the shape (0: not a dotted quad), where ``key`` has a bit per dot
    before the string's end and one bit at its length. ``last_digits[shape]`` packs the positions
    of the four octets' last digits as four ``uint16`` in one ``uint64``."""
    shape_of = np.zeros(1 << (_QUAD_BYTES + 1), dtype=np.uint8)
    last = np.zeros((82, 4), dtype=np.uint16)
    shape = 0
    for a in (1, 2, 3):
        for b in (1, 2, 3):
            for c in (1, 2, 3):
                for d in (1, 2, 3):
                    shape += 1
                    length = a + b + c + d + 3
                    dots = (1 << a) | (1 << (a + b + 1)) | (1 << (a + b + c + 2))
                    shape_of[dots | (1 << length)] = shape
                    last[shape] = (a - 1, a + b, a + b + c + 1, length - 1)
    return shape_of, last.view(np.uint64).ravel()


def _quad_chunk(rows: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dotted quads among ``m`` strings, given as their first 16 bytes each (``rows``, flat: what
    follows a string's end is the next string, never looked at) and their lengths: which are
    quads ``ipaddress`` accepts (digits and exactly three dots, 1–3 digits per octet, no leading
    zero, octets up to 255) and their ``uint32`` values."""
    shape_of, last_digits = _quad_shapes()
    m = lengths.size
    digit = rows - np.uint8(48)
    is_digit = digit < 10
    # Per string, one bit per byte: dots, digits, zeros (np.packbits over 16 bools is 2 bytes).
    dots = np.packbits(rows == 46, bitorder="little").view("<u2").astype(np.int32)
    digits = np.packbits(is_digit, bitorder="little").view("<u2").astype(np.int32)
    zeros = np.packbits(digit == 0, bitorder="little").view("<u2").astype(np.int32)
    length = np.minimum(lengths, _QUAD_BYTES).astype(np.int32)  # 16: too long, no shape has it
    end = np.left_shift(1, length, dtype=np.int32)
    inside = end - 1
    digits &= inside
    shape = shape_of[(dots & inside) | end]
    ok = (shape != 0) & ((digits | dots) & inside == inside)
    octet_starts = ((dots << 1) | 1) & inside
    ok &= (zeros & octet_starts & (digits >> 1)) == 0  # a 0 followed by a digit: leading zero
    # Each byte's value as the last digit of an octet: itself, plus ten times the byte before,
    # plus a hundred times the one before that when the byte between is a digit too (a dot has
    # no value, and stops a one-digit octet from taking in the previous octet's last digit).
    # Shifting the flat array mixes a string's first bytes with the previous string's last two:
    # the last byte is made a non-digit, so nothing crosses.
    is_digit[_QUAD_BYTES - 1 :: _QUAD_BYTES] = False
    digit *= is_digit
    value = digit.astype(np.uint16)
    value[1:] += digit[:-1] * np.uint8(10)
    hundreds = digit[:-2] * is_digit[1:-1]
    value[2:] += hundreds.astype(np.uint16) * np.uint16(100)
    row_base = np.repeat(np.arange(0, m * _QUAD_BYTES, _QUAD_BYTES, dtype=np.intp), 4)
    octets = value[row_base + last_digits[shape].view(np.uint16)]
    ok &= ~(octets > 255).view(np.uint32).astype(bool)
    # Four octets, most significant first, are the address's bytes in network (big-endian) order.
    return ok, octets.astype(np.uint8).view(">u4").astype(np.uint32)


def _arrow_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A string array's offsets (``n + 1``) and bytes, as numpy views of its Arrow buffers."""
    import pyarrow as pa

    _validity, offsets_buf, data_buf = arr.buffers()
    wide = pa.types.is_large_string(arr.type)
    offsets = np.frombuffer(
        offsets_buf,
        dtype=np.int64 if wide else np.int32,
        count=len(arr) + 1,
        offset=arr.offset * (8 if wide else 4),
    )
    data = np.zeros(0, np.uint8) if data_buf is None else np.frombuffer(data_buf, np.uint8)
    return offsets.astype(np.intp), data


def _list_buffers(values: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """Strings as the same offsets and bytes, without Arrow (whose first ``pa.array`` from a list
    imports pandas: ~80 MB for a collector worker). What cannot be a dotted quad (missing, not
    ASCII) is given as an empty string."""
    texts = cast(Sequence[str], values)  # until join says otherwise
    try:
        joined = "".join(texts)
    except TypeError:  # a missing value
        texts = [t if isinstance(t, str) else "" for t in values]
        joined = "".join(texts)
    if not joined.isascii():
        texts = [t if t.isascii() else "" for t in texts]
        joined = "".join(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
    offsets = np.zeros(len(texts) + 1, dtype=np.intp)
    np.cumsum(lengths, out=offsets[1:])
    return offsets, np.frombuffer(joined.encode("ascii"), np.uint8)


def _dotted_quads(offsets: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which strings (``offsets`` into ``data``) are dotted quads ``ipaddress`` accepts, and their
    ``uint32`` values (0 elsewhere), read with numpy a chunk at a time. Nothing is trimmed: a
    string with white space is not a quad here."""
    n = offsets.size - 1
    ok = np.zeros(n, dtype=bool)
    v4 = np.zeros(n, dtype=np.uint32)
    for first in range(0, n, _QUAD_CHUNK):
        bounds = offsets[first : first + _QUAD_CHUNK + 1]
        lo, hi = int(bounds[0]), int(bounds[-1])
        if hi + _QUAD_BYTES <= data.size:
            chunk = data[lo : hi + _QUAD_BYTES]
        else:  # the last strings: pad, so that every string has 16 bytes to read
            chunk = np.zeros(hi - lo + _QUAD_BYTES, dtype=np.uint8)
            chunk[: hi - lo] = data[lo:hi]
        # 16 bytes from every position: one copy per string reads its first 16.
        windows = np.ndarray(
            (chunk.size - _QUAD_BYTES + 1,), np.dtype(f"V{_QUAD_BYTES}"), chunk, 0, (1,)
        )
        rows = windows[bounds[:-1] - lo].view(np.uint8)
        quad, value = _quad_chunk(rows, bounds[1:] - bounds[:-1])
        ok[first : first + quad.size] = quad
        v4[first : first + quad.size] = np.where(quad, value, np.uint32(0))
    return ok, v4


def parse_addresses(values: Sequence[str | None] | pa.Array) -> ParsedAddresses:
    """Parse a batch of IP address strings (a list or an Arrow string array). Dotted-quad IPv4
    (the bulk of traffic) is validated and converted column-wise with numpy; the rest (IPv6,
    IPv4-mapped IPv6, anything malformed) goes through ``ipaddress`` one by one. Surrounding white
    space is ignored when some value of the batch has a space or is missing (then every value is
    trimmed, as ``str.strip`` does)."""
    arr: pa.Array | None = None
    # Arrow is imported only by whoever made an Arrow array: a collector worker, which parses
    # lists, never loads it (~65 MB of RSS).
    arrow = sys.modules.get("pyarrow")
    if arrow is not None and isinstance(values, arrow.Array):
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = values
        if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
            arr = pc.cast(arr, pa.string())
    n = len(values)
    if n < _VECTOR_FROM:
        is_v4, v4 = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.uint32)
    elif arr is None:
        is_v4, v4 = _dotted_quads(*_list_buffers(values))
    else:
        is_v4, v4 = _dotted_quads(*_arrow_buffers(arr))
        if arr.null_count:  # a missing value may still have bytes behind it
            valid = arr.is_valid().to_numpy(zero_copy_only=False)
            is_v4 &= valid
            v4[~valid] = 0
    v6 = np.zeros(n, dtype=V6)
    bad: list[int] = []
    rest = np.flatnonzero(~is_v4)
    if rest.size:
        if arr is None:
            texts = [values[i] for i in rest.tolist()]
        else:
            texts = (arr if rest.size == n else arr.take(rest)).to_pylist()
        # A dotted quad has no space and is not missing, so this is "some value of the batch".
        trim = any(t is None or " " in t for t in texts)
        v6_pos, v6_ints = [], []
        for pos, raw in zip(rest.tolist(), texts, strict=True):
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
                v6_pos.append(pos)
                v6_ints.append(int(addr))
        if v6_pos:
            v6[np.asarray(v6_pos)] = v6_keys(v6_ints)
    return ParsedAddresses(is_v4, v4, v6, np.asarray(bad, dtype=np.int64))
