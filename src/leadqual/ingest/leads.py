"""The lead rules of imports, applied a chunk at a time.

A contact gets its person lead (key = email). When the contact's account has an account-only lead
(key = domain, no contact), that lead becomes the person's: it gains the contact and the email as
its key and keeps its events and history. A company-only event attaches to its account's
account-only lead, created when needed. A lead's ``created_at`` is the earliest of its contact's
``created_at`` and its first event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, and_, bindparam, update
from sqlalchemy.orm import Session

from leadqual.ingest.upsert import insert_ignore, select_in
from leadqual.store.models import Lead

__all__ = ["LeadTally", "PersonRef", "account_leads", "ensure_person_leads", "pull_created_at"]

LEADS: Table = Lead.__table__  # type: ignore[assignment]


@dataclass
class LeadTally:
    created: int = 0
    converted: int = 0


@dataclass(frozen=True)
class PersonRef:
    """A contact as the lead rules need it."""

    contact_id: int
    email: str
    account_id: int | None
    created_at: datetime


def ensure_person_leads(
    session: Session, people: list[PersonRef], *, source: str, tally: LeadTally
) -> dict[int, int]:
    """The lead id of each contact, creating or converting leads as the rules say.

    >>> # ensure_person_leads(session, [PersonRef(7, "ann@acme.com", 3, now)], source=…, tally=t)
    """
    found = {
        r.contact_id: r.id
        for r in select_in(session, [LEADS.c.id, LEADS.c.contact_id], LEADS.c.contact_id,
                           [p.contact_id for p in people])
    }
    missing = sorted((p for p in {p.contact_id: p for p in people}.values()
                      if p.contact_id not in found), key=lambda p: (p.created_at, p.email))
    if not missing:
        return found
    anonymous: dict[int, tuple[int, datetime]] = {}
    rows = select_in(
        session, [LEADS.c.id, LEADS.c.account_id, LEADS.c.created_at], LEADS.c.account_id,
        [p.account_id for p in missing], LEADS.c.contact_id.is_(None),
    )
    for r in sorted(rows, key=lambda r: r.id):
        anonymous.setdefault(r.account_id, (r.id, r.created_at))
    conversions: list[dict[str, object]] = []
    new: list[dict[str, object]] = []
    for p in missing:
        taken = anonymous.pop(p.account_id, None) if p.account_id is not None else None
        if taken is not None:
            lead_id, since = taken
            conversions.append({"lead_id": lead_id, "c": p.contact_id, "k": p.email,
                                "t": min(since, p.created_at)})
            found[p.contact_id] = lead_id
        else:
            new.append({"key": p.email, "account_id": p.account_id, "contact_id": p.contact_id,
                        "stage": "lead", "source": source, "created_at": p.created_at,
                        "reasons": []})
    if conversions:
        stmt = (update(LEADS).where(LEADS.c.id == bindparam("lead_id"))
                .values(contact_id=bindparam("c"), key=bindparam("k"),
                        created_at=bindparam("t")))
        session.execute(stmt, conversions)
        tally.converted += len(conversions)
    if new:
        insert_ignore(session, LEADS, new, "key")
        tally.created += len(new)
        for r in select_in(session, [LEADS.c.id, LEADS.c.contact_id], LEADS.c.contact_id,
                           [row["contact_id"] for row in new]):
            found[r.contact_id] = r.id
    return found


def account_leads(
    session: Session, accounts: dict[int, tuple[str, datetime]], *, source: str,
    tally: LeadTally,
) -> dict[int, int]:
    """The account-only lead of each account (``{account_id: (domain, first seen)}``), created
    when the account has none."""
    found: dict[int, int] = {}
    rows = select_in(session, [LEADS.c.id, LEADS.c.account_id], LEADS.c.account_id,
                     list(accounts), LEADS.c.contact_id.is_(None))
    for r in sorted(rows, key=lambda r: r.id):
        found.setdefault(r.account_id, r.id)
    new: list[dict[str, object]] = [
        {"key": domain, "account_id": account_id, "contact_id": None, "stage": "lead",
         "source": source, "created_at": seen, "reasons": []}
        for account_id, (domain, seen) in accounts.items() if account_id not in found
    ]
    if new:
        insert_ignore(session, LEADS, new, "key")
        tally.created += len(new)
        rows = select_in(session, [LEADS.c.id, LEADS.c.account_id], LEADS.c.key,
                         [row["key"] for row in new], LEADS.c.contact_id.is_(None))
        for r in rows:
            found.setdefault(r.account_id, r.id)
    return found


def pull_created_at(session: Session, earliest: dict[int, datetime]) -> None:
    """Move each lead's ``created_at`` back to ``earliest[lead_id]`` when that is earlier."""
    if not earliest:
        return
    stmt = (update(LEADS)
            .where(and_(LEADS.c.id == bindparam("lead_id"), LEADS.c.created_at > bindparam("t")))
            .values(created_at=bindparam("t")))
    session.execute(stmt, [{"lead_id": k, "t": v} for k, v in earliest.items()])
