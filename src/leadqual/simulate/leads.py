"""The leads and their hidden truth: who fits the planted profile, how much buying intent each
one has, and therefore how likely each one is to end as a won customer.

A person lead's chances: ``p_open = base_open(icp) × persona × intent_factor`` (capped) and
``p_win|open = base_win(icp) × (0.7 + 0.6 × intent)`` (capped); ``p_win = p_open × p_win|open``.
Account-only leads (a company seen only through anonymous visits) get the same formula with a
neutral persona, but no deal: nobody there has identified themselves yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadqual.simulate.firmographics import AccountTable
from leadqual.simulate.people import DAY, ContactTable
from leadqual.simulate.vocabulary import JOB_TITLES

__all__ = ["PARAMS", "LeadTable", "build_leads"]

PARAMS: dict[str, float] = {
    "p_open_icp": 0.35,
    "p_open_other": 0.05,
    "p_win_given_open_icp": 0.55,
    "p_win_given_open_other": 0.15,
    "anonymous_visit_share": 0.9,
}


@dataclass(frozen=True)
class LeadTable:
    """Person leads first (row ``i`` is contact ``i``), then account-only leads."""

    key: list[str]
    account: np.ndarray  # index into accounts
    contact: np.ndarray  # index into contacts, -1 for an account-only lead
    created_at: np.ndarray  # int64 epoch seconds: the lead's first activity
    in_icp: np.ndarray  # bool
    noise: np.ndarray  # bool: students, recruiters… browse careers and content
    engagement: np.ndarray  # activity multiplier, mean ~1
    intent: np.ndarray  # latent buying intent in [0, 1]
    p_open: np.ndarray
    p_win_given_open: np.ndarray

    def __len__(self) -> int:
        return len(self.key)

    @property
    def is_person(self) -> np.ndarray:
        return self.contact >= 0

    @property
    def p_win(self) -> np.ndarray:
        return self.p_open * self.p_win_given_open


def build_leads(
    rng: np.random.Generator,
    accounts: AccountTable,
    contacts: ContactTable,
    in_icp_account: np.ndarray,
    start: int,
    end: int,
) -> LeadTable:
    """One lead per contact, plus one per contact-less account seen on the website.

    >>> from leadqual.simulate.firmographics import generate_accounts
    >>> from leadqual.simulate.people import generate_contacts
    >>> rng = np.random.default_rng(0)
    >>> acc = generate_accounts(rng, 30)
    >>> con = generate_contacts(rng, acc, 0, 365 * DAY)
    >>> leads = build_leads(rng, acc, con, np.zeros(30, bool), 0, 365 * DAY)
    >>> bool((leads.p_win <= 1).all())
    True
    """
    has_contact = np.zeros(len(accounts), dtype=bool)
    has_contact[contacts.account] = True
    lonely = np.flatnonzero(~has_contact)
    visited = lonely[rng.random(len(lonely)) < PARAMS["anonymous_visit_share"]]

    account = np.concatenate([contacts.account, visited]).astype(np.int64)
    contact = np.concatenate([np.arange(len(contacts)), np.full(len(visited), -1)])
    anon_created = rng.integers(start, max(start + 1, end - 3 * DAY), size=len(visited))
    created = np.concatenate([contacts.created_at, anon_created]).astype(np.int64)
    keys = list(contacts.email) + [accounts.domain[a] for a in visited]

    n = len(account)
    persona_of_title = np.array([t.persona for t in JOB_TITLES])
    noise_of_title = np.array([t.noise for t in JOB_TITLES])
    person = contact >= 0
    persona = np.ones(n)
    noise = np.zeros(n, dtype=bool)
    persona[person] = persona_of_title[contacts.title]
    noise[person] = noise_of_title[contacts.title]

    in_icp = in_icp_account[account]
    intent = rng.beta(2.0, 2.0, size=n)
    engagement = rng.lognormal(-0.32, 0.8, size=n)
    p_open = np.where(in_icp, PARAMS["p_open_icp"], PARAMS["p_open_other"])
    p_open = np.minimum(0.95, p_open * persona * (0.5 + intent))
    p_win_open = np.where(in_icp, PARAMS["p_win_given_open_icp"], PARAMS["p_win_given_open_other"])
    p_win_open = np.minimum(0.95, p_win_open * (0.7 + 0.6 * intent))
    return LeadTable(
        key=keys,
        account=account,
        contact=contact,
        created_at=created,
        in_icp=in_icp,
        noise=noise,
        engagement=engagement,
        intent=intent,
        p_open=p_open,
        p_win_given_open=p_win_open,
    )
