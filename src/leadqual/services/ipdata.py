"""Loading IP data and explaining lookups: the use cases behind ``leadqual ipdata add``,
``leadqual ipdata list`` and ``leadqual identify``.

Adding is all-or-nothing over the files of one call: every file is read and compiled first (the
first bad one raises, naming the file and line, and nothing is stored); a file already loaded
(same SHA-256) is skipped.

>>> # add_files(store, [Path("ipasn.dat.gz"), Path("asnames.json.gz")], now=now)[0].status
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from leadqual.errors import Conflict, InvalidInput
from leadqual.identify.ipformats import parse_file
from leadqual.identify.resolve import Identification, load_resolver
from leadqual.store.database import Store
from leadqual.store.tables_ipdata import IpDataset

__all__ = ["DatasetInfo", "add_files", "fingerprint", "identify", "list_datasets"]


@dataclass(frozen=True)
class DatasetInfo:
    """One loaded IP data file as reported by ``ipdata add`` / ``ipdata list``. ``status`` is
    ``added`` or ``unchanged`` (already loaded) for ``add``, ``loaded`` for ``list``."""

    name: str
    kind: str
    format: str
    source_file: str
    sha256: str
    rows: int
    ranges: int
    loaded_at: datetime
    status: str = "loaded"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field="file") from exc
    return digest.hexdigest()


def add_files(
    store: Store, paths: Sequence[Path], *, asn_names: Path | None = None, now: datetime
) -> list[DatasetInfo]:
    """Load IP data files (formats detected; ``asn_names`` is a prefix → ASN table's names file,
    also detected when simply listed among ``paths``)."""
    files = [Path(p) for p in paths] + ([Path(asn_names)] if asn_names is not None else [])
    if not files:
        raise InvalidInput("give at least one IP data file to add", field="file")
    hashes = [_sha256(p) for p in files]
    with store.session() as session:
        known = set(session.scalars(select(IpDataset.sha256).where(IpDataset.sha256.in_(hashes))))
    results: list[DatasetInfo] = []
    pending: list[IpDataset] = []
    seen: dict[str, DatasetInfo] = {}
    for path, sha in zip(files, hashes, strict=True):
        if sha in seen:  # the same content twice in this very call
            results.append(replace(seen[sha], status="unchanged"))
            continue
        if sha in known:
            results.append(_unchanged(store, sha))
            continue
        data = parse_file(path)
        if asn_names is not None and path == Path(asn_names) and data.kind != "asn_names":
            raise InvalidInput(
                f"{path.name}: --asn-names expects an ASN → names file "
                f"(JSON), but this looks like {data.format}",
                field="asn_names",
            )
        row = IpDataset(
            kind=data.kind,
            format=data.format,
            name=path.name,
            source_file=str(path.resolve()),
            sha256=sha,
            rows=data.rows,
            ranges=data.v4.covered + data.v6.covered,
            loaded_at=now,
            blob=data.to_bytes(),
        )
        pending.append(row)
        seen[sha] = _info(row, "added")
        results.append(seen[sha])
    if pending:
        try:
            with store.session() as session:
                session.add_all(pending)
        except IntegrityError as exc:
            raise Conflict(
                "another process added some of these files at the same time; nothing was "
                "stored from this call — run `leadqual ipdata add` again",
                field="file",
            ) from exc
    return results


def _info(row: IpDataset, status: str) -> DatasetInfo:
    return DatasetInfo(
        row.name,
        row.kind,
        row.format,
        row.source_file,
        row.sha256,
        row.rows,
        row.ranges,
        row.loaded_at,
        status,
    )


_INFO_COLUMNS = (
    IpDataset.name,
    IpDataset.kind,
    IpDataset.format,
    IpDataset.source_file,
    IpDataset.sha256,
    IpDataset.rows,
    IpDataset.ranges,
    IpDataset.loaded_at,
)


def _unchanged(store: Store, sha: str) -> DatasetInfo:
    with store.session() as session:  # the columns only: the blob may be megabytes
        row = session.execute(select(*_INFO_COLUMNS).where(IpDataset.sha256 == sha)).one()
    return DatasetInfo(*row, status="unchanged")


def list_datasets(store: Store) -> list[DatasetInfo]:
    """Every loaded IP data file, oldest first (without the blobs)."""
    with store.session() as session:
        rows = session.execute(select(*_INFO_COLUMNS).order_by(IpDataset.id)).all()
    return [DatasetInfo(*row) for row in rows]


def fingerprint(store: Store) -> tuple[str, ...]:
    """The loaded datasets' hashes, sorted: equal to ``IpResolver.fingerprint`` while the
    resolver is up to date."""
    with store.session() as session:
        return tuple(sorted(session.scalars(select(IpDataset.sha256))))


def identify(store: Store, ips: Sequence[str]) -> list[Identification]:
    """Identify addresses with every loaded dataset, each with its reason."""
    table = load_resolver(store).lookup_many(list(ips))
    return [Identification(**row) for row in table.to_pylist()]
