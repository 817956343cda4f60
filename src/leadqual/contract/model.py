"""The qualification contract as plain, immutable data: what the loader returns and what
qualify, backtests and the API read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from leadqual.contract.expression import Expression
from leadqual.features.schema import DEFAULT_PAGES

__all__ = [
    "DEFAULT_HALF_LIFE_DAYS",
    "DEFAULT_MQL",
    "DEFAULT_RECYCLE_FOR_DAYS",
    "DEFAULT_RECYCLE_INTENT_BELOW",
    "DEFAULT_SQL",
    "Contract",
    "Criterion",
    "Intent",
    "Recycle",
    "Routing",
    "RoutingRule",
    "Signal",
    "Sla",
    "StageRules",
]

DEFAULT_MQL = "fit >= 40 and intent >= 30"
DEFAULT_SQL = "sales_accepted and bant_confirmed and meetings_held >= 1"
DEFAULT_HALF_LIFE_DAYS = 14.0
DEFAULT_RECYCLE_INTENT_BELOW = 10.0
DEFAULT_RECYCLE_FOR_DAYS = 30.0


@dataclass(frozen=True)
class Criterion:
    """A named condition: a fit criterion (worth ``points`` when it passes) or a disqualify
    rule (``points`` is 0)."""

    name: str
    when: Expression
    points: float
    description: str = ""


@dataclass(frozen=True)
class Signal:
    """An intent signal: each matching event of type ``event`` (and ``where``, if given) is
    worth ``points``, halved every ``half_life_days``; the signal contributes at most ``cap``."""

    name: str
    event: str
    where: Expression | None
    points: float
    cap: float
    half_life_days: float
    description: str = ""


@dataclass(frozen=True)
class Intent:
    half_life_days: float
    signals: tuple[Signal, ...]


@dataclass(frozen=True)
class Recycle:
    """An MQL whose intent stayed below ``intent_below`` for ``for_days`` goes back to nurture."""

    intent_below: float = DEFAULT_RECYCLE_INTENT_BELOW
    for_days: float = DEFAULT_RECYCLE_FOR_DAYS


@dataclass(frozen=True)
class StageRules:
    mql: Expression
    sql: Expression
    disqualify: tuple[Criterion, ...] = ()
    recycle: Recycle = field(default_factory=Recycle)


@dataclass(frozen=True)
class RoutingRule:
    """Leads passing ``when`` go to ``owners`` (round robin among them)."""

    name: str
    when: Expression
    owners: tuple[str, ...]


@dataclass(frozen=True)
class Routing:
    """Who gets a new MQL: the first rule that matches, else the account's owner (when
    ``account_owner``), else round robin over ``owners``."""

    owners: tuple[str, ...]
    rules: tuple[RoutingRule, ...] = ()
    account_owner: bool = True


@dataclass(frozen=True)
class Sla:
    """Sales first touches a new MQL within ``first_touch_hours`` working hours."""

    first_touch_hours: float
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    start_minute: int = 9 * 60
    end_minute: int = 17 * 60
    utc_offset_hours: float = 0.0
    holidays: tuple[str, ...] = ()  # ISO dates


@dataclass(frozen=True)
class Contract:
    """A validated contract, with the exact text it came from and that text's SHA-256."""

    name: str
    description: str
    fit: tuple[Criterion, ...]
    intent: Intent
    stages: StageRules
    signed_by: dict[str, str] = field(default_factory=dict, hash=False)
    text: str = field(default="", repr=False)
    sha256: str = ""
    routing: Routing | None = field(default=None, hash=False)
    sla: Sla | None = field(default=None, hash=False)
    # Page categories by URL path pattern (the `pages:` section; docs/intent.md).
    pages: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_PAGES), hash=False
    )

    @property
    def fields(self) -> frozenset[str]:
        """Every feature a condition of the contract reads (fit, stage and routing rules; a
        signal's `where` reads event fields, not features).

        >>> from leadqual.contract.loader import load_contract, starter_contract_text
        >>> "employees" in load_contract(starter_contract_text()).fields
        True
        """
        exprs = [c.when for c in self.fit]
        exprs += [self.stages.mql, self.stages.sql, *(c.when for c in self.stages.disqualify)]
        if self.routing is not None:
            exprs += [r.when for r in self.routing.rules]
        out: set[str] = set()
        for e in exprs:
            out |= e.fields
        return frozenset(out)

    @property
    def max_fit(self) -> float:
        """The highest fit score a lead can reach: the sum of the positive points.

        >>> from leadqual.contract.loader import load_contract, starter_contract_text
        >>> load_contract(starter_contract_text()).max_fit
        100.0
        """
        return float(sum(c.points for c in self.fit if c.points > 0))

    def criterion(self, name: str) -> Criterion:
        """The fit criterion called ``name`` (``KeyError`` if there is none)."""
        for c in self.fit:
            if c.name == name:
                return c
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (conditions as their source text), for the CLI and the API."""
        return {
            "name": self.name,
            "description": self.description,
            "signed_by": dict(self.signed_by),
            "sha256": self.sha256,
            "max_fit": self.max_fit,
            "fit": [
                {
                    "name": c.name,
                    "when": c.when.source,
                    "points": c.points,
                    "description": c.description,
                }
                for c in self.fit
            ],
            "intent": {
                "half_life_days": self.intent.half_life_days,
                "signals": [
                    {
                        "name": s.name,
                        "event": s.event,
                        "where": s.where.source if s.where else None,
                        "points": s.points,
                        "cap": s.cap,
                        "half_life_days": s.half_life_days,
                        "description": s.description,
                    }
                    for s in self.intent.signals
                ],
            },
            "stages": {
                "mql": self.stages.mql.source,
                "sql": self.stages.sql.source,
                "disqualify": [
                    {"name": c.name, "when": c.when.source, "description": c.description}
                    for c in self.stages.disqualify
                ],
                "recycle": {
                    "intent_below": self.stages.recycle.intent_below,
                    "for_days": self.stages.recycle.for_days,
                },
            },
            "routing": None
            if self.routing is None
            else {
                "owners": list(self.routing.owners),
                "account_owner": self.routing.account_owner,
                "rules": [
                    {"name": r.name, "when": r.when.source, "owners": list(r.owners)}
                    for r in self.routing.rules
                ],
            },
            "pages": {name: list(patterns) for name, patterns in self.pages.items()},
            "sla": None
            if self.sla is None
            else {
                "first_touch_hours": self.sla.first_touch_hours,
                "working_days": list(self.sla.days),
                "working_hours": f"{_clock(self.sla.start_minute)}-{_clock(self.sla.end_minute)}",
                "utc_offset_hours": self.sla.utc_offset_hours,
                "holidays": list(self.sla.holidays),
            },
        }


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
