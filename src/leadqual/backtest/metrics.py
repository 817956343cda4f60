"""The backtest's figures, from a replay and the real outcomes: per month and overall, the
customers the definition would have missed and the MQLs it would have sent that never bought.

Words, as in docs/backtest.md: an **MQL** is a lead that became an MQL at one of the replayed
month ends (counted once, at its first time). It **won** when a judged won deal of it (see
``backtest.outcomes``) was *created after* that month end — an MQL has to come before the deal,
not before the signature. **precision** = won MQLs / MQLs; **recall** = won MQLs / customers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

import numpy as np

from leadqual.backtest.outcomes import Outcomes
from leadqual.backtest.replay import Replay
from leadqual.domain.lifecycle import STAGES

__all__ = [
    "BacktestReport",
    "Headline",
    "MissedCustomer",
    "MonthFigures",
    "NeverBought",
    "caught",
    "headline",
    "mql_times",
    "report",
]

NEVER_BOUGHT_CAP = 100
_NAT = np.datetime64("NaT", "us")
_SQL_OR_FURTHER = [STAGES.index(s) for s in ("sql", "opportunity", "customer")]
_DISQUALIFIED = STAGES.index("disqualified")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _dt(value: np.datetime64) -> datetime:
    out: datetime = value.astype("datetime64[us]").astype(datetime)
    return out


def mql_times(first_mql: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The month end at which each lead first became an MQL (``datetime64[us]``, NaT: never)."""
    out = np.full(first_mql.size, _NAT)
    hit = first_mql >= 0
    out[hit] = ends[first_mql[hit]]
    return out


def caught(mql_at: np.ndarray, out: Outcomes) -> np.ndarray:
    """Per lead: an MQL with a judged won deal created after it became one (vectorized)."""
    hit = np.zeros(mql_at.size, dtype=bool)
    at = mql_at[out.won_lead]
    ok = ~np.isnat(at) & (out.won_created_all > at)
    hit[out.won_lead[ok]] = True
    return hit


@dataclass(frozen=True)
class Headline:
    """Volume, precision and recall: what the trade-off plots for each threshold."""

    mql: int
    won: int
    customers: int
    precision: float | None
    recall: float | None


def headline(first_mql: np.ndarray, ends: np.ndarray, out: Outcomes) -> Headline:
    """The three numbers for a given first-MQL month index per lead (-1: never)."""
    mql_at = mql_times(first_mql, ends)
    won = int(caught(mql_at, out).sum())
    mql = int((first_mql >= 0).sum())
    customers = int(out.customer.sum())
    return Headline(mql, won, customers, _rate(won, mql), _rate(won, customers))


@dataclass(frozen=True)
class MonthFigures:
    """One replayed month: ``mql`` new MQLs at its end and what became of that cohort."""

    month: str
    as_of: datetime
    leads: int
    mql: int
    sql: int
    won: int
    mql_to_sql: float | None
    mql_to_won: float | None
    customers_won: int

    def as_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "as_of": self.as_of.isoformat(),
            "leads": self.leads,
            "mql": self.mql,
            "sql": self.sql,
            "won": self.won,
            "mql_to_sql": self.mql_to_sql,
            "mql_to_won": self.mql_to_won,
            "customers_won": self.customers_won,
        }


@dataclass(frozen=True)
class MissedCustomer:
    """A customer the definition did not make an MQL before its deal was created."""

    key: str
    account: str | None
    won_at: datetime
    deal_created_at: datetime
    amount: float
    fit: float | None
    intent: float | None
    stage: str
    why: str

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "account": self.account,
            "won_at": self.won_at.isoformat(),
            "deal_created_at": self.deal_created_at.isoformat(),
            "amount": self.amount,
            "fit": self.fit,
            "intent": self.intent,
            "stage": self.stage,
            "why": self.why,
        }


@dataclass(frozen=True)
class NeverBought:
    """An MQL the definition would have sent that did not become a customer."""

    key: str
    account: str | None
    mql_at: datetime
    fit: float
    intent: float
    stage: str

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "account": self.account,
            "mql_at": self.mql_at.isoformat(),
            "fit": self.fit,
            "intent": self.intent,
            "stage": self.stage,
        }


@dataclass(frozen=True)
class BacktestReport:
    """Everything a backtest reports; ``as_json()`` is the documented ``--json`` output."""

    contract: str
    contract_sha256: str
    start: datetime
    end: datetime
    overall: dict[str, Any]
    months: tuple[MonthFigures, ...]
    missed: tuple[MissedCustomer, ...]
    never_bought: tuple[NeverBought, ...]
    mql_keys: frozenset[str] = field(default=frozenset(), repr=False)
    customer_keys: frozenset[str] = field(default=frozenset(), repr=False)

    @property
    def caught_keys(self) -> frozenset[str]:
        """The customers this definition made MQLs before their deal."""
        return self.customer_keys - {m.key for m in self.missed}

    def as_json(self) -> dict[str, Any]:
        return {
            "contract": self.contract,
            "contract_sha256": self.contract_sha256,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "overall": self.overall,
            "months": [m.as_json() for m in self.months],
            "missed": [m.as_json() for m in self.missed],
            "never_bought": [m.as_json() for m in self.never_bought],
        }


def _num(x: float) -> float | None:
    return None if np.isnan(x) else round(float(x), 2)


