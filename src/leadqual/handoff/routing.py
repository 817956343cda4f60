"""Who gets a new MQL. Pure: a table of leads and the routing section in, owners out.

Order of precedence, per lead:

1. the first ``routing.rules`` entry whose ``when`` the lead passes (territory, segment, …) —
   round robin among that rule's owners;
2. with ``account_owner: true``, the owner of another lead at the same account (one account, one
   owner: sales does not want two reps calling one company);
3. round robin over ``routing.owners``.

Without a routing section every lead goes round robin over the owners the caller passes.
Rules are evaluated in one DuckDB query over all leads (no Python loop over rows for conditions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa

from leadqual.contract.model import Routing
from leadqual.duck import connect

__all__ = ["ROUND_ROBIN", "Route", "matching_rules", "next_owners", "route"]

ROUND_ROBIN = "round_robin"
ACCOUNT_OWNER = "account_owner"


@dataclass(frozen=True)
class Route:
    lead_id: int
    owner: str
    rule: str  # round_robin | account_owner | routing.rules.<name>


def next_owners(owners: Sequence[str], after: str | None, n: int) -> list[str]:
    """``n`` owners in round-robin order, starting after ``after`` (the last one given a lead).

    >>> next_owners(["ana", "bo", "cy"], "bo", 4)
    ['cy', 'ana', 'bo', 'cy']
    >>> next_owners(["ana", "bo"], None, 3)
    ['ana', 'bo', 'ana']
    """
    if not owners:
        raise ValueError("round robin needs at least one owner")
    start = owners.index(after) + 1 if after in owners else 0
    return [owners[(start + i) % len(owners)] for i in range(n)]


def matching_rules(table: pa.Table, routing: Routing) -> list[int | None]:
    """For each row of ``table`` (features of the ``fit`` scope), the index of the first routing
    rule it passes, or None."""
    if not routing.rules or table.num_rows == 0:
        return [None] * table.num_rows
    cases = " ".join(
        f"WHEN COALESCE(({r.when.to_sql('duckdb')}), FALSE) THEN {i}"
        for i, r in enumerate(routing.rules)
    )
    con = connect()
    try:
        con.register("leads", table)
        rows = con.sql(f"SELECT CASE {cases} END AS rule FROM leads").fetchall()
    finally:
        con.close()
    return [r[0] for r in rows]


def route(
    lead_ids: Sequence[int],
    accounts: Sequence[int | None],
    rules: Sequence[int | None],
    routing: Routing,
    *,
    account_owners: Mapping[int, str],
    last_owner: Mapping[str, str],
) -> list[Route]:
    """Assign each lead (in order) an owner.

    ``rules``: ``matching_rules`` for these leads; ``account_owners``: account id → its owner
    already; ``last_owner``: rule name (``round_robin`` or ``routing.rules.<name>``) → the owner
    that rule last chose, so round robin carries on across runs.

    >>> from leadqual.contract.model import Routing
    >>> [r.owner for r in route([1, 2, 3], [7, 7, 8], [None] * 3, Routing(("ana", "bo")),
    ...                          account_owners={}, last_owner={})]
    ['ana', 'ana', 'bo']
    """
    owned = dict(account_owners)
    last = dict(last_owner)
    out: list[Route] = []
    for lead_id, account, rule in zip(lead_ids, accounts, rules, strict=True):
        if rule is not None:
            r = routing.rules[rule]
            name, pool = f"routing.rules.{r.name}", r.owners
        elif routing.account_owner and account is not None and account in owned:
            out.append(Route(lead_id, owned[account], ACCOUNT_OWNER))
            continue
        else:
            name, pool = ROUND_ROBIN, routing.owners
        owner = next_owners(pool, last.get(name), 1)[0]
        last[name] = owner
        if account is not None and routing.account_owner:
            owned.setdefault(account, owner)
        out.append(Route(lead_id, owner, name))
    return out
