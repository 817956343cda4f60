"""Column mappings: how the columns of a file become canonical fields.

Every input format is one ``ColumnMapping`` (canonical, HubSpot, Salesforce, or a user's mapping
file). A mapping holds one ``Rule`` per canonical target: a plain column, a column with a value map
and/or a scale, a template (``"{account|slug}.example"``), a constant, or (for built-in formats) a
small function of a few columns. ``compile_plan`` turns a mapping and a header into per-column
getters and converters, checked once per file, so the per-row work stays cheap.

A mapping file (YAML)::

    kind: accounts                 # optional; checked against the import command
    columns:
      domain: "{account|slug}.example"
      name: account
      industry: {from: sector, map: {technolgy: technology}}
      annual_revenue: {from: revenue, scale: 1000000}
      attr.year_established: year_established
      country: {value: United States}
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import yaml

from leadqual.errors import ImportRowError, InvalidInput
from leadqual.ingest.fields import KINDS, Field, KindSpec, attribute_converter, closest, converter

__all__ = ["ColumnMapping", "PlanColumn", "Rule", "compile_plan", "load_mapping", "slug"]

_RULE_KEYS = ("from", "map", "scale", "value")
_PLACEHOLDER = re.compile(r"\{([^{}|]+)((?:\|[a-z]+)*)\}")


def slug(text: str) -> str:
    """Lower case, runs of other characters turned into single hyphens.

    >>> slug("Genco Pura Olive Oil Company")
    'genco-pura-olive-oil-company'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


FILTERS: dict[str, Callable[[str], str]] = {"slug": slug, "lower": str.lower, "strip": str.strip}


@dataclass(frozen=True)
class Rule:
    """Where one canonical field comes from. Exactly one of ``source``, ``template``,
    ``constant`` (with ``is_constant``) or ``derive`` (with ``inputs``) is used."""

    source: str | None = None
    values: Mapping[str, Any] | None = None
    scale: float | None = None
    template: str | None = None
    constant: Any = None
    is_constant: bool = False
    inputs: tuple[str, ...] = ()
    derive: Callable[[dict[str, Any]], Any] | None = None

    def columns(self) -> tuple[str, ...]:
        """The file columns this rule reads."""
        if self.source is not None:
            return (self.source,)
        if self.template is not None:
            return tuple(m.group(1).strip() for m in _PLACEHOLDER.finditer(self.template))
        return self.inputs


@dataclass(frozen=True)
class ColumnMapping:
    """A format: canonical targets → rules. ``passthrough`` keeps columns that are canonical
    names (or ``attr.*``) as they are — the canonical format is the empty mapping with it."""

    name: str
    rules: Mapping[str, Rule] = field(default_factory=dict)
    passthrough: bool = False


@dataclass(frozen=True)
class PlanColumn:
    """One canonical field of a compiled plan: read with ``get``, convert with ``convert``."""

    target: str
    label: str  # the file column named in errors
    get: Callable[[Any], Any]
    convert: Callable[[Any], Any]
    scale: float | None
    text: bool = False  # every value read is a str (a plain CSV column)


def _getter(column: str, columns: tuple[str, ...], syntax: str) -> Callable[[Any], Any]:
    if syntax == "csv":
        return itemgetter(columns.index(column))
    return lambda row: row.get(column)


def _rule_getter(rule: Rule, columns: tuple[str, ...], syntax: str) -> Callable[[Any], Any]:
    if rule.is_constant:
        value = rule.constant
        return lambda _row: value
    if rule.template is not None:
        return _template_getter(rule.template, columns, syntax)
    if rule.derive is not None:
        getters = {c: _getter(c, columns, syntax) for c in rule.inputs if c in columns}
        derive = rule.derive
        return lambda row: derive({c: g(row) for c, g in getters.items()})
    assert rule.source is not None
    get = _getter(rule.source, columns, syntax)
    if rule.values is None:
        return get
    table = rule.values

    def mapped(row: Any) -> Any:
        v = get(row)
        if v is None or v == "":
            return v
        key = v.strip() if isinstance(v, str) else str(v)
        return table.get(key, v)

    return mapped


def _template_getter(template: str, columns: tuple[str, ...], syntax: str) -> Callable[[Any], Any]:
    parts: list[str | tuple[Callable[[Any], Any], tuple[Callable[[str], str], ...]]] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        parts.append(template[pos : m.start()])
        filters = tuple(FILTERS[f] for f in m.group(2).split("|")[1:])
        parts.append((_getter(m.group(1).strip(), columns, syntax), filters))
        pos = m.end()
    parts.append(template[pos:])

    def render(row: Any) -> str | None:
        out = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            get, filters = part
            v = get(row)
            if v is None or v == "":
                return None  # a template over an empty cell is missing, not a half-made value
            text = str(v)
            for f in filters:
                text = f(text)
            if not text:
                return None
            out.append(text)
        return "".join(out)

    return render


def _field_for(spec: KindSpec, target: str) -> Field | None:
    if target.startswith("attr.") and spec.allows_attributes and len(target) > 5:
        return Field(target, "attribute")
    return spec.field(target)


