"""Deals: at most one per person lead, opened after the lead's first activity with its true
probability, and won or lost with its true conditional probability once the sales cycle ends.
A deal whose cycle runs past the end of the window is still ``open``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadqual.simulate.firmographics import AccountTable
from leadqual.simulate.leads import LeadTable
from leadqual.simulate.people import DAY

__all__ = ["STAGES", "DealTable", "draw_deals"]

STAGES = ("open", "won", "lost")
MEDIAN_CYCLE_DAYS = 35.0


@dataclass(frozen=True)
class DealTable:
    """One row per deal; ``closed_at`` is -1 while open."""

    lead: np.ndarray  # index into leads (always a person lead)
    stage: np.ndarray  # index into STAGES
    amount: np.ndarray  # int64
    created_at: np.ndarray  # int64 epoch seconds
    closed_at: np.ndarray  # int64 epoch seconds, -1 when open

    def __len__(self) -> int:
        return len(self.lead)

    def won_leads(self, n_leads: int) -> np.ndarray:
        """A boolean per lead: does it have a won deal?"""
        won = np.zeros(n_leads, dtype=bool)
        won[self.lead[self.stage == STAGES.index("won")]] = True
        return won


def draw_deals(
    rng: np.random.Generator, leads: LeadTable, accounts: AccountTable, end: int
) -> DealTable:
    """Open, and close, each person lead's deal as its hidden probabilities say.

    A deal is created 5 days + Exp(45 days) after the lead's first activity (none if that falls
    after ``end``); the cycle is log-normal around 35 days.

    >>> from leadqual.simulate.firmographics import generate_accounts
    >>> from leadqual.simulate.people import generate_contacts
    >>> from leadqual.simulate.leads import build_leads
    >>> rng = np.random.default_rng(0)
    >>> acc = generate_accounts(rng, 40)
    >>> con = generate_contacts(rng, acc, 0, 365 * DAY)
    >>> leads = build_leads(rng, acc, con, np.ones(40, bool), 0, 365 * DAY)
    >>> d = draw_deals(rng, leads, acc, 365 * DAY)
    >>> bool((d.created_at > leads.created_at[d.lead]).all())
    True
    """
    n = len(leads)
    opens = (rng.random(n) < leads.p_open) & leads.is_person
    wins = rng.random(n) < leads.p_win_given_open
    delay = (5.0 + rng.exponential(45.0, size=n)) * DAY
    created = leads.created_at + delay.astype(np.int64)
    cycle = rng.lognormal(np.log(MEDIAN_CYCLE_DAYS), 0.5, size=n) * DAY
    closed = created + cycle.astype(np.int64)
    size = accounts.employees[leads.account].astype(float)
    amount = 2000.0 * size**0.45 * rng.lognormal(0.0, 0.35, size=n)
    amount = (np.rint(amount / 100.0) * 100).astype(np.int64)

    rows = np.flatnonzero(opens & (created < end))
    finished = closed[rows] < end
    stage = np.where(
        finished,
        np.where(wins[rows], STAGES.index("won"), STAGES.index("lost")),
        STAGES.index("open"),
    )
    return DealTable(
        lead=rows,
        stage=stage.astype(np.int8),
        amount=amount[rows],
        created_at=created[rows],
        closed_at=np.where(finished, closed[rows], -1),
    )
