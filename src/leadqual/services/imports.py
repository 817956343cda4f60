"""Importing a file of accounts, contacts, events or deals: the use case behind ``leadqual import``.

One file is one transaction: the first bad row raises ``ImportRowError`` and the store is left
unchanged. Rows are streamed in chunks of ``settings.import_chunk_rows``; each chunk is validated,
then written with a bounded number of queries. Re-importing a file changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from leadqual.errors import InvalidInput
from leadqual.ingest.fields import KINDS, closest
from leadqual.ingest.formats import FORMATS, detect_format, format_mapping
from leadqual.ingest.mapping import compile_plan, load_mapping
from leadqual.ingest.pragmas import bulk_import_cache
from leadqual.ingest.rows import RowValidator
from leadqual.ingest.source import Source
from leadqual.ingest.writers import FINISHERS, WRITERS, Chunk, Tally, WriteContext
from leadqual.settings import load_settings
from leadqual.store.database import Store

__all__ = ["IMPORT_KINDS", "ImportResult", "import_file"]

IMPORT_KINDS = tuple(KINDS)
# Above this size (≈ 5,000 rows of a typical export) a progress bar is worth showing.
PROGRESS_MIN_BYTES = 512 * 1024


@dataclass(frozen=True)
class ImportResult:
    """What one file's import did. ``unchanged`` counts rows identical to the store (for events:
    event ids already imported, ignored). ``ignored_columns`` are file columns nothing used."""

    kind: str
    path: str
    format: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    leads_created: int
    leads_converted: int
    accounts_created: int
    contacts_created: int
    ignored_columns: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``--json`` output)."""
        out = asdict(self)
        out["ignored_columns"] = list(self.ignored_columns)
        return out


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        near = closest(kind, IMPORT_KINDS)
        tip = f"did you mean {near!r}? " if near else ""
        raise InvalidInput(f"cannot import {kind!r}: {tip}kinds are {', '.join(IMPORT_KINDS)}",
                           field="kind")


def import_file(
    store: Store, kind: str, path: Path, *, fmt: str | None = None, mapping: Path | None = None,
    now: datetime, progress: bool = False, chunk_rows: int | None = None,
) -> ImportResult:
    """Import one CSV or JSONL file of ``kind`` (accounts, contacts, events, deals).

    ``fmt`` forces a format (canonical, hubspot, salesforce; detected from the header when
    ``None``); ``mapping`` is a mapping file instead. ``now`` stamps received/updated times.

    >>> # import_file(store, "accounts", Path("accounts.csv"), now=datetime(2026, 3, 1)).inserted
    """
    _check_kind(kind)
    path = Path(path)
    if fmt is not None and mapping is not None:
        raise InvalidInput("give either --format or --mapping, not both", field="format")
    if fmt is not None and fmt not in FORMATS:
        format_mapping(fmt, kind, ())  # raises with the closest format name
    size = chunk_rows or load_settings().import_chunk_rows
    column_mapping = load_mapping(mapping, kind) if mapping is not None else None
    spec = KINDS[kind]
    with Source(path) as src:
        if column_mapping is None:
            fmt = fmt or detect_format(kind, src.columns)
            column_mapping = format_mapping(fmt, kind, src.columns)
        else:
            fmt = "mapping"
        plan, ignored = compile_plan(column_mapping, spec, src.columns, src.syntax, src.name)
        validator = RowValidator(spec, plan, src.name)
        tally = Tally()
        ctx = WriteContext(path=src.name, source=f"import:{kind}/{fmt}", now=now,
                           present=frozenset(p.target for p in plan), tally=tally)
        write = WRITERS[kind]
        rows_read = 0
        bar = _progress(path) if progress else None
        try:
            with store.session() as session, bulk_import_cache(session):
                for lines, rows in src.batches(size):
                    write(session, Chunk(lines, validator.validate(lines, rows)), ctx)
                    rows_read += len(lines)
                    if bar is not None:
                        bar.update(src.bytes_read, rows_read)
                if kind in FINISHERS:
                    FINISHERS[kind](session, ctx)
        finally:
            if bar is not None:
                bar.close()
    return ImportResult(
        kind=kind, path=str(path), format=fmt, rows_read=rows_read, inserted=tally.inserted,
        updated=tally.updated, unchanged=tally.unchanged, leads_created=tally.leads.created,
        leads_converted=tally.leads.converted, accounts_created=tally.accounts_created,
        contacts_created=tally.contacts_created, ignored_columns=tuple(ignored),
    )


class _Bar:
    """A rich progress bar over the bytes of the file (on stderr, gone when done)."""

    def __init__(self, path: Path, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("importing {task.fields[name]}"), BarColumn(),
            TextColumn("{task.fields[rows]:,} rows"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )
        self._task = self._progress.add_task("import", total=total, name=path.name, rows=0)
        self._progress.start()

    def update(self, done: int, rows: int) -> None:
        self._progress.update(self._task, completed=done, rows=rows)

    def close(self) -> None:
        self._progress.stop()


def _progress(path: Path) -> _Bar | None:
    try:
        total = path.stat().st_size
    except OSError:
        return None
    return _Bar(path, total) if total >= PROGRESS_MIN_BYTES else None
