"""A discovered condition — ``field op value`` — and how it reads in the contract language.

The ops are the simulator's and the JSON output's: ``>=``, ``<=``, ``=`` and ``in`` (a list; on a
list field such as ``technologies`` it means "has any of"). Rendered, every condition is a valid
fit condition of the contract (``parse_expression(text, scope="fit")`` accepts it).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from leadqual.features.schema import FEATURES

__all__ = ["Condition", "Op", "render_rule"]

Op = Literal[">=", "<=", "=", "in"]
_LIST_FIELDS = frozenset(f.name for f in FEATURES if f.kind == "list")


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _number(value: float) -> int | float:
    """Integral floats as ints, for JSON and for the reader."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class Condition:
    """One condition on one attribute; ``value`` is a number (``>=``, ``<=``), a string
    (``=``) or a tuple of strings (``in``).

    >>> Condition("employees", ">=", 250.0).to_expression()
    'employees >= 250'
    >>> Condition("technologies", "in", ("shopify", "magento")).to_expression()
    "has_any(technologies, 'shopify', 'magento')"
    >>> Condition("industry", "in", ("retail", "software")).as_dict()
    {'field': 'industry', 'op': 'in', 'value': ['retail', 'software']}
    """

    field: str
    op: Op
    value: Any
    multi: bool = dataclasses.field(default=False, compare=False)  # a list field: ``in`` = has any

    @property
    def on_list(self) -> bool:
        return self.multi or self.field in _LIST_FIELDS

    def as_dict(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        if isinstance(value, float):
            value = _number(value)
        return {"field": self.field, "op": self.op, "value": value}

    def to_expression(self) -> str:
        if self.op == "in":
            items = ", ".join(_literal(v) for v in self.value)
            if self.on_list:
                return f"has_any({self.field}, {items})"
            return f"{self.field} in ({items})"
        return f"{self.field} {self.op} {_literal(self.value)}"

    def describe(self) -> str:
        """In words, for tables and comments: ``employees ≥ 250``."""
        if self.op == "in":
            items = ", ".join(str(v) for v in self.value)
            return f"{self.field} has any of ({items})" if self.on_list else (
                f"{self.field} in ({items})"
            )
        op = {">=": "≥", "<=": "≤"}.get(self.op, self.op)
        value = self.value
        if isinstance(value, float | int) and not isinstance(value, bool):
            value = f"{_number(float(value)):,}"
        return f"{self.field} {op} {value}"

    @property
    def signature(self) -> tuple[str, str]:
        """What makes two conditions "the same question": field and direction."""
        return self.field, ("<=" if self.op == "<=" else ">=" if self.op == ">=" else "set")


def render_rule(conditions: Sequence[Condition]) -> str:
    """A conjunction in the contract language.

    >>> render_rule([Condition("employees", ">=", 50), Condition("country", "=", "Spain")])
    "employees >= 50 and country = 'Spain'"
    """
    return " and ".join(c.to_expression() for c in conditions)
