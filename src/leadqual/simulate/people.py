"""Synthetic contacts: 1–6 people at ~70% of the accounts (more at bigger ones), with names,
job titles across seniorities and departments, ``first.last@domain`` emails and the moment they
identified themselves (their lead's first activity)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leadqual.simulate.firmographics import AccountTable
from leadqual.simulate.vocabulary import FIRST_NAMES, JOB_TITLES, LAST_NAMES

__all__ = ["CONTACT_SHARE", "ContactTable", "generate_contacts"]

CONTACT_SHARE = 0.7  # accounts with at least one known person; the rest are only visits
MAX_CONTACTS = 6
DAY = 86_400


@dataclass(frozen=True)
class ContactTable:
    """One row per contact (= one person lead); ``created_at`` in epoch seconds."""

    account: np.ndarray  # index into the account table
    email: list[str]
    first_name: list[str]
    last_name: list[str]
    title: np.ndarray  # index into JOB_TITLES
    consent_email: np.ndarray  # bool
    created_at: np.ndarray  # int64 seconds

    def __len__(self) -> int:
        return len(self.email)


def generate_contacts(
    rng: np.random.Generator, accounts: AccountTable, start: int, end: int
) -> ContactTable:
    """Draw the people at ``accounts``, identified between ``start`` and ``end`` (epoch s).

    >>> from leadqual.simulate.firmographics import generate_accounts
    >>> rng = np.random.default_rng(0)
    >>> c = generate_contacts(rng, generate_accounts(rng, 20), 0, 365 * DAY)
    >>> all("@" in e for e in c.email)
    True
    """
    n = len(accounts)
    employees = accounts.employees
    known = rng.random(n) < CONTACT_SHARE
    count = 1 + rng.poisson(0.3 * np.log(employees.astype(float)))
    count = np.where(known, np.minimum(np.minimum(count, MAX_CONTACTS), employees), 0)
    account = np.repeat(np.arange(n), count)
    m = len(account)

    # Small companies: the founder or CEO is the one who fills the form more often.
    base = np.array([t.weight for t in JOB_TITLES], dtype=float)
    c_level = np.array([t.seniority == "c_level" for t in JOB_TITLES])
    small_w = np.where(c_level, base * 4, base)
    title = np.empty(m, dtype=np.int64)
    small = employees[account] < 50
    for mask, w in ((small, small_w), (~small, base)):
        rows = np.flatnonzero(mask)
        title[rows] = rng.choice(len(JOB_TITLES), size=len(rows), p=w / w.sum())

    first_i = rng.integers(0, len(FIRST_NAMES), size=m)
    last_i = rng.integers(0, len(LAST_NAMES), size=m)
    consent = rng.random(m) < 0.75
    created = rng.integers(start, max(start + 1, end - 3 * DAY), size=m, dtype=np.int64)

    emails: list[str] = []
    firsts: list[str] = []
    lasts: list[str] = []
    taken: set[str] = set()
    for j in range(m):
        first, last = FIRST_NAMES[first_i[j]], LAST_NAMES[last_i[j]]
        local = f"{first}.{last}"
        domain = accounts.domain[account[j]]
        email, k = f"{local}@{domain}", 2
        while email in taken:  # two people of the same name at one company
            email, k = f"{local}{k}@{domain}", k + 1
        taken.add(email)
        emails.append(email)
        firsts.append(first.capitalize())
        lasts.append(last.capitalize())
    return ContactTable(
        account=account,
        email=emails,
        first_name=firsts,
        last_name=lasts,
        title=title,
        consent_email=consent,
        created_at=created,
    )
