"""The planted ideal-customer profile: a conjunction of 2–3 firmographic conditions.

Each seed draws its own profile from a pool of candidate conditions whose thresholds come from
the generated accounts themselves (a random quantile, rounded to a "nice" number a person would
write), and keeps drawing until 12–28% of the accounts match. Conditions use the contract's
field names and operators so that discovery's output can be compared with them directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from leadqual.simulate.firmographics import AccountTable
from leadqual.simulate.vocabulary import COUNTRIES, INDUSTRIES, PLATFORMS, TECHNOLOGIES

__all__ = ["MAX_SHARE", "MIN_SHARE", "Condition", "describe", "draw_profile", "matches"]

MIN_SHARE = 0.12
MAX_SHARE = 0.28
MAX_DRAWS = 400
NUMERIC_FIELDS = (
    "employees",
    "annual_revenue",
    "monthly_visits",
    "ad_spend",
    "dept_marketing",
    "dept_sales",
    "dept_engineering",
    "dept_it",
)


@dataclass(frozen=True)
class Condition:
    """``field op value``; op is ``>=``, ``<=``, ``in`` (a list; for technologies: has any) or
    ``=``.

    >>> Condition("employees", ">=", 200).as_dict()
    {'field': 'employees', 'op': '>=', 'value': 200}
    """

    field: str
    op: str
    value: Any

    def as_dict(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, tuple) else self.value
        return {"field": self.field, "op": self.op, "value": value}

    def describe(self) -> str:
        if self.op == "in":
            items = ", ".join(self.value)
            if self.field == "technologies":
                return f"runs any of ({items})"
            return f"{self.field} in ({items})"
        op = {">=": "≥", "<=": "≤"}.get(self.op, self.op)
        value = f"{self.value:,}" if isinstance(self.value, int) else str(self.value)
        return f"{self.field} {op} {value}"


def describe(profile: Sequence[Condition]) -> str:
    """The profile in words.

    >>> describe([Condition("employees", ">=", 200), Condition("industry", "in", ("retail",))])
    'employees ≥ 200 and industry in (retail)'
    """
    return " and ".join(c.describe() for c in profile)


def _column(accounts: AccountTable, name: str) -> np.ndarray:
    if name == "industry":
        return accounts.industry_names()
    if name == "country":
        return accounts.country_names()
    return np.asarray(getattr(accounts, name))


def matches(profile: Sequence[Condition], accounts: AccountTable) -> np.ndarray:
    """A boolean per account: does it satisfy every condition of ``profile``?

    >>> from leadqual.simulate.firmographics import generate_accounts
    >>> acc = generate_accounts(np.random.default_rng(0), 50)
    >>> bool(matches([Condition("employees", ">=", 1)], acc).all())
    True
    """
    ok = np.ones(len(accounts), dtype=bool)
    for c in profile:
        if c.field == "technologies":
            cols = [TECHNOLOGIES.index(t) for t in c.value]
            ok &= accounts.technologies[:, cols].any(axis=1)
            continue
        col = _column(accounts, c.field)
        if c.op == ">=":
            ok &= col >= c.value
        elif c.op == "<=":
            ok &= col <= c.value
        elif c.op == "in":
            ok &= np.isin(col, list(c.value))
        else:
            ok &= col == c.value
    return ok


def _nice(x: float) -> int:
    """Round to two significant digits, and to 1, 2, 2.5 or 5 times a power of ten above 100."""
    if x < 10:
        return max(1, round(x))
    power = 10 ** math.floor(math.log10(x))
    steps = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.5, 8.0, 10.0)
    mantissa = x / power
    best = min(steps, key=lambda s: abs(s - mantissa))
    return round(best * power)


def _candidates(
    accounts: AccountTable,
) -> list[Callable[[np.random.Generator], Condition]]:
    def at_least(field: str, lo: float, hi: float) -> Callable[[np.random.Generator], Condition]:
        values = np.asarray(getattr(accounts, field))

        def draw(rng: np.random.Generator) -> Condition:
            return Condition(field, ">=", _nice(float(np.quantile(values, rng.uniform(lo, hi)))))

        return draw

    def employees_cap(rng: np.random.Generator) -> Condition:
        q = float(np.quantile(accounts.employees, rng.uniform(0.85, 0.97)))
        return Condition("employees", "<=", _nice(q))

    def industries(rng: np.random.Generator) -> Condition:
        w = np.array([i.weight for i in INDUSTRIES], dtype=float)
        k = int(rng.integers(2, 5))
        chosen = rng.choice(len(INDUSTRIES), size=k, replace=False, p=w / w.sum())
        return Condition("industry", "in", tuple(sorted(INDUSTRIES[j].name for j in chosen)))

    def platforms(rng: np.random.Generator) -> Condition:
        k = int(rng.integers(2, 4))
        chosen = rng.choice(len(PLATFORMS), size=k, replace=False)
        return Condition("technologies", "in", tuple(PLATFORMS[j] for j in sorted(chosen)))

    def tools(rng: np.random.Generator) -> Condition:
        pool = ("hubspot", "salesforce", "marketo", "segment", "intercom")
        chosen = rng.choice(len(pool), size=int(rng.integers(1, 3)), replace=False)
        return Condition("technologies", "in", tuple(pool[j] for j in sorted(chosen)))

    def countries(rng: np.random.Generator) -> Condition:
        if rng.random() < 0.5:
            return Condition("country", "=", COUNTRIES[0][0])
        chosen = rng.choice(len(COUNTRIES), size=int(rng.integers(2, 5)), replace=False)
        return Condition("country", "in", tuple(sorted(COUNTRIES[j][0] for j in chosen)))

    return [
        at_least("employees", 0.3, 0.8),
        at_least("annual_revenue", 0.3, 0.8),
        at_least("monthly_visits", 0.3, 0.8),
        at_least("ad_spend", 0.3, 0.8),
        at_least("dept_marketing", 0.4, 0.8),
        at_least("dept_engineering", 0.4, 0.8),
        employees_cap,
        industries,
        platforms,
        tools,
        countries,
    ]


def draw_profile(rng: np.random.Generator, accounts: AccountTable) -> tuple[Condition, ...]:
    """Draw a profile that 12–28% of ``accounts`` match (the closest to 20% found, if no draw
    lands in that band — possible only for a handful of accounts).

    >>> from leadqual.simulate.firmographics import generate_accounts
    >>> rng = np.random.default_rng(3)
    >>> acc = generate_accounts(rng, 500)
    >>> p = draw_profile(rng, acc)
    >>> bool(0.12 <= matches(p, acc).mean() <= 0.28)
    True
    """
    pool = _candidates(accounts)
    best: tuple[Condition, ...] = ()
    best_gap = math.inf
    for _ in range(MAX_DRAWS):
        k = 2 if rng.random() < 0.5 else 3
        picked = rng.choice(len(pool), size=k, replace=False)
        profile = tuple(pool[j](rng) for j in sorted(picked))
        # One condition per field, except that a size band (>= and <=) is allowed.
        if len({(c.field, c.op == "<=") for c in profile}) < k:
            continue
        share = float(matches(profile, accounts).mean())
        if MIN_SHARE <= share <= MAX_SHARE:
            return profile
        if abs(share - 0.2) < best_gap:
            best, best_gap = profile, abs(share - 0.2)
    return best
