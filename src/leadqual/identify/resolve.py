"""IP → organisation, with a kind, a reason, a source and a confidence — the collector's entry
point.

Precedence (first that covers the address wins):

1. the user's own ``CIDR → domain`` list — a company, confidence 1.0;
2. private and reserved addresses — unknown (not on the public internet);
3. hosting/datacenter ranges — hosting, not a company (confidence 0);
4. network data (MaxMind-format, ip2asn, prefix → ASN + names): the organisation running the
   network, classified; a company's own network 0.7 (0.8 when the data names the network's user
   rather than its carrier), a name that looks shared 0.3; ISPs, mobile carriers, hosting, VPNs
   and education are not companies (confidence 0).

Every outcome is precomputed once per loaded record, so a batch lookup is a ``searchsorted`` per
dataset and a ``take`` per column:

>>> # resolver = load_resolver(store)            # once per process
>>> # resolver.lookup("8.8.8.8").org               → 'Google Inc.'
>>> # resolver.lookup_many(ips).column("kind")     → a pyarrow column
>>> # resolver.identify_many(ips)                   → [(org, domain, kind, source, confidence)]

``identify_many`` is the collector's path: plain tuples, no Arrow. Arrow's first ``pa.array``
from a Python list imports pandas (~80 MB of RSS for a collector worker), so the Arrow columns
are only built when ``lookup_many`` is first called.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from leadqual.errors import InvalidInput
from leadqual.identify.classify import classify_name, short_name
from leadqual.identify.ipindex import ParsedAddresses, RangeIndex, build_index, parse_addresses
from leadqual.identify.refdata import CompiledData
from leadqual.store.database import Store

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["COLUMNS", "Identification", "IpResolver", "LoadedData", "Verdict", "load_resolver"]

# (org, domain, kind, source, confidence) of one address: what the collector stores per event.
Verdict = tuple[str | None, str | None, str, str | None, float]

COLUMNS = ("ip", "org", "domain", "asn", "kind", "reason", "source", "confidence")
OWN_CONFIDENCE = 1.0
NAMED_USER_CONFIDENCE = 0.8
OWN_NETWORK_CONFIDENCE = 0.7
SHARED_CONFIDENCE = 0.3
SORT_FROM = 4096
# The plain-tuple path parses and resolves in chunks of this size. ``parse_addresses`` reads a list
# without Arrow whatever its size (one by one below 16 addresses, with numpy from there).
PLAIN_CHUNK = 64
RESERVED = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/3",
    "::/128",
    "::1/128",
    "64:ff9b::/96",
    "100::/64",
    "2001:db8::/32",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
)


@dataclass(frozen=True)
class Identification:
    """Who is behind one address, why we think so, and how sure we are (0 for "not a company")."""

    ip: str
    org: str | None
    domain: str | None
    asn: int | None
    kind: str
    reason: str
    source: str | None
    confidence: float


@dataclass(frozen=True)
class LoadedData:
    """A compiled dataset with the name it is reported under (its file name)."""

    name: str
    sha256: str
    data: CompiledData


class _Outcomes:
    """The table every lookup indexes into: one row per (dataset, record)."""

    def __init__(self) -> None:
        self.org: list[str | None] = []
        self.domain: list[str | None] = []
        self.asn: list[int] = []
        self.kind: list[str] = []
        self.reason: list[str] = []
        self.source: list[str | None] = []
        self.confidence: list[float] = []

    def add(
        self,
        org: str | None,
        domain: str | None,
        asn: int,
        kind: str,
        reason: str,
        source: str | None,
        confidence: float,
    ) -> int:
        self.org.append(org)
        self.domain.append(domain)
        self.asn.append(asn)
        self.kind.append(kind)
        self.reason.append(reason)
        self.source.append(source)
        self.confidence.append(confidence)
        return len(self.asn) - 1


def _network_outcome(
    out: _Outcomes, name: str, org_full: str | None, asn: int, domain: str | None, hint: str | None
) -> int:
    label = f"AS{asn}" if asn else "the network"
    if not org_full:
        return out.add(
            None,
            domain,
            asn,
            "unknown",
            f"{label} has no organisation name in the loaded data",
            name,
            0.0,
        )
    kind = classify_name(org_full, hint)
    org = short_name(org_full)
    reason = f"{label} ({org}): {kind.reason}"
    if kind.kind != "company":
        return out.add(org, domain, asn, kind.kind, reason + ": not a company", name, 0.0)
    if kind.shared:
        confidence = SHARED_CONFIDENCE
    elif hint and hint.lower() in ("business", "company", "corporate"):
        confidence = NAMED_USER_CONFIDENCE
    else:
        confidence = OWN_NETWORK_CONFIDENCE
    return out.add(org, domain, asn, "company", reason, name, confidence)


class IpResolver:
    """Looks addresses up in the loaded datasets (build once per process; read-only after)."""

    def __init__(self, datasets: Sequence[LoadedData] = ()) -> None:
        self.datasets = tuple(datasets)
        self.fingerprint = tuple(sorted(d.sha256 for d in self.datasets))
        out = _Outcomes()
        none_reason = (
            "no loaded IP data covers this address"
            if self.datasets
            else "no IP data is loaded (add some with `leadqual ipdata add FILE`)"
        )
        out.add(None, None, 0, "unknown", none_reason, None, 0.0)
        names: dict[int, str] = {}
        for d in self.datasets:
            if d.data.kind == "asn_names":
                for asn, org in zip(d.data.records.asn, d.data.records.org, strict=True):
                    if org:
                        names.setdefault(asn, org)
        # (kind order, family) → [(index, offset into outcomes)]
        self._layers: dict[int, list[tuple[RangeIndex, int, bool]]] = {4: [], 6: []}
        own = [d for d in self.datasets if d.data.kind == "own"]
        hosting = [d for d in self.datasets if d.data.kind == "hosting"]
        network = [d for d in self.datasets if d.data.kind == "network"]
        for d in own:
            offset = len(out.asn)
            r = d.data.records
            for org, domain in zip(r.org, r.domain, strict=True):
                out.add(
                    org or domain,
                    domain,
                    0,
                    "company",
                    f"in your own CIDR list ({d.name}): {domain}",
                    d.name,
                    OWN_CONFIDENCE,
                )
            self._add_layer(d.data, offset, network=False)
        offset = len(out.asn)
        for cidr in RESERVED:
            out.add(
                None,
                None,
                0,
                "unknown",
                f"a private or reserved address ({cidr}): not on the public internet",
                None,
                0.0,
            )
        for family in (4, 6):
            nets = [ipaddress.ip_network(c) for c in RESERVED]
            ranges = [
                (int(n.network_address), int(n.broadcast_address), i)
                for i, n in enumerate(nets)
                if n.version == family
            ]
            self._layers[family].append((build_index(family, ranges), offset, False))
        for d in hosting:
            offset = len(out.asn)
            for provider in d.data.records.org:
                out.add(
                    provider,
                    None,
                    0,
                    "hosting",
                    f"inside a hosting/datacenter range of {provider or 'a provider'} "
                    f"({d.name}): a server, not a company's visitor",
                    d.name,
                    0.0,
                )
            self._add_layer(d.data, offset, network=False)
        for d in network:
            offset = len(out.asn)
            r = d.data.records
            for org, asn, domain, hint in zip(r.org, r.asn, r.domain, r.hint, strict=True):
                _network_outcome(out, d.name, org or names.get(asn), asn, domain, hint)
            self._add_layer(d.data, offset, network=True)
        self._outcomes = out
        self._verdicts: list[Verdict] = list(
            zip(out.org, out.domain, out.kind, out.source, out.confidence, strict=True))
        self._asn = np.asarray(out.asn, dtype=np.int64)
        self._confidence = np.asarray(out.confidence, dtype=np.float64)

    @cached_property
    def _arrow(self) -> dict[str, Any]:
        """The outcomes' text columns as Arrow arrays (for ``lookup_many``), built on first use."""
        import pyarrow as pa

        out = self._outcomes
        return {name: pa.array(getattr(out, name), pa.string())
                for name in ("org", "domain", "kind", "reason", "source")}

    def _add_layer(self, data: CompiledData, offset: int, *, network: bool) -> None:
        self._layers[4].append((data.v4, offset, network))
        self._layers[6].append((data.v6, offset, network))

    @property
    def nbytes(self) -> int:
        """Memory held by the range indexes."""
        return sum(idx.nbytes for layers in self._layers.values() for idx, _, _ in layers)

    def _winners(self, keys: np.ndarray, family: int) -> tuple[np.ndarray, np.ndarray]:
        """Per key: the outcome row that wins, and the outcome row of its network (for the
        ASN), both -1 where nothing covers."""
        if keys.size >= SORT_FROM:
            # Sorted keys walk each index in order: cache-friendly, several times faster than
            # random probes, and the sort is paid once for every dataset.
            order = np.argsort(keys)
            winner_sorted, network_sorted = self._winners_sorted(keys[order], family)
            winner = np.empty_like(winner_sorted)
            network = np.empty_like(network_sorted)
            winner[order], network[order] = winner_sorted, network_sorted
            return winner, network
        return self._winners_sorted(keys, family)

    def _winners_sorted(self, keys: np.ndarray, family: int) -> tuple[np.ndarray, np.ndarray]:
        winner = np.full(keys.size, -1, dtype=np.int64)
        network = np.full(keys.size, -1, dtype=np.int64)
        for index, offset, is_network in self._layers[family]:
            if index.values.size == 1 and index.values[0] < 0:
                continue
            found = index.lookup(keys)
            hit = found >= 0
            take = hit & (winner < 0)
            winner[take] = found[take] + offset
            if is_network:
                take = hit & (network < 0)
                network[take] = found[take] + offset
        return winner, network

    def resolve(self, parsed: ParsedAddresses) -> tuple[np.ndarray, np.ndarray]:
        """The outcome row and the ASN of each parsed address (the vectorized core)."""
        n = len(parsed)
        if parsed.is_v4.all():
            winner, network = self._winners(parsed.v4, 4)
        else:
            winner = np.full(n, -1, dtype=np.int64)
            network = np.full(n, -1, dtype=np.int64)
            for family, mask in ((4, parsed.is_v4), (6, ~parsed.is_v4)):
                if mask.any():
                    keys = parsed.v4[mask] if family == 4 else parsed.v6[mask]
                    winner[mask], network[mask] = self._winners(keys, family)
        winner[winner < 0] = 0
        asn = self._asn[winner]
        from_net = (asn == 0) & (network >= 0)
        asn[from_net] = self._asn[network[from_net]]
        return winner, asn

    def lookup_many(self, ips: Sequence[str] | pa.Array) -> pa.Table:
        """Identify a batch: a table with ``COLUMNS``; a malformed address raises
        ``InvalidInput`` naming it (and nothing is returned for the batch)."""
        import pyarrow as pa  # here, not at import: the collector's identify_many needs no Arrow

        arr = ips if isinstance(ips, pa.Array) else pa.array(list(ips), type=pa.string())
        parsed = parse_addresses(arr)
        if parsed.bad.size:
            first = int(parsed.bad[0])
            more = f" (and {parsed.bad.size - 1} more)" if parsed.bad.size > 1 else ""
            raise InvalidInput(
                f"{arr[first].as_py()!r} (position {first + 1}) is not an IPv4 "
                f"or IPv6 address{more}",
                field="ip",
            )
        winner, asn = self.resolve(parsed)
        rows = pa.array(winner)
        text = self._arrow
        return pa.table(
            {
                "ip": arr,
                "org": text["org"].take(rows),
                "domain": text["domain"].take(rows),
                "asn": pa.array(asn, mask=asn == 0),
                "kind": text["kind"].take(rows),
                "reason": text["reason"].take(rows),
                "source": text["source"].take(rows),
                "confidence": pa.array(self._confidence[winner]),
            }
        )

    def identify_many(self, ips: Sequence[str]) -> list[Verdict]:
        """Per address, ``(org, domain, kind, source, confidence)`` — what ``lookup_many`` says,
        as plain tuples and without Arrow (the collector's few addresses per write); a malformed
        address raises ``InvalidInput`` naming it.

        >>> IpResolver().identify_many(["10.1.2.3"])[0][2]
        'unknown'
        """
        out: list[Verdict] = []
        for start in range(0, len(ips), PLAIN_CHUNK):
            chunk = list(ips[start : start + PLAIN_CHUNK])
            parsed = parse_addresses(chunk)
            if parsed.bad.size:
                first = int(parsed.bad[0])
                raise InvalidInput(
                    f"{chunk[first]!r} (position {start + first + 1}) is not an IPv4 or IPv6 "
                    "address",
                    field="ip",
                )
            winner, _asn = self.resolve(parsed)
            verdicts = self._verdicts
            out.extend(verdicts[w] for w in winner.tolist())
        return out

    def lookup(self, ip: str) -> Identification:
        """Identify one address."""
        row = self.lookup_many([ip]).to_pylist()[0]
        return Identification(**row)


def load_resolver(store: Store) -> IpResolver:
    """A resolver over every dataset loaded in ``store``, the most recently added first (an empty
    one when none is: every address is then "unknown"). Build it once per process; compare its
    ``fingerprint`` with ``services.ipdata.fingerprint(store)`` to see whether it is stale."""
    from sqlalchemy import select

    from leadqual.store.tables_ipdata import IpDataset

    with store.session() as session:
        rows = session.execute(
            select(IpDataset.name, IpDataset.sha256, IpDataset.blob).order_by(IpDataset.id.desc())
        ).all()
    return IpResolver(
        [LoadedData(name, sha, CompiledData.from_bytes(blob)) for name, sha, blob in rows]
    )