def compile_plan(
    mapping: ColumnMapping, spec: KindSpec, columns: tuple[str, ...], syntax: str, path: str
) -> tuple[list[PlanColumn], list[str]]:
    """The per-column plan for a file's header, and the header columns that are ignored.

    Raises ``ImportRowError`` (row 1) naming a missing required or mapped column and listing the
    columns found.
    """
    found = ", ".join(repr(c) for c in columns) or "none"
    seen: set[str] = set()
    for c in columns:
        if c in seen and syntax == "csv":
            raise ImportRowError(path, 1, c, f"the header names column {c!r} twice",
                                 "rename or remove one of them")
        seen.add(c)
    rules: dict[str, Rule] = {}
    if mapping.passthrough:
        for c in columns:
            if _field_for(spec, c) is not None:
                rules[c] = Rule(source=c)
    rules.update(mapping.rules)
    used: set[str] = set()
    plan: list[PlanColumn] = []
    for target, rule in rules.items():
        fld = _field_for(spec, target)
        assert fld is not None, target
        needed = rule.columns()
        if rule.derive is not None and not any(c in columns for c in needed):
            continue
        missing = [c for c in needed if c not in columns]
        if missing and syntax == "csv" and rule.derive is None:
            raise ImportRowError(
                path, 1, missing[0],
                f"missing column {missing[0]!r} (mapped to {target!r} by {mapping.name})",
                f"the columns found are: {found}",
            )
        used.update(needed)
        convert = attribute_converter if fld.type == "attribute" else converter(fld)
        text = (syntax == "csv" and rule.source is not None and rule.values is None
                and not rule.is_constant and rule.derive is None)
        plan.append(PlanColumn(target, rule.source or target,
                               _rule_getter(rule, columns, syntax), convert, rule.scale, text))
    targets = {p.target for p in plan}
    for fld in spec.fields:
        if fld.required and fld.name not in targets and syntax == "csv":
            raise ImportRowError(
                path, 1, fld.name,
                f"missing required column {fld.name!r} for {spec.kind} ({mapping.name} format)",
                f"the columns found are: {found}",
            )
    ignored = [c for c in columns if c not in used]
    return plan, ignored


def _bad(path: Path, where: str, message: str) -> InvalidInput:
    return InvalidInput(f"mapping file {path}: {where}: {message}", field=where)


def _parse_rule(path: Path, target: str, raw: Any) -> Rule:
    where = f"columns.{target}"
    if isinstance(raw, str):
        if "{" in raw:
            return _parse_template(path, where, raw)
        return Rule(source=raw)
    if not isinstance(raw, dict):
        raise _bad(path, where, "expected a column name, a template or {from: …} / {value: …}")
    unknown = [k for k in raw if k not in _RULE_KEYS]
    if unknown:
        near = closest(str(unknown[0]), _RULE_KEYS)
        tip = f" — did you mean {near!r}?" if near else ""
        raise _bad(path, where, f"unknown key {unknown[0]!r}{tip} (keys: {', '.join(_RULE_KEYS)})")
    if "value" in raw:
        if len(raw) > 1:
            raise _bad(path, where, "a constant {value: …} takes no other keys")
        return Rule(constant=raw["value"], is_constant=True)
    source = raw.get("from")
    if not isinstance(source, str) or not source:
        raise _bad(path, where, "needs 'from: <column name>'")
    values = raw.get("map")
    if values is not None:
        if not isinstance(values, dict):
            raise _bad(path, where, "'map' must be a mapping {file value: canonical value}")
        values = {str(k): v for k, v in values.items()}
    scale = raw.get("scale")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, int | float)):
        raise _bad(path, where, f"'scale' must be a number, not {scale!r}")
    return Rule(source=source, values=values, scale=scale)


def _parse_template(path: Path, where: str, text: str) -> Rule:
    if not _PLACEHOLDER.search(text) or text.count("{") != text.count("}"):
        raise _bad(path, where, f"cannot read the template {text!r}; write e.g. '{{account|slug}}'")
    for m in _PLACEHOLDER.finditer(text):
        for name in m.group(2).split("|")[1:]:
            if name not in FILTERS:
                raise _bad(path, where,
                           f"unknown filter {name!r}; filters are {', '.join(FILTERS)}")
    return Rule(template=text)


def load_mapping(path: Path, kind: str) -> ColumnMapping:
    """Read and validate a mapping file for an import of ``kind``.

    >>> # load_mapping(Path("tests/mappings/maven-accounts.yaml"), "accounts").rules["name"]
    """
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"cannot read the mapping file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise InvalidInput(f"mapping file {path} is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), dict):
        raise _bad(path, "columns", "the file needs a 'columns:' section: canonical field → rule")
    extra = [k for k in doc if k not in ("kind", "columns")]
    if extra:
        raise _bad(path, str(extra[0]), "unknown top-level key (keys: kind, columns)")
    declared = doc.get("kind")
    if declared is not None and declared != kind:
        raise _bad(path, "kind", f"this mapping is for {declared!r}, not {kind!r}; "
                   f"run 'leadqual import {declared} …' or use another mapping")
    spec = KINDS[kind]
    rules: dict[str, Rule] = {}
    for target, raw in doc["columns"].items():
        target = str(target)
        if _field_for(spec, target) is None:
            if target.startswith("attr."):
                raise _bad(path, f"columns.{target}", f"{kind} have no free-form attributes")
            near = closest(target, spec.names)
            tip = f"did you mean {near!r}? " if near else ""
            raise _bad(path, f"columns.{target}",
                       f"unknown canonical field {target!r} for {kind} — {tip}"
                       f"fields are: {', '.join(spec.names)}")
        rules[target] = _parse_rule(path, target, raw)
    return ColumnMapping(name=f"mapping {Path(path).name}", rules=rules)
