"""The input formats and their detection from a header row.

``canonical`` keeps columns named as in the canonical format; ``hubspot`` and ``salesforce`` are
small column mappings onto it (see their modules). Detection counts the header columns each format
knows; the canonical format wins ties.
"""

from __future__ import annotations

from leadqual.errors import InvalidInput
from leadqual.ingest import hubspot, salesforce
from leadqual.ingest.fields import KINDS, closest
from leadqual.ingest.mapping import ColumnMapping, Rule

__all__ = ["FORMATS", "detect_format", "format_mapping"]

FORMATS = ("canonical", "hubspot", "salesforce")
_TABLES = {"hubspot": hubspot.COLUMNS, "salesforce": salesforce.COLUMNS}


def _known(fmt: str, kind: str) -> set[str]:
    if fmt == "canonical":
        return set(KINDS[kind].names)
    return {c for rules in _TABLES[fmt][kind].values() for r in rules for c in r.columns()}


def detect_format(kind: str, columns: tuple[str, ...]) -> str:
    """The format whose column names the header uses most (``canonical`` on a tie).

    >>> detect_format("accounts", ("Id", "Name", "Website", "BillingCountry"))
    'salesforce'
    >>> detect_format("accounts", ("domain", "name"))
    'canonical'
    """
    header = set(columns)
    scores: dict[str, float] = {fmt: len(header & _known(fmt, kind)) for fmt in FORMATS}
    scores["canonical"] += sum(1 for c in columns if c.startswith("attr.")) + 0.5
    return max(FORMATS, key=lambda f: scores[f])


def format_mapping(fmt: str, kind: str, columns: tuple[str, ...]) -> ColumnMapping:
    """The column mapping of a named format for this header (first matching label per field).

    >>> format_mapping("hubspot", "accounts", ("Record ID", "Company name")).rules["name"].source
    'Company name'
    """
    if fmt not in FORMATS:
        near = closest(fmt, FORMATS)
        tip = f"did you mean {near!r}? " if near else ""
        raise InvalidInput(f"unknown format {fmt!r}; {tip}formats are {', '.join(FORMATS)}",
                           field="format")
    if fmt == "canonical":
        return ColumnMapping(name="canonical", passthrough=True)
    header = set(columns)
    rules: dict[str, Rule] = {}
    for target, alternatives in _TABLES[fmt][kind].items():
        for rule in alternatives:
            cols = rule.columns()
            present = [c for c in cols if c in header]
            if (rule.derive is not None and present) or (cols and len(present) == len(cols)):
                rules[target] = rule
                break
    return ColumnMapping(name=fmt, rules=rules)
