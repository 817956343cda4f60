"""Factories that write real rows into a real store: ``make_account(session, **overrides)``."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leadqual.store.models import Account, BantAnswer, Contact, Deal, Event, Lead

T0 = datetime(2026, 1, 1)
_ids = itertools.count(1)


def make_account(s: Session, **kw: Any) -> Account:
    n = next(_ids)
    row = Account(
        **{
            "domain": f"company{n}.example",
            "name": f"Company {n}",
            "industry": "software",
            "employees": 200,
            "annual_revenue": 20e6,
            "country": "US",
            "technologies": ["shopify"],
            "created_at": T0,
            "updated_at": T0,
            **kw,
        }
    )
    s.add(row)
    s.flush()
    return row


def make_lead(s: Session, account: Account | None = None, **kw: Any) -> Lead:
    """A person lead (with its contact) at ``account``; ``title=`` sets the job title."""
    account = account or make_account(s)
    n = next(_ids)
    contact = Contact(
        email=kw.pop("email", f"person{n}@{account.domain}"),
        account_id=account.id,
        job_title=kw.pop("title", "VP Marketing"),
        created_at=T0,
        updated_at=T0,
    )
    s.add(contact)
    s.flush()
    lead = Lead(
        key=contact.email,
        account_id=account.id,
        contact_id=contact.id,
        created_at=kw.pop("created_at", T0),
        **kw,
    )
    s.add(lead)
    s.flush()
    return lead


def make_event(s: Session, lead: Lead, at: datetime, **kw: Any) -> Event:
    n = next(_ids)
    row = Event(
        **{
            "event_id": f"e{n}",
            "type": "page_view",
            "occurred_at": at,
            "received_at": at,
            "lead_id": lead.id,
            "account_id": lead.account_id,
            "contact_id": lead.contact_id,
            **kw,
        }
    )
    s.add(row)
    s.flush()
    return row


def make_deal(s: Session, lead: Lead, **kw: Any) -> Deal:
    n = next(_ids)
    row = Deal(
        **{
            "external_id": f"d{n}",
            "account_id": lead.account_id,
            "contact_id": lead.contact_id,
            "lead_id": lead.id,
            "stage": "open",
            "created_at": T0,
            **kw,
        }
    )
    s.add(row)
    s.flush()
    return row


def confirm_bant(s: Session, lead: Lead, at: datetime, by: str = "sam@sales") -> None:
    for criterion in ("budget", "authority", "need", "timing"):
        s.add(
            BantAnswer(
                lead_id=lead.id, criterion=criterion, confirmed=True, confirmed_by=by,
                confirmed_at=at,
            )
        )
    s.flush()
