"""Validating rows: each raw row becomes a canonical record (typed values), or the first bad row
raises ``ImportRowError`` naming its line, column, the reason and what to do.

The checks are the compiled plan's converters plus a few rules across columns: required values,
``form_kind`` for form submissions, ``closed_at`` for won and lost deals, and natural keys unique
within the file.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from leadqual.errors import ImportRowError
from leadqual.ingest.fields import FORM_KINDS, BadValue, KindSpec, page_type_of
from leadqual.ingest.mapping import PlanColumn

__all__ = ["RowValidator"]


class RowValidator:
    """Turns raw rows into records for one file; remembers keys to find duplicates.

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

    def _fail(self, line: int, column: str | None, reason: str, hint: str = "") -> ImportRowError:
        return ImportRowError(self.path, line, column, reason, hint)

    def validate(self, rows: list[tuple[int, Any]]) -> list[dict[str, Any]]:
        """The records of a chunk of ``(line, row)``, in order."""
        plan = [(c.target, c.label, c.get, c.convert, c.scale) for c in self.plan]
        records: list[dict[str, Any]] = []
        append = records.append
        for line, row in rows:
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
            if rec.get("page_type") is None and rec["type"] == "page_view":
                path = rec.get("path")
                if path is None and rec.get("url"):
                    path = urlsplit(rec["url"]).path or "/"
                    rec["path"] = path
                rec["page_type"] = page_type_of(path)
        elif kind == "deals" and rec["stage"] in ("won", "lost") and rec.get("closed_at") is None:
            raise self._fail(line, "closed_at", f"a {rec['stage']} deal needs closed_at",
                                 "give the date the deal was closed")
