"""Validating rows: each raw row becomes a canonical record (typed values), or the first bad row
raises ``ImportRowError`` naming its line, column, the reason and what to do.

The checks are the compiled plan's converters plus a few rules across columns: required values,
``form_kind`` for form submissions, ``closed_at`` for won and lost deals, and natural keys unique
within the file.

A chunk is first validated column by column (one list comprehension per column, cheap per cell).
Only when that finds a problem is the chunk validated again row by row, which stops at the first
bad row and names it exactly — so errors read the same whichever path found them.
"""

from __future__ import annotations

from itertools import compress
from typing import Any
from urllib.parse import urlsplit

from leadqual.errors import ImportRowError
from leadqual.ingest.fields import FORM_KINDS, BadValue, KindSpec, convert_all, page_type_of
from leadqual.ingest.mapping import PlanColumn

__all__ = ["RowValidator"]


class RowValidator:
    """Turns raw rows into records for one file; remembers keys to find duplicates.

    Event records always carry ``path`` and ``page_type`` (derived from the URL for page views).

    >>> # v = RowValidator(KINDS["accounts"], plan, "accounts.csv"); v.validate(chunk)
    """

    def __init__(self, spec: KindSpec, plan: list[PlanColumn], path: str) -> None:
        self.spec = spec
        self.plan = plan
        self.path = path
        self.key = spec.key
        self.required = [f.name for f in spec.fields if f.required]
        self.seen: dict[str, int] = {}
        self._int_targets = {f.name for f in spec.fields if f.type == "int"}
        self._targets = [c.target for c in plan]

    def _fail(self, line: int, column: str | None, reason: str, hint: str = "") -> ImportRowError:
        return ImportRowError(self.path, line, column, reason, hint)

    def validate(self, lines: list[int], rows: list[Any]) -> dict[str, list[Any]]:
        """The values of a chunk of raw rows (at file ``lines``) by canonical field, each list in
        row order."""
        columns = self._validate_columns(lines, rows)
        if columns is None:
            # The exact path raises at the first bad row; should it not, its result stands.
            records = self._validate_rows(lines, rows)
            names = list(records[0]) if records else self._targets
            columns = {n: [r.get(n) for r in records] for n in names}
        return columns

    # -- the fast path: whole columns, no error location -------------------------------------

    def _convert_column(self, column: PlanColumn, raw_rows: list[Any]) -> list[Any]:
        scale = column.scale
        values = convert_all(column.convert, map(column.get, raw_rows), text=column.text)
        if scale is not None:
            if column.target in self._int_targets:
                values = [None if v is None else round(v * scale) for v in values]
            else:
                values = [None if v is None else v * scale for v in values]
        return values

    def _validate_columns(self, lines: list[int], raw_rows: list[Any]
                          ) -> dict[str, list[Any]] | None:
        """The chunk's columns, or ``None`` when some row is bad (nothing is remembered then)."""
        try:
            columns = {c.target: self._convert_column(c, raw_rows) for c in self.plan}
        except BadValue:
            return None
        empty = [None] * len(raw_rows)
        for name in self.required:
            if None in columns.get(name, empty):
                return None
        keys = columns[self.key]
        if len(set(keys)) != len(keys) or not self.seen.keys().isdisjoint(keys):
            return None
        if self.spec.kind == "events" and not _events_ok(columns, empty):
            return None
        if self.spec.kind == "deals" and not _deals_ok(columns, empty):
            return None
        self.seen.update(zip(keys, lines, strict=True))
        return columns

    # -- the exact path: row by row, stops at the first bad row --------------------------------

    def _validate_rows(self, lines: list[int], rows: list[Any]) -> list[dict[str, Any]]:
        plan = [(c.target, c.label, c.get, c.convert, c.scale) for c in self.plan]
        records: list[dict[str, Any]] = []
        append = records.append
        for line, row in zip(lines, rows, strict=True):
            rec: dict[str, Any] = {}
            for target, label, get, convert, scale in plan:
                raw = get(row)
                if raw is None or raw == "":
                    rec[target] = None
                    continue
                try:
                    value = convert(raw)
                except BadValue as exc:
                    raise self._fail(line, label, f"{target}: {exc.reason}", exc.hint) from None
                if scale is not None and value is not None:
                    value = value * scale
                    if target in self._int_targets:
                        value = round(value)
                rec[target] = value
            self._check(line, rec)
            append(rec)
        return records

    def _check(self, line: int, rec: dict[str, Any]) -> None:
        for name in self.required:
            if rec.get(name) is None:
                raise self._fail(line, name, f"{name} is required but is empty",
                                 f"every {self.spec.kind[:-1]} needs a {name}")
        key = rec[self.key]
        first = self.seen.setdefault(key, line)
        if first != line:
            raise self._fail(line, self.key,
                             f"duplicate {self.key} {key!r}: row {first} has the same one",
                             f"keep one row per {self.key}")
        kind = self.spec.kind
        if kind == "events":
            if rec["type"] == "form_submit" and rec.get("form_kind") is None:
                raise self._fail(line, "form_kind", "a form_submit event needs a form_kind",
                                 f"use one of {', '.join(FORM_KINDS)}")
            path = rec.get("path")
            page_type = rec.get("page_type")
            if page_type is None and rec["type"] == "page_view":
                if path is None and rec.get("url"):
                    path = urlsplit(rec["url"]).path or "/"
                page_type = page_type_of(path)
            rec["path"], rec["page_type"] = path, page_type
        elif kind == "deals" and rec["stage"] in ("won", "lost") and rec.get("closed_at") is None:
            raise self._fail(line, "closed_at", f"a {rec['stage']} deal needs closed_at",
                             "give the date the deal was closed")


def _events_ok(columns: dict[str, list[Any]], empty: list[Any]) -> bool:
    """Check the event rules over whole columns; derive ``path`` and ``page_type`` in place."""
    types = columns["type"]
    kinds = columns.get("form_kind", empty)
    if any(t == "form_submit" and k is None for t, k in zip(types, kinds, strict=True)):
        return False
    paths = columns.get("path", empty)
    page_types = columns.get("page_type", empty)
    derive = [pt is None and t == "page_view" for t, pt in zip(types, page_types, strict=True)]
    if "url" in columns:
        paths = [(urlsplit(u).path or "/") if d and p is None and u else p
                 for d, p, u in zip(derive, paths, columns["url"], strict=True)]
    columns["path"] = paths
    if any(derive):
        page_types = [page_type_of(p) if d else pt
                      for d, p, pt in zip(derive, paths, page_types, strict=True)]
    columns["page_type"] = page_types
    return True


def _deals_ok(columns: dict[str, list[Any]], empty: list[Any]) -> bool:
    closed = columns.get("closed_at", empty)
    return None not in compress(closed, [s in ("won", "lost") for s in columns["stage"]])
