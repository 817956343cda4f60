"""``simulate``: a whole synthetic B2B funnel from one seed, with its hidden truth.

Pure and deterministic: every draw comes from one ``numpy.random.Generator`` seeded with
``seed``, and time is the explicit ``end`` (never the clock), so one seed gives the same funnel,
byte for byte once written.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import numpy as np

from leadqual.errors import InvalidInput
from leadqual.simulate.activity import EventTable, generate_events
from leadqual.simulate.deals import DealTable, draw_deals
from leadqual.simulate.firmographics import AccountTable, generate_accounts
from leadqual.simulate.leads import PARAMS, LeadTable, build_leads
from leadqual.simulate.people import ContactTable, generate_contacts
from leadqual.simulate.profile import Condition, describe, draw_profile, matches

__all__ = [
    "DEFAULT_END",
    "MAX_ACCOUNTS",
    "SimulatedFunnel",
    "months_before",
    "simulate",
    "to_epoch",
    "working_hours",
]

DEFAULT_END = datetime(2026, 11, 30)
MAX_ACCOUNTS = 200_000
MAX_MONTHS = 60
EPOCH = datetime(1970, 1, 1)


def to_epoch(t: datetime) -> int:
    """Seconds since 1970-01-01 of a naive UTC datetime.

    >>> to_epoch(datetime(1970, 1, 2))
    86400
    """
    return int((t - EPOCH).total_seconds())


# Relative activity by hour of day (UTC): most of it in working hours.
HOUR_WEIGHTS = np.array([0.3] * 7 + [1.0] + [3.0] * 10 + [1.5] * 3 + [0.6] * 3)
_DAY_CDF = np.concatenate([[0.0], np.cumsum(HOUR_WEIGHTS) / HOUR_WEIGHTS.sum()])
_DAY_KNOTS = np.arange(25) * 3600.0


def working_hours(seconds: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Move each time within its own day so that hours follow ``HOUR_WEIGHTS``.

    The map is monotone, so every order between times (a lead's first activity before its
    events, a deal's creation before its close) survives; results stay in ``[lo, hi)``.

    >>> working_hours(np.array([43_200]), 0, 86_400).tolist()  # noon of day 0 → mid-afternoon
    [48720]
    """
    day = seconds // 86_400 * 86_400
    frac = (seconds - day) / 86_400.0
    moved = day + np.interp(frac, _DAY_CDF, _DAY_KNOTS).astype(np.int64)
    return np.clip(moved, lo, hi - 1)


def months_before(end: datetime, months: int) -> datetime:
    """The same day-of-month ``months`` calendar months earlier (clamped to the month's end).

    >>> months_before(datetime(2026, 3, 31), 1)
    datetime.datetime(2026, 2, 28, 0, 0)
    """
    years, month0 = divmod(end.month - 1 - months, 12)
    year, month = end.year + years, month0 + 1
    day = min(end.day, calendar.monthrange(year, month)[1])
    return end.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class SimulatedFunnel:
    """Everything ``simulate`` drew: the tables (columns as numpy arrays or lists), the planted
    profile and ``truth`` (the dict written to truth.json)."""

    seed: int
    months: int
    start: datetime
    end: datetime
    profile: tuple[Condition, ...]
    accounts: AccountTable
    in_icp: np.ndarray  # bool per account
    contacts: ContactTable
    leads: LeadTable
    deals: DealTable
    events: EventTable
    account_created_at: np.ndarray  # int64 epoch seconds per account
    truth: dict[str, Any]

    def describe_profile(self) -> str:
        return describe(self.profile)


def _check(n_accounts: int, seed: int, months: int, end: datetime) -> None:
    if not 1 <= n_accounts <= MAX_ACCOUNTS:
        raise InvalidInput(
            f"--accounts must be between 1 and {MAX_ACCOUNTS:,} (got {n_accounts}); "
            "the demo uses about 2,000.",
            field="accounts",
        )
    if seed < 0:
        raise InvalidInput(f"--seed must be 0 or more (got {seed}).", field="seed")
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidInput(
            f"--months must be between 1 and {MAX_MONTHS} (got {months}).", field="months"
        )
    if end.tzinfo is not None:
        raise InvalidInput(
            "--end must be a naive UTC date or time such as 2026-11-30 (no offset).", field="end"
        )


def _iso(seconds: np.ndarray) -> list[str]:
    return [str(s) for s in np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")]


def simulate(
    n_accounts: int, seed: int, *, months: int = 12, end: datetime = DEFAULT_END
) -> SimulatedFunnel:
    """Draw a funnel of ``n_accounts`` accounts over the ``months`` months before ``end``.

    >>> f = simulate(200, seed=7)
    >>> sorted(f.truth) == ["leads", "params", "profile", "seed"]
    True
    >>> 2 <= len(f.profile) <= 3
    True
    """
    _check(n_accounts, seed, months, end)
    rng = np.random.default_rng(seed)
    start = months_before(end, months)
    t0, t1 = to_epoch(start), to_epoch(end)

    accounts = generate_accounts(rng, n_accounts)
    profile = draw_profile(rng, accounts)
    in_icp = matches(profile, accounts)
    contacts = generate_contacts(rng, accounts, t0, t1)
    leads = build_leads(rng, accounts, contacts, in_icp, t0, t1)
    deals = draw_deals(rng, leads, accounts, t1)
    events = generate_events(rng, leads, contacts, deals, t1)

    def hours(t: np.ndarray) -> np.ndarray:
        return working_hours(t, t0, t1)

    contacts = replace(contacts, created_at=hours(contacts.created_at))
    leads = replace(leads, created_at=hours(leads.created_at))
    events = replace(events, at=hours(events.at))
    closed = np.where(deals.closed_at >= 0, hours(deals.closed_at), -1)
    deals = replace(deals, created_at=hours(deals.created_at), closed_at=closed)

    # An account enters the CRM with its first lead; accounts nobody touched were imported
    # at a random moment of the window.
    account_created = rng.integers(t0, t1, size=n_accounts, dtype=np.int64)
    seen = np.zeros(n_accounts, dtype=bool)
    seen[leads.account] = True
    first_seen = np.full(n_accounts, np.iinfo(np.int64).max)
    np.minimum.at(first_seen, leads.account, leads.created_at)
    account_created = np.where(seen, first_seen, hours(account_created))

    won = deals.won_leads(len(leads))
    p_win = np.round(leads.p_win, 6)
    created = _iso(leads.created_at)
    truth: dict[str, Any] = {
        "seed": seed,
        "profile": [c.as_dict() for c in profile],
        "params": {
            **PARAMS,
            "n_accounts": n_accounts,
            "months": months,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "icp_share": round(float(in_icp.mean()), 6),
            "profile_text": describe(profile),
        },
        "leads": {
            key: {"p_win": float(p), "won": bool(w), "created_at": c}
            for key, p, w, c in zip(leads.key, p_win.tolist(), won.tolist(), created, strict=True)
        },
    }
    return SimulatedFunnel(
        seed=seed,
        months=months,
        start=start,
        end=end,
        profile=profile,
        accounts=accounts,
        in_icp=in_icp,
        contacts=contacts,
        leads=leads,
        deals=deals,
        events=events,
        account_created_at=account_created,
        truth=truth,
    )
