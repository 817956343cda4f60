"""Reading a contract: YAML text → ``Contract``, or every problem with its file, line and field.

The YAML is composed into nodes (which keep their line numbers) and walked by hand, so that each
problem points at the line to fix, and so that one run reports all of them.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from leadqual.contract.expression import Expression, ExpressionError, parse_expression
from leadqual.contract.fields import ScopeName, did_you_mean
from leadqual.contract.model import (
    DEFAULT_HALF_LIFE_DAYS,
    DEFAULT_MQL,
    DEFAULT_RECYCLE_FOR_DAYS,
    DEFAULT_RECYCLE_INTENT_BELOW,
    DEFAULT_SQL,
    Contract,
    Criterion,
    Intent,
    Recycle,
    Routing,
    RoutingRule,
    Signal,
    Sla,
    StageRules,
)
from leadqual.errors import ContractError, InvalidInput, NotFound
from leadqual.features.schema import DEFAULT_PAGES, EVENT_TYPES

__all__ = ["load_contract", "load_contract_file", "starter_contract_text"]

# key → required?
_TOP = {
    "name": True,
    "description": False,
    "signed_by": False,
    "fit": True,
    "intent": True,
    "stages": False,
    "routing": False,
    "sla": False,
    "pages": False,
}
_ROUTING = {"owners": True, "rules": False, "account_owner": False}
_ROUTING_RULE = {"name": True, "when": True, "owners": True}
_SLA = {
    "first_touch_hours": True,
    "working_days": False,
    "working_hours": False,
    "utc_offset_hours": False,
    "holidays": False,
}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CRITERION = {"name": True, "when": True, "points": True, "description": False}
_DISQUALIFY = {"name": True, "when": True, "description": False}
_INTENT = {"half_life_days": False, "signals": True}
_SIGNAL = {
    "name": True,
    "event": True,
    "where": False,
    "points": True,
    "cap": True,
    "half_life_days": False,
    "description": False,
}
_STAGES = {"mql": False, "sql": False, "disqualify": False, "recycle": False}
_RECYCLE = {"intent_below": False, "for_days": False}

_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")
# Page categories (the `pages:` section) become the intent pipeline's `views_<category>` columns.
_CATEGORY = re.compile(r"^[a-z][a-z0-9_]*$")
_OTHER_PAGES = "other"
_PATTERN_PREFIX = re.compile(r"^([a-z]+):")
# Features that read one page category, by the category they read.
_CATEGORY_FEATURES = {"pricing_seconds_30d": "pricing"}
_KIND_WORDS = {
    "str": "text",
    "int": "a number",
    "float": "a number",
    "bool": "true/false",
    "list": "a list",
    "dict": "a mapping",
}


def starter_contract_text() -> str:
    """The starter contract shipped with leadqual (commented YAML), to copy and adapt.

    >>> "fit:" in starter_contract_text()
    True
    """
    return resources.files("leadqual.contract").joinpath("starter.yaml").read_text("utf-8")


def load_contract_file(path: str | Path) -> Contract:
    """Load the contract at ``path``; problems are reported against that file name.

    >>> load_contract_file("no-such.yaml")
    Traceback (most recent call last):
    ...
    leadqual.errors.NotFound: no contract file at no-such.yaml; \
`leadqual contract starter > no-such.yaml` writes a starter contract to adapt
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise NotFound(
            f"no contract file at {p}; `leadqual contract starter > {p}` writes a starter "
            "contract to adapt"
        ) from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{p} is not UTF-8 text; save the contract as UTF-8") from exc
    except OSError as exc:
        raise InvalidInput(f"cannot read {p}: {exc.strerror}") from exc
    return load_contract(text, source=str(p))


