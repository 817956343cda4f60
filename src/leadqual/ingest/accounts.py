"""Accounts that imports create on the fly: a bare account (domain only) for each domain that a
contact or an event names and the store does not know yet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.orm import Session

from leadqual.ingest.context import WriteContext
from leadqual.ingest.upsert import insert_ignore, select_in
from leadqual.store.models import Account

__all__ = ["ensure_accounts"]

ACCOUNTS: Table = Account.__table__  # type: ignore[assignment]


def ensure_accounts(session: Session, domains: dict[str, datetime], ctx: WriteContext
                    ) -> dict[str, int]:
    """Account ids by domain, creating bare accounts for unknown domains (first seen at
    ``domains[d]``).

    >>> # ensure_accounts(session, {"acme.com": datetime(2026, 3, 1)}, ctx)["acme.com"]
    """
    ids = {r.domain: r.id for r in select_in(
        session, [ACCOUNTS.c.id, ACCOUNTS.c.domain], ACCOUNTS.c.domain, domains)}
    new = [{"domain": d, "technologies": [], "department_sizes": {}, "attributes": {},
            "created_at": seen, "updated_at": ctx.now}
           for d, seen in domains.items() if d not in ids]
    if new:
        insert_ignore(session, ACCOUNTS, new, "domain")
        ctx.tally.accounts_created += len(new)
        ids.update((r.domain, r.id) for r in select_in(
            session, [ACCOUNTS.c.id, ACCOUNTS.c.domain], ACCOUNTS.c.domain,
            [row["domain"] for row in new]))
    return ids
