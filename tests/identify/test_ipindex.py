"""The range index: its block table against the plain search, and address strings → keys: the
numpy reader of dotted quads against ``ipaddress`` (the reference for what is an address), on
valid IPv4 and IPv6 and on junk that is nearly an address, in batches small and large, as lists
and as Arrow arrays."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadqual.errors import InvalidInput
from leadqual.identify import ipindex
from leadqual.identify.ipindex import (
    ParsedAddresses,
    _arrow_buffers,
    _dotted_quads,
    _list_buffers,
    build_index,
    parse_addresses,
)
from leadqual.identify.resolve import IpResolver

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
FILLER = "198.51.100.7"
BATCH = [FILLER] * ipindex._VECTOR_FROM  # pads a batch past the one-by-one path

octets = st.one_of(
    st.integers(0, 255).map(str),
    st.integers(256, 1000).map(str),  # just past an octet
    st.integers(0, 99).map(lambda v: f"0{v}"),  # a leading zero
    st.sampled_from(["", "00", "000", "0255", "1234", "٣", "1٢", "²", "-1", "+1", "0x1", "1e2"]),
)
near_quads = st.builds(
    lambda parts, before, after: before + ".".join(parts) + after,
    st.lists(octets, min_size=1, max_size=6),
    st.sampled_from(["", "", "", " ", "\t", ".", "::ffff:", "\u00a0"]),
    st.sampled_from(["", "", "", " ", "\n", ".", "\x00", "/24", "%eth0"]),
)
addresses = st.one_of(
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(str),
    st.ip_addresses(v=6).map(lambda a: a.exploded),
    st.ip_addresses(v=4).map(lambda a: f"::ffff:{a}"),
    near_quads,
    st.text(alphabet="0123456789.:abcdefABCDEF %/\t٣", max_size=24),
)


def reference(texts: Sequence[str | None]) -> list[Address | None]:
    """What each value is by ``ipaddress``, under the batch's white-space rule: every value is
    trimmed when one has a space or is missing."""
    trim = any(t is None or " " in t for t in texts)
    out: list[Address | None] = []
    for raw in texts:
        text = raw.strip() if trim and raw is not None else raw
        try:
            out.append(ipaddress.ip_address(text) if text else None)
        except ValueError:
            out.append(None)
    return out


def assert_agrees(parsed: ParsedAddresses, expected: Sequence[Address | None]) -> None:
    assert len(parsed) == len(expected)
    assert parsed.bad.tolist() == [i for i, a in enumerate(expected) if a is None]
    assert not parsed.v4[~parsed.is_v4].any()  # 0 where IPv6 or bad
    for i, addr in enumerate(expected):
        if addr is None:
            continue
        v4 = addr if addr.version == 4 else addr.ipv4_mapped  # type: ignore[union-attr]
        assert bool(parsed.is_v4[i]) == (v4 is not None), (i, addr)
        if v4 is not None:
            assert int(parsed.v4[i]) == int(v4), (i, addr)
        else:
            hi, lo = parsed.v6[i].tolist()
            assert (hi << 64) | lo == int(addr), (i, addr)


def as_input(texts: list[str | None], form: str) -> Sequence[str | None] | pa.Array:
    if form == "list":
        return texts
    if form == "sliced":  # an Arrow array that starts inside its buffers
        return pa.array(["1.1.1.1", *texts, "junk"], pa.string()).slice(1, len(texts))
    return pa.array(texts, pa.large_string() if form == "large" else pa.string())


# --- looking keys up ------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    spans=st.lists(
        st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**26), st.integers(0, 9)),
        max_size=60,
    ),
    bits=st.sampled_from([1, 6, 18]),
    data=st.data(),
)
def test_the_block_table_answers_like_the_search(
    spans: list[tuple[int, int, int]], bits: int, data: st.DataObject
) -> None:
    ranges = [(s, min(s + n, 2**32 - 1), v) for s, n, v in spans]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ipindex, "_BLOCK_BITS", bits)
        mp.setattr(ipindex, "_BLOCKS_FROM", 1)
        index = build_index(4, ranges)
        size = 1 << (32 - bits)
        edges = [e for s, _, _ in ranges for e in (s - 1, s, s + 1)]
        edges += [
            e
            for b in range(0, 1 << bits, max(1, (1 << bits) // 64))
            for e in (b * size - 1, b * size)
        ]
        keys = data.draw(
            st.lists(st.one_of(st.integers(0, 2**32 - 1), st.sampled_from(edges)), min_size=1)
        )
        found = np.clip(keys, 0, 2**32 - 1).astype(np.uint32)
        assert index.lookup(found).tolist() == index._search(found).tolist()


def test_a_large_batch_on_a_large_index_reads_the_block_table() -> None:
    rng = np.random.default_rng(5)
    starts = rng.integers(0, 2**32 - 2**16, 5000)
    ranges = [
        (int(s), int(s) + int(n), i)
        for i, (s, n) in enumerate(zip(starts, rng.integers(0, 2**16, 5000), strict=True))
    ]
    ranges += [(0x0A000000, 0x0AFFFFFF, 5000)]  # a /8: whole blocks in one segment
    index = build_index(4, ranges)
    assert index.starts.size >= ipindex._BLOCKS_FROM
    keys = np.concatenate([rng.integers(0, 2**32, 20_000), starts, starts - 1]).astype(np.uint32)
    before = index.nbytes
    assert index.lookup(keys).tolist() == index._search(keys).tolist()
    assert index.nbytes == before + 4 * 2**ipindex._BLOCK_BITS  # the table, counted once built
    assert index.lookup(keys[:10]).tolist() == index._search(keys[:10]).tolist()


# --- the numpy reader of dotted quads ---------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(addresses, max_size=120),
    chunk=st.sampled_from([1, 3, 64, ipindex._QUAD_CHUNK]),
    arrow=st.booleans(),
)
def test_dotted_quads_are_exactly_what_ipaddress_takes_as_ipv4(
    texts: list[str], chunk: int, arrow: bool
) -> None:
    buffers = _arrow_buffers(pa.array(texts, pa.string())) if arrow else _list_buffers(texts)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ipindex, "_QUAD_CHUNK", chunk)
        ok, values = _dotted_quads(*buffers)
    for text, fast, value in zip(texts, ok.tolist(), values.tolist(), strict=True):
        try:
            want: int | None = int(ipaddress.IPv4Address(text))
        except ValueError:
            want = None
        assert (value if fast else None) == want, text
        assert fast or value == 0


def test_dotted_quads_across_chunks_and_at_the_buffer_end() -> None:
    quads = [str(ipaddress.IPv4Address(i * 104_729 % 2**32)) for i in range(3 * 16_384)]
    texts = [q if i % 7 else q.replace(".", "..", 1) for i, q in enumerate(quads)]
    texts[-1] = "255.255.255.255"  # the last string ends the data buffer
    ok, values = _dotted_quads(*_arrow_buffers(pa.array(texts, pa.string())))
    expected = [int(ipaddress.IPv4Address(t)) if i % 7 else None for i, t in enumerate(texts)]
    assert [v if o else None for o, v in zip(ok.tolist(), values.tolist(), strict=True)] == [
        *expected[:-1],
        2**32 - 1,
    ]


# --- parse_addresses, one by one and in batches -----------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.one_of(addresses, st.none()), max_size=40),
    batch=st.booleans(),
    form=st.sampled_from(["list", "string", "large", "sliced"]),
)
def test_parse_addresses_agrees_with_ipaddress(
    texts: list[str | None], batch: bool, form: str
) -> None:
    if batch:
        texts = texts + BATCH
    assert_agrees(parse_addresses(as_input(texts, form)), reference(texts))


@pytest.mark.parametrize("batch", [False, True])
@pytest.mark.parametrize(
    "bad",
    [
        "01.2.3.4",
        "1.2.3.04",
        "1.2.3.00",
        "1.2.3.256",
        "256.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "1..2.3",
        "1.2.3.4.",
        ".1.2.3.4",
        "1.2.3.4\t",
        "",
        "١.٢.٣.٤",
        "1.2.3.٤",
        "1.2.3.4/24",
        "1234.1.1.1",
        "1.2.3.4\x00",
    ],
)
def test_near_addresses_are_bad_at_their_position(batch: bool, bad: str) -> None:
    texts = ["8.8.8.8", bad, "2001:db8::1"] + (BATCH if batch else [])
    parsed = parse_addresses(texts)
    assert parsed.bad.tolist() == [1]
    assert parsed.is_v4[[0, 2]].tolist() == [True, False]


@pytest.mark.parametrize("batch", [False, True])
def test_white_space_is_trimmed_only_in_a_batch_with_a_space_or_a_gap(batch: bool) -> None:
    tail = BATCH if batch else []
    assert parse_addresses(["\t8.8.8.8", *tail]).bad.tolist() == [0]
    for other in (" 1.1.1.1", None):
        parsed = parse_addresses(["\t8.8.8.8", other, *tail])
        assert parsed.bad.tolist() == ([] if other else [1])
        assert int(parsed.v4[0]) == int(ipaddress.IPv4Address("8.8.8.8"))


def test_missing_values_in_an_arrow_batch_are_bad() -> None:
    texts = ["1.2.3.4", None, *([FILLER] * 70), None]
    parsed = parse_addresses(pa.array(texts, pa.string()))
    assert parsed.bad.tolist() == [1, 72]
    assert parsed.is_v4.sum() == 71 and int(parsed.v4[0]) == 0x01020304
    # A missing value may keep bytes behind it (Arrow allows it): still missing, not an address.
    full = pa.array([FILLER] * 70, pa.string())
    validity = pa.array([i != 3 for i in range(70)]).buffers()[1]
    masked = pa.StringArray.from_buffers(70, full.buffers()[1], full.buffers()[2], validity)
    parsed = parse_addresses(masked)
    assert parsed.bad.tolist() == [3] and int(parsed.v4[3]) == 0


# --- what the user is told --------------------------------------------------------------------


def test_a_bad_address_in_a_large_batch_is_named_with_its_position() -> None:
    texts = [FILLER] * 100
    texts[70], texts[90] = "10.0.0.01", "::g"
    with pytest.raises(InvalidInput) as info:
        IpResolver().lookup_many(texts)
    assert info.value.message == (
        "'10.0.0.01' (position 71) is not an IPv4 or IPv6 address (and 1 more)"
    )
    assert info.value.field == "ip"
    with pytest.raises(InvalidInput) as info:
        IpResolver().identify_many(texts)
    assert info.value.message == "'10.0.0.01' (position 71) is not an IPv4 or IPv6 address"


def test_a_large_batch_answers_like_one_by_one() -> None:
    texts = [str(ipaddress.IPv4Address(i * 2_654_435_761 % 2**32)) for i in range(500)]
    texts += ["2001:db8::1", "::ffff:10.0.0.1", "10.1.2.3"]
    resolver = IpResolver()
    assert resolver.identify_many(texts) == [resolver.identify_many([t])[0] for t in texts]
    assert resolver.lookup_many(texts).column("kind").to_pylist() == [
        resolver.lookup(t).kind for t in texts
    ]