def load_contract(text: str, source: str = "<contract>") -> Contract:
    """Validate contract YAML and build the ``Contract``.

    Raises ``ContractError`` listing every problem as ``"{file}:{line}: {field}: {message}"``.

    >>> load_contract(starter_contract_text(), "starter.yaml").name
    'Starter contract'
    >>> load_contract("name: x\\nfitt: []\\nintent: {signals: []}", "c.yaml")
    Traceback (most recent call last):
    ...
    leadqual.errors.ContractError: c.yaml: 3 problem(s) in the contract
      - c.yaml:1: missing required key `fit`
      - c.yaml:2: unknown key `fitt` — did you mean `fit`?
      - c.yaml:3: intent.signals: give at least one signal
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        raise ContractError([f"{source}:{line}: YAML syntax error: {what}"], source=source) from exc
    except yaml.YAMLError as exc:
        raise ContractError([f"{source}:1: YAML syntax error: {exc}"], source=source) from exc
    if root is None:
        raise ContractError(
            [f"{source}:1: the contract is empty; `leadqual contract starter` prints one to adapt"],
            source=source,
        )
    reader = _Reader(source)
    contract = reader.contract(root, text)
    if reader.problems or contract is None:
        raise ContractError(reader.sorted_problems(), source=source)
    return contract


@dataclass
class _Entry:
    key: ScalarNode
    value: Node


class _Reader:
    """Walks the composed YAML, collecting problems; returns None for any part that is wrong."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[tuple[int, int, str]] = []
        self._constructor = SafeConstructor()

    # -- problems ------------------------------------------------------------------------------

    def add(self, node: Node, path: str, message: str) -> None:
        where = f"{self.source}:{node.start_mark.line + 1}: "
        self.problems.append(
            (
                node.start_mark.line,
                len(self.problems),
                where + (f"{path}: " if path else "") + message,
            )
        )

    def sorted_problems(self) -> list[str]:
        return [p for _, _, p in sorted(self.problems)]

    # -- generic readers -----------------------------------------------------------------------

    def mapping(self, node: Node, path: str, keys: dict[str, bool]) -> dict[str, Node] | None:
        if not isinstance(node, MappingNode):
            self.add(node, path, f"expected a mapping (`key: value` lines), got {self.kind(node)}")
            return None
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node)
            if not isinstance(key, str):
                self.add(key_node, path, f"keys must be text, got `{key}`")
                continue
            if key not in keys:
                self.add(key_node, path, f"unknown key `{key}`{did_you_mean(key, keys)}")
            elif key in found:
                self.add(
                    key_node,
                    path,
                    f"duplicate key `{key}` (also at line {found[key].start_mark.line + 1})",
                )
            else:
                found[key] = value_node
        for key, required in keys.items():
            if required and key not in found:
                self.add(node, path, f"missing required key `{key}`")
        # An explicitly empty value (`description:`) counts as absent for optional keys.
        return {k: v for k, v in found.items() if not (self.is_null(v) and not keys[k])}

    def sequence(self, node: Node, path: str, what: str, one: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.add(
                node,
                path,
                f"expected a list of {what} (lines starting with `- `), got {self.kind(node)}",
            )
            return None
        if not node.value:
            self.add(node, path, f"give at least one {one}")
        return list(node.value)

    def scalar(self, node: Node) -> Any:
        if not isinstance(node, ScalarNode):
            return node
        return self._constructor.construct_object(node, deep=True)

    def is_null(self, node: Node) -> bool:
        return isinstance(node, ScalarNode) and self.scalar(node) is None

    def kind(self, node: Node) -> str:
        if isinstance(node, MappingNode):
            return "a mapping"
        if isinstance(node, SequenceNode):
            return "a list"
        value = self.scalar(node)
        if value is None:
            return "nothing"
        return f"{_KIND_WORDS.get(type(value).__name__, type(value).__name__)} `{node.value}`"

    def text(self, node: Node, path: str) -> str | None:
        value = self.scalar(node)
        if isinstance(value, MappingNode | SequenceNode) or value is None:
            self.add(node, path, f"expected text, got {self.kind(node)}")
            return None
        return str(value).strip()

    def number(
        self, node: Node, path: str, *, above: float | None = None, at_least: float | None = None
    ) -> float | None:
        value = self.scalar(node)
        if isinstance(value, str) and isinstance(node, ScalarNode) and node.style is None:
            with contextlib.suppress(ValueError):  # YAML 1.1 reads `5e6` as text: a number is meant
                value = float(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(node, path, f"expected a number, got {self.kind(node)}")
            return None
        number = float(value)
        if not math.isfinite(number):
            self.add(node, path, "expected a finite number")
        elif above is not None and number <= above:
            self.add(node, path, f"must be greater than {above:g}, got {number:g}")
        elif at_least is not None and number < at_least:
            self.add(node, path, f"must be at least {at_least:g}, got {number:g}")
        else:
            return number
        return None

    def name(self, node: Node, path: str) -> str | None:
        name = self.text(node, path)
        if name is not None and (not name or not set(name) <= _NAME_CHARS):
            suggestion = "".join(c if c in _NAME_CHARS else "_" for c in name.lower()).strip("_")
            self.add(
                node,
                path,
                f"names use lower-case letters, digits and `_` only, e.g. "
                f"`{suggestion or 'right_size'}`",
            )
            return None
        return name

    def expression(self, node: Node, path: str, scope: ScopeName) -> Expression | None:
        value = self.scalar(node)
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, str):
            self.add(
                node, path, f"expected a condition such as `employees >= 50`, got {self.kind(node)}"
            )
            return None
        try:
            return parse_expression(value, scope=scope)
        except ExpressionError as exc:
            for problem in exc.problems:
                self.add(node, path, problem)
            return None

    def unique(self, items: list[tuple[str | None, Node, str]], what: str) -> None:
        seen: dict[str, Node] = {}
        for name, node, path in items:
            if name is None:
                continue
            if name in seen:
                self.add(
                    node,
                    path,
                    f"duplicate {what} name `{name}` (also at line "
                    f"{seen[name].start_mark.line + 1}); give each a name of its own",
                )
            else:
                seen[name] = node

    # -- the contract --------------------------------------------------------------------------

    def contract(self, root: Node, text: str) -> Contract | None:
        top = self.mapping(root, "", _TOP)
        if top is None:
            return None
        name = self.text(top["name"], "name") if "name" in top else None
        description = self.text(top["description"], "description") if "description" in top else ""
        signed_by = self.signed_by(top["signed_by"]) if "signed_by" in top else {}
        fit = self.criteria(top["fit"], "fit", points=True) if "fit" in top else None
        intent = self.intent(top["intent"]) if "intent" in top else None
        stages = self.stages(top.get("stages"))
        routing = self.routing(top["routing"]) if "routing" in top else None
        sla = self.sla(top["sla"]) if "sla" in top else None
        pages = self.pages(top["pages"]) if "pages" in top else dict(DEFAULT_PAGES)
        if ("routing" in top and routing is None) or ("sla" in top and sla is None):
            return None
        if (
            name is None
            or description is None
            or signed_by is None
            or fit is None
            or intent is None
            or stages is None
            or pages is None
        ):
            return None
        self.pages_used(root, top, pages, fit, stages, routing)
        return Contract(
            name=name,
            description=description,
            fit=fit,
            intent=intent,
            stages=stages,
            signed_by=signed_by,
            text=text,
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            routing=routing,
            sla=sla,
            pages=pages,
        )

    def signed_by(self, node: Node) -> dict[str, str] | None:
        if not isinstance(node, MappingNode):
            self.add(node, "signed_by", "expected `team: who` lines, e.g. `marketing: Ana Ruiz`")
            return None
        out: dict[str, str] = {}
        for key_node, value_node in node.value:
            key = self.text(key_node, "signed_by")
            value = self.text(value_node, f"signed_by.{key}")
            if key is not None and value is not None:
                out[key] = value
        return out

    def criteria(self, node: Node, path: str, *, points: bool) -> tuple[Criterion, ...] | None:
        items = self.sequence(
            node, path, *(("criteria", "criterion") if points else ("rules", "rule"))
        )
        if items is None:
            return None
        out: list[Criterion | None] = []
        names: list[tuple[str | None, Node, str]] = []
        for i, item in enumerate(items):
            here = f"{path}[{i}]"
            m = self.mapping(item, here, _CRITERION if points else _DISQUALIFY)
            if m is None:
                out.append(None)
                continue
            name = self.name(m["name"], f"{here}.name") if "name" in m else None
            names.append((name, m.get("name", item), f"{here}.name"))
            scope: ScopeName = "fit" if points else "rule"
            when = self.expression(m["when"], f"{here}.when", scope) if "when" in m else None
            pts = self.number(m["points"], f"{here}.points") if points and "points" in m else 0.0
            desc = self.text(m["description"], f"{here}.description") if "description" in m else ""
            ok = None not in (name, when, pts, desc)
            out.append(Criterion(name, when, pts, desc) if ok else None)  # type: ignore[arg-type]
        self.unique(names, "criterion" if points else "rule")
        return None if None in out else tuple(c for c in out if c is not None)

    def intent(self, node: Node) -> Intent | None:
        m = self.mapping(node, "intent", _INTENT)
        if m is None:
            return None
        half_life = (
            self.number(m["half_life_days"], "intent.half_life_days", above=0)
            if "half_life_days" in m
            else DEFAULT_HALF_LIFE_DAYS
        )
        items = (
            self.sequence(m["signals"], "intent.signals", "signals", "signal")
            if "signals" in m
            else None
        )
        if items is None:
            return None
        signals: list[Signal | None] = []
        names: list[tuple[str | None, Node, str]] = []
        for i, item in enumerate(items):
            here = f"intent.signals[{i}]"
            s = self.mapping(item, here, _SIGNAL)
            if s is None:
                signals.append(None)
                continue
            name = self.name(s["name"], f"{here}.name") if "name" in s else None
            names.append((name, s.get("name", item), f"{here}.name"))
            event = self.event(s["event"], f"{here}.event") if "event" in s else None
            where = self.expression(s["where"], f"{here}.where", "event") if "where" in s else None
            points = self.number(s["points"], f"{here}.points", above=0) if "points" in s else None
            cap = self.number(s["cap"], f"{here}.cap", above=0) if "cap" in s else None
            own_half_life = (
                self.number(s["half_life_days"], f"{here}.half_life_days", above=0)
                if "half_life_days" in s
                else half_life
            )
            desc = self.text(s["description"], f"{here}.description") if "description" in s else ""
            parts = (name, event, points, cap, own_half_life, desc)
            bad_where = "where" in s and where is None
            signals.append(
                Signal(name, event, where, points, cap, own_half_life, desc)  # type: ignore[arg-type]
                if None not in parts and not bad_where
                else None
            )
        self.unique(names, "signal")
        if half_life is None or None in signals:
            return None
        return Intent(half_life, tuple(s for s in signals if s is not None))

    def event(self, node: Node, path: str) -> str | None:
        event = self.text(node, path)
        if event is not None and event not in EVENT_TYPES:
            self.add(
                node,
                path,
                f"unknown event type `{event}`{did_you_mean(event, EVENT_TYPES)}"
                f" (event types: {', '.join(EVENT_TYPES)})",
            )
            return None
        return event

    def stages(self, node: Node | None) -> StageRules | None:
        m = self.mapping(node, "stages", _STAGES) if node is not None else {}
        if m is None:
            return None
        mql = self.rule(m.get("mql"), "stages.mql", DEFAULT_MQL)
        sql = self.rule(m.get("sql"), "stages.sql", DEFAULT_SQL)
        disqualify = (
            self.criteria(m["disqualify"], "stages.disqualify", points=False)
            if "disqualify" in m
            else ()
        )
        recycle = self.recycle(m["recycle"]) if "recycle" in m else Recycle()
        if mql is None or sql is None or disqualify is None or recycle is None:
            return None
        return StageRules(mql, sql, disqualify, recycle)

    def rule(self, node: Node | None, path: str, default: str) -> Expression | None:
        if node is None:
            return parse_expression(default, scope="rule")
        return self.expression(node, path, "rule")

    def recycle(self, node: Node) -> Recycle | None:
        m = self.mapping(node, "stages.recycle", _RECYCLE)
        if m is None:
            return None
        below = (
            self.number(m["intent_below"], "stages.recycle.intent_below", at_least=0)
            if "intent_below" in m
            else DEFAULT_RECYCLE_INTENT_BELOW
        )
        days = (
            self.number(m["for_days"], "stages.recycle.for_days", above=0)
            if "for_days" in m
            else DEFAULT_RECYCLE_FOR_DAYS
        )
        if below is None or days is None:
            return None
        return Recycle(below, days)

    # -- page categories -----------------------------------------------------------------------

    def pages(self, node: Node) -> dict[str, tuple[str, ...]] | None:
        """`pages:` — `{category: [pattern, ...]}`, in order (the first match wins)."""
        if not isinstance(node, MappingNode):
            self.add(
                node,
                "pages",
                "expected `category: [patterns]` lines, e.g. `pricing: [/pricing*, /plans*]`, "
                f"got {self.kind(node)}",
            )
            return None
        if not node.value:
            self.add(
                node,
                "pages",
                "give at least one category, or leave `pages:` out for the "
                "default categories (" + ", ".join(DEFAULT_PAGES) + ")",
            )
            return None
        out: dict[str, tuple[str, ...]] = {}
        seen: dict[str, Node] = {}
        ok = True
        for key_node, value_node in node.value:
            name = self.category(key_node)
            if name is None:
                ok = False
                continue
            if name in seen:
                self.add(
                    key_node,
                    "pages",
                    f"duplicate category `{name}` (also at line {seen[name].start_mark.line + 1})",
                )
                ok = False
                continue
            seen[name] = key_node
            patterns = self.patterns(value_node, f"pages.{name}")
            if patterns is None:
                ok = False
            else:
                out[name] = patterns
        return out if ok else None

    def category(self, node: Node) -> str | None:
        name = self.text(node, "pages")
        if name is None:
            return None
        if name == _OTHER_PAGES:
            self.add(
                node,
                "pages",
                "`other` holds the pages no category matches and takes no patterns; leave it out",
            )
            return None
        if not _CATEGORY.match(name):
            fixed = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
            fixed = fixed if _CATEGORY.match(fixed) else "pricing"
            self.add(
                node,
                "pages",
                f"category `{name}`: a category starts with a lower-case letter and uses "
                f"lower-case letters, digits and `_` (it becomes the column `views_<category>`), "
                f"e.g. `{fixed}`",
            )
            return None
        return name

    def patterns(self, node: Node, path: str) -> tuple[str, ...] | None:
        items = self.sequence(node, path, "URL path patterns", "pattern")
        if items is None or not items:
            return None
        out: list[str] = []
        for i, item in enumerate(items):
            pattern = self.text(item, f"{path}[{i}]")
            if pattern is not None and self.pattern_problem(item, f"{path}[{i}]", pattern):
                pattern = None
            if pattern is not None:
                out.append(pattern)
        return tuple(out) if len(out) == len(items) else None

    def pattern_problem(self, node: Node, path: str, pattern: str) -> bool:
        """Report what is wrong with one pattern (True if anything is)."""
        if not pattern:
            self.add(node, path, "a pattern cannot be empty")
            return True
        if pattern.startswith("re:"):
            try:
                re.compile(pattern[3:])
            except re.error as exc:
                self.add(node, path, f"`{pattern}` is not a regular expression: {exc}")
                return True
            if any(c.isupper() for c in re.sub(r"\\.", "", pattern[3:])):
                self.add(
                    node,
                    path,
                    f"`{pattern}`: paths are lower-cased before matching, so upper-case "
                    f"letters never match; write `{pattern.lower()}`",
                )
                return True
            return False
        prefix = _PATTERN_PREFIX.match(pattern)
        if prefix is not None:
            word = prefix.group(0)
            self.add(
                node,
                path,
                f"unknown pattern prefix `{word}`{did_you_mean(word, ['re:'])}"
                " (a pattern is a glob such as `/pricing*`, or `re:` and a regular expression)",
            )
            return True
        if not pattern.startswith(("/", "*")):
            self.add(
                node,
                path,
                f"`{pattern}`: a glob is matched against the whole path, which starts with `/`; "
                f"write `/{pattern}` (or `*/{pattern}` for any depth)",
            )
            return True
        return False

    def pages_used(
        self,
        root: Node,
        top: dict[str, Node],
        pages: dict[str, tuple[str, ...]],
        fit: tuple[Criterion, ...],
        stages: StageRules,
        routing: Routing | None,
    ) -> None:
        """A feature that reads one page category needs that category in `pages:`."""
        used: set[str] = set()
        for e in [c.when for c in fit] + [stages.mql, stages.sql]:
            used |= e.fields
        for c in stages.disqualify:
            used |= c.when.fields
        for r in routing.rules if routing is not None else ():
            used |= r.when.fields
        for feature, category in _CATEGORY_FEATURES.items():
            if feature in used and category not in pages:
                self.add(
                    top.get("pages", root),
                    "pages",
                    f"`{feature}` counts time on `{category}` pages, but `pages:` has no "
                    f"`{category}` category{did_you_mean(category, pages)}",
                )

    # -- routing and SLA -----------------------------------------------------------------------

    def owners(self, node: Node, path: str) -> tuple[str, ...] | None:
        items = self.sequence(node, path, "sales owners", "owner")
        if items is None:
            return None
        out = [self.text(item, f"{path}[{i}]") for i, item in enumerate(items)]
        for i, (item, owner) in enumerate(zip(items, out, strict=True)):
            if owner == "":
                self.add(item, f"{path}[{i}]", "an owner cannot be empty")
                out[i] = None
        seen: set[str] = set()
        for i, (item, owner) in enumerate(zip(items, out, strict=True)):
            if owner is not None and owner in seen:
                self.add(item, f"{path}[{i}]", f"`{owner}` is listed twice")
            seen.add(owner or "")
        if not items or None in out:
            return None
        return tuple(o for o in out if o is not None)

    def routing(self, node: Node) -> Routing | None:
        m = self.mapping(node, "routing", _ROUTING)
        if m is None:
            return None
        owners = self.owners(m["owners"], "routing.owners") if "owners" in m else None
        account_owner: bool | None = True
        if "account_owner" in m:
            value = self.scalar(m["account_owner"])
            if not isinstance(value, bool):
                self.add(
                    m["account_owner"],
                    "routing.account_owner",
                    f"expected true or false, got {self.kind(m['account_owner'])}",
                )
                account_owner = None
            else:
                account_owner = value
        rules: list[RoutingRule | None] = []
        items = self.sequence(m["rules"], "routing.rules", "rules", "rule") if "rules" in m else []
        names: list[tuple[str | None, Node, str]] = []
        for i, item in enumerate(items or []):
            here = f"routing.rules[{i}]"
            r = self.mapping(item, here, _ROUTING_RULE)
            if r is None:
                rules.append(None)
                continue
            name = self.name(r["name"], f"{here}.name") if "name" in r else None
            names.append((name, r.get("name", item), f"{here}.name"))
            # Routing happens before anybody scores the lead for sales: firmographics, persona
            # and behaviour only (the `fit` scope), e.g. territory and segment.
            when = self.expression(r["when"], f"{here}.when", "fit") if "when" in r else None
            rule_owners = self.owners(r["owners"], f"{here}.owners") if "owners" in r else None
            ok = name is not None and when is not None and rule_owners is not None
            rules.append(RoutingRule(name, when, rule_owners) if ok else None)  # type: ignore[arg-type]
        self.unique(names, "routing rule")
        if owners is None or account_owner is None or items is None or None in rules:
            return None
        return Routing(owners, tuple(r for r in rules if r is not None), account_owner)

    def sla(self, node: Node) -> Sla | None:
        m = self.mapping(node, "sla", _SLA)
        if m is None:
            return None
        hours = (
            self.number(m["first_touch_hours"], "sla.first_touch_hours", above=0)
            if "first_touch_hours" in m
            else None
        )
        days: tuple[str, ...] | None = ("mon", "tue", "wed", "thu", "fri")
        if "working_days" in m:
            items = self.sequence(m["working_days"], "sla.working_days", "days", "day")
            found: list[str] = []
            for i, item in enumerate(items or []):
                day = self.text(item, f"sla.working_days[{i}]")
                if day is not None and day.lower()[:3] not in _WEEKDAYS:
                    self.add(
                        item,
                        f"sla.working_days[{i}]",
                        f"unknown day `{day}`{did_you_mean(day.lower(), _WEEKDAYS)} "
                        f"(days: {', '.join(_WEEKDAYS)})",
                    )
                elif day is not None:
                    found.append(day.lower()[:3])
            ok = items and len(found) == len(items)
            days = tuple(d for d in _WEEKDAYS if d in found) if ok else None
        start, end = 9 * 60, 17 * 60
        bad_hours = False
        if "working_hours" in m:
            span = self.working_hours(m["working_hours"])
            if span is None:
                bad_hours = True
            else:
                start, end = span
        offset = (
            self.number(m["utc_offset_hours"], "sla.utc_offset_hours")
            if "utc_offset_hours" in m
            else 0.0
        )
        if offset is not None and not -14 <= offset <= 14:
            self.add(m["utc_offset_hours"], "sla.utc_offset_hours", "must be between -14 and 14")
            offset = None
        holidays: list[str] = []
        bad_holiday = False
        if "holidays" in m:
            for i, item in enumerate(
                self.sequence(m["holidays"], "sla.holidays", "dates", "date") or []
            ):
                # The raw text: YAML would turn `2026-02-30` into an exception, not a date.
                value = item.value if isinstance(item, ScalarNode) else None
                try:
                    holidays.append(date.fromisoformat(str(value)).isoformat())
                except ValueError:
                    self.add(
                        item,
                        f"sla.holidays[{i}]",
                        f"expected a date such as 2026-12-25, got `{value}`",
                    )
                    bad_holiday = True
        if hours is None or days is None or bad_hours or offset is None or bad_holiday:
            return None
        return Sla(hours, days, start, end, offset, tuple(holidays))

    def working_hours(self, node: Node) -> tuple[int, int] | None:
        text = self.text(node, "sla.working_hours")
        if text is None:
            return None
        try:
            left, right = (part.strip() for part in text.split("-"))
            start, end = (_minutes(left), _minutes(right))
        except ValueError:
            self.add(
                node,
                "sla.working_hours",
                f"expected `HH:MM-HH:MM` such as `09:00-17:00`, got `{text}`",
            )
            return None
        if not start < end:
            self.add(node, "sla.working_hours", f"the day must end after it starts, got `{text}`")
            return None
        return start, end


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    value = int(hours) * 60 + int(minutes)
    if not (0 <= int(minutes) < 60 and 0 <= value <= 24 * 60):
        raise ValueError(text)
    return value
