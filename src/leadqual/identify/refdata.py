"""One loaded IP data file, compiled: its range indexes (IPv4 and IPv6) and the records their
values point at, packed into one compressed blob for the store (``np.savez_compressed``; the
strings travel as JSON inside it, so loading never unpickles anything).

Dataset kinds, in the order a lookup trusts them:

- ``own`` — the user's own ``CIDR → company domain`` list;
- ``hosting`` — hosting/datacenter ranges (the address is a server, not a visitor's company);
- ``network`` — who runs the network: MaxMind-format databases, ip2asn ranges, prefix → ASN;
- ``asn_names`` — ASN → organisation names, naming networks that carry only an ASN.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from leadqual.identify.ipindex import RangeIndex, build_index, empty_index

__all__ = ["DATASET_KINDS", "CompiledData", "Records"]

DATASET_KINDS = ("own", "hosting", "network", "asn_names")


@dataclass(frozen=True)
class Records:
    """What a range's value points at: the organisation, its ASN (0: none), its web domain and
    the source's own type field (``hint``), one entry per distinct record."""

    org: list[str | None] = field(default_factory=list)
    asn: list[int] = field(default_factory=list)
    domain: list[str | None] = field(default_factory=list)
    hint: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.asn)


class RecordTable:
    """Builds ``Records`` with each distinct record stored once."""

    def __init__(self) -> None:
        self.records = Records()
        self._ids: dict[tuple[Any, ...], int] = {}

    def id(
        self, org: str | None, asn: int = 0, domain: str | None = None, hint: str | None = None
    ) -> int:
        key = (org, asn, domain, hint)
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self.records)
            self.records.org.append(org)
            self.records.asn.append(int(asn))
            self.records.domain.append(domain)
            self.records.hint.append(hint)
        return found


@dataclass(frozen=True)
class CompiledData:
    """A parsed IP data file, ready to look up and to store."""

    kind: str
    format: str
    rows: int
    records: Records
    v4: RangeIndex
    v6: RangeIndex

    @classmethod
    def from_ranges(
        cls,
        kind: str,
        fmt: str,
        rows: int,
        records: Records,
        v4: list[tuple[int, int, int]],
        v6: list[tuple[int, int, int]],
    ) -> CompiledData:
        return cls(kind, fmt, rows, records, build_index(4, v4), build_index(6, v6))

    @classmethod
    def names_only(cls, fmt: str, records: Records) -> CompiledData:
        return cls("asn_names", fmt, len(records), records, empty_index(4), empty_index(6))

    @property
    def nbytes(self) -> int:
        return self.v4.nbytes + self.v6.nbytes

    def to_bytes(self) -> bytes:
        meta = {
            "kind": self.kind,
            "format": self.format,
            "rows": self.rows,
            "org": self.records.org,
            "domain": self.records.domain,
            "hint": self.records.hint,
        }
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            asn=np.asarray(self.records.asn, dtype=np.int64),
            v4_starts=self.v4.starts,
            v4_values=self.v4.values,
            v6_starts=self.v6.starts,
            v6_values=self.v6.values,
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> CompiledData:
        with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
            meta = json.loads(npz["meta"].tobytes().decode())
            records = Records(meta["org"], npz["asn"].tolist(), meta["domain"], meta["hint"])
            return cls(
                meta["kind"],
                meta["format"],
                int(meta["rows"]),
                records,
                RangeIndex(4, npz["v4_starts"], npz["v4_values"]),
                RangeIndex(6, npz["v6_starts"], npz["v6_values"]),
            )
