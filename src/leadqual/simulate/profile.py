"""The planted ideal-customer profile: a conjunction of 2–3 firmographic conditions.

Each seed draws its own profile from a pool of candidate conditions whose thresholds come from
the generated accounts themselves (a random quantile, rounded to a "nice" number a person would
write), and keeps drawing until the profile is *identifiable*: 15–30% of the accounts match it,
and every condition matters — it removes at least ``MIN_EFFECT`` (20%) of the accounts that the
other conditions match. A condition that removes almost nothing (``employees <= 1,000`` beside
conditions only small companies meet) leaves no trace in any data, so a profile containing it
is no fair test of discovery. Thresholds on counts are at least ``MIN_THRESHOLD`` (10), so that
one unit is at most 10% of the threshold. Conditions use the contract's field names and
operators so that discovery's output can be compared with them directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from leadqual.simulate.firmographics import AccountTable
from leadqual.simulate.vocabulary import COUNTRIES, INDUSTRIES, PLATFORMS, TECHNOLOGIES

__all__ = [
    "MAX_SHARE",
    "MIN_EFFECT",
    "MIN_SHARE",
    "MIN_THRESHOLD",
    "Condition",
    "condition_effects",
    "describe",
    "draw_profile",
    "matches",
]

MIN_SHARE = 0.15
MAX_SHARE = 0.30
MIN_EFFECT = 0.20  # each condition removes at least this share of what the others match
MIN_THRESHOLD = 10  # a threshold one unit off is then at most 10% off
MAX_DRAWS = 2000
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


def condition_effects(profile: Sequence[Condition], accounts: AccountTable) -> list[float]:
    """For each condition, the share of the accounts meeting the *other* conditions that it
    removes; for a lone condition, the share of all accounts it removes.

    >>> from leadqual.simulate.firmographics import generate_accounts
    >>> acc = generate_accounts(np.random.default_rng(0), 200)
    >>> condition_effects([Condition("employees", ">=", 1)], acc)
    [0.0]
    """
    out = []
    for i in range(len(profile)):
        others = [c for j, c in enumerate(profile) if j != i]
        kept = matches(others, accounts)
        if not kept.any():
            out.append(0.0)
            continue
        out.append(1.0 - float(matches([profile[i]], accounts)[kept].mean()))
    return out


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

        # Quantiles below MIN_THRESHOLD are skipped (small counts: see the module's doc).
        floor = float((values < MIN_THRESHOLD).mean())
        low = max(lo, floor)
        high = min(0.95, max(hi, low + 0.1))

        def draw(rng: np.random.Generator) -> Condition:
            q = float(np.quantile(values, rng.uniform(low, high)))
            return Condition(field, ">=", max(MIN_THRESHOLD, _nice(q)))

        return draw

    def employees_cap(rng: np.random.Generator) -> Condition:
        q = float(np.quantile(accounts.employees, rng.uniform(0.85, 0.97)))
        return Condition("employees", "<=", max(MIN_THRESHOLD, _nice(q)))

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
    """Draw an identifiable profile: 15–30% of ``accounts`` match it and every condition removes
    at least ``MIN_EFFECT`` of the accounts the others match. If no draw qualifies (possible only
    for a handful of accounts), the draw whose conditions matter most, then closest to 20%, is
    kept.

    >>> from leadqual.simulate.firmographics import generate_accounts
    >>> rng = np.random.default_rng(3)
    >>> acc = generate_accounts(rng, 500)
    >>> p = draw_profile(rng, acc)
    >>> bool(MIN_SHARE <= matches(p, acc).mean() <= MAX_SHARE)
    True
    >>> min(condition_effects(p, acc)) >= MIN_EFFECT
    True
    """
    pool = _candidates(accounts)
    best: tuple[Condition, ...] = ()
    best_key = (math.inf, math.inf)
    for _ in range(MAX_DRAWS):
        k = 2 if rng.random() < 0.5 else 3
        picked = rng.choice(len(pool), size=k, replace=False)
        profile = tuple(pool[j](rng) for j in sorted(picked))
        # One condition per field, except that a size band (>= and <=) is allowed.
        if len({(c.field, c.op == "<=") for c in profile}) < k:
            continue
        share = float(matches(profile, accounts).mean())
        weakest = min(condition_effects(profile, accounts))
        if MIN_SHARE <= share <= MAX_SHARE and weakest >= MIN_EFFECT:
            return profile
        key = (max(0.0, MIN_EFFECT - weakest), abs(share - 0.2))
        if key < best_key:
            best, best_key = profile, key
    return best