def _why(
    r: Replay, i: int, j: int, mql_at: np.datetime64, created: np.datetime64, rule: str
) -> str:
    if j < 0 or r.stages[j, i] < 0:
        return "the lead did not exist yet at the last month end before its deal was created"
    if not np.isnat(mql_at):
        return (
            f"became an MQL only on {_dt(mql_at):%Y-%m-%d}, after its deal was created "
            f"on {_dt(created):%Y-%m-%d}"
        )
    at = f"{r.month_ends[j]:%Y-%m-%d}"
    if r.stages[j, i] == _DISQUALIFIED:
        return f"disqualified by {at}, before its deal"
    return f"mql rule `{rule}` not met on {at}: fit {r.fit[j, i]:g}, intent {r.intent[j, i]:.1f}"


def report(
    r: Replay,
    out: Outcomes,
    *,
    contract_name: str,
    contract_sha256: str,
    mql_rule: str,
    never_bought_cap: int = NEVER_BOUGHT_CAP,
) -> BacktestReport:
    """The figures of replay ``r`` against the real outcomes ``out``."""
    ends = np.array(r.month_ends, dtype="datetime64[us]")
    n_months = ends.size
    mql_at = mql_times(r.first_mql, ends)
    is_mql = r.first_mql >= 0
    hit = caught(mql_at, out)
    created, closed, amount = out.pick(mql_at)

    months_idx = np.arange(n_months)[:, None]
    after_mql = is_mql[None, :] & (months_idx >= r.first_mql[None, :])
    sql = is_mql & (np.isin(r.stages, _SQL_OR_FURTHER) & after_mql).any(axis=0)

    days = (closed[hit] - mql_at[hit]) / np.timedelta64(1, "D")
    d_at = mql_at[out.deal_lead]
    pipe = ~np.isnat(d_at) & (out.deal_created > d_at)
    pipeline_value = float(out.deal_amount[pipe].sum())

    closed_month = np.searchsorted(ends, closed[out.customer], side="left")
    won_per_month = np.bincount(closed_month, minlength=n_months)[:n_months]
    months = []
    for m in range(n_months):
        cohort = r.first_mql == m
        n_new, n_sql, n_won = int(cohort.sum()), int(sql[cohort].sum()), int(hit[cohort].sum())
        as_of = r.month_ends[m]
        months.append(
            MonthFigures(
                month=f"{as_of:%Y-%m}",
                as_of=as_of,
                leads=int((r.stages[m] >= 0).sum()),
                mql=n_new,
                sql=n_sql,
                won=n_won,
                mql_to_sql=_rate(n_sql, n_new),
                mql_to_won=_rate(n_won, n_new),
                customers_won=int(won_per_month[m]),
            )
        )

    missed = []
    for i in np.flatnonzero(out.customer & ~hit):
        j = int(np.searchsorted(ends, created[i], side="left")) - 1
        exists = j >= 0 and r.stages[j, i] >= 0
        missed.append(
            MissedCustomer(
                key=r.keys[i],
                account=r.accounts[i],
                won_at=_dt(closed[i]),
                deal_created_at=_dt(created[i]),
                amount=float(np.nan_to_num(amount[i])),
                fit=_num(r.fit[j, i]) if exists else None,
                intent=_num(r.intent[j, i]) if exists else None,
                stage=r.stage_name(int(r.stages[j, i])) if j >= 0 else "not created",
                why=_why(r, int(i), j, mql_at[i], created[i], mql_rule),
            )
        )
    missed.sort(key=lambda m: (m.won_at, m.key))

    never = np.flatnonzero(is_mql & ~hit)
    never = never[np.lexsort((np.array(r.keys, dtype=object)[never], mql_at[never]))]
    never_bought = tuple(
        NeverBought(
            key=r.keys[i],
            account=r.accounts[i],
            mql_at=_dt(mql_at[i]),
            fit=float(r.fit[r.first_mql[i], i]),
            intent=round(float(r.intent[r.first_mql[i], i]), 2),
            stage=r.stage_name(int(r.stages[-1, i])),
        )
        for i in never[:never_bought_cap]
    )

    n_mql, n_won, n_customers = int(is_mql.sum()), int(hit.sum()), int(out.customer.sum())
    overall = {
        "leads": int((r.stages[-1] >= 0).sum()) if n_months else 0,
        "mql": n_mql,
        "sql": int(sql.sum()),
        "won": n_won,
        "precision": _rate(n_won, n_mql),
        "recall": _rate(n_won, n_customers),
        "median_days_to_won": round(float(median(days.tolist())), 1) if days.size else None,
        "mql_to_sql": _rate(int(sql.sum()), n_mql),
        "pipeline_value": round(pipeline_value, 2),
        "customers": n_customers,
        "missed": len(missed),
        "never_bought": int(never.size),
        "customers_before_window": int(out.before_window.sum()),
    }
    first = r.month_ends[0]
    return BacktestReport(
        contract=contract_name,
        contract_sha256=contract_sha256,
        start=first.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
        end=r.month_ends[-1],
        overall=overall,
        months=tuple(months),
        missed=tuple(missed),
        never_bought=never_bought,
        mql_keys=frozenset(r.keys[i] for i in np.flatnonzero(is_mql)),
        customer_keys=frozenset(r.keys[i] for i in np.flatnonzero(out.customer)),
    )
