"""What really happened to each lead, from the store's deals: who became a customer in the
backtest's window, with which deal, and when the definition had to have caught them.

A customer is judged on the first won deal that closed in the window ``(first month end, last
month end]`` and was created after the first month end — a deal created before the first month
end could not have been preceded by any replayed MQL, so that customer is counted apart
(``before_window``) instead of as missed. When the lead was an MQL, its judged deal is the first
won one created after it became an MQL, if any.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

__all__ = ["Outcomes", "outcomes"]

_NAT = np.datetime64("NaT", "us")


@dataclass(frozen=True, eq=False)
class Outcomes:
    """Per lead (in the replay's lead order). Times are ``datetime64[us]``, NaT where none.

    ``customer``: judged as a customer in the window; ``before_window``: won in the window on a
    deal created before the first month end (not judged); ``won_created``/``won_closed``/
    ``won_amount``: the judged deal (see ``pick``). ``deal_lead``/``deal_created``/
    ``deal_amount``: every deal, for the pipeline value.
    """

    customer: np.ndarray
    before_window: np.ndarray
    won_lead: np.ndarray  # every judged won deal: lead index, created, closed, amount
    won_created_all: np.ndarray
    won_closed_all: np.ndarray
    won_amount_all: np.ndarray
    deal_lead: np.ndarray
    deal_created: np.ndarray
    deal_amount: np.ndarray

    def pick(self, mql_at: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The judged won deal of each lead given when it became an MQL (NaT: never): the
        first won deal created after ``mql_at`` if there is one, else the first won deal.
        Returns (created, closed, amount) per lead (NaT / NaN where not a customer)."""
        n = self.customer.size
        created = np.full(n, _NAT)
        closed = np.full(n, _NAT)
        amount = np.full(n, np.nan)
        after = np.zeros(n, dtype=bool)
        # Deals are sorted by closing time: the first one that fits wins, per lead.
        for k in range(self.won_lead.size):
            i = self.won_lead[k]
            fits = not np.isnat(mql_at[i]) and self.won_created_all[k] > mql_at[i]
            if np.isnat(closed[i]) or (fits and not after[i]):
                created[i], closed[i] = self.won_created_all[k], self.won_closed_all[k]
                amount[i] = self.won_amount_all[k]
                after[i] = after[i] or fits
        return created, closed, amount


def _times(col: pa.ChunkedArray) -> np.ndarray:
    return col.to_numpy(zero_copy_only=False).astype("datetime64[us]")


def outcomes(
    deals: pa.Table, lead_ids: np.ndarray, first_end: np.datetime64, last_end: np.datetime64
) -> Outcomes:
    """The outcomes of the leads ``lead_ids`` (sorted) from ``deals`` (``frames.deals``)."""
    n = lead_ids.size
    d_lead = np.searchsorted(lead_ids, deals.column("lead_id").to_numpy(zero_copy_only=False))
    d_lead = np.minimum(d_lead, max(n - 1, 0))
    known = (
        lead_ids[d_lead] == deals.column("lead_id").to_numpy(zero_copy_only=False)
        if n
        else (np.zeros(deals.num_rows, dtype=bool))
    )
    stage = np.asarray(deals.column("stage").to_pylist(), dtype=object)
    created = _times(deals.column("created_at"))
    closed = _times(deals.column("closed_at"))
    amount = deals.column("amount").to_numpy(zero_copy_only=False).astype(float)
    won = known & (stage == "won") & ~np.isnat(closed) & (closed > first_end) & (closed <= last_end)
    judged = won & (created > first_end)
    early = won & ~judged
    customer = np.zeros(n, dtype=bool)
    customer[d_lead[judged]] = True
    before = np.zeros(n, dtype=bool)
    before[d_lead[early]] = True
    before &= ~customer
    order = np.flatnonzero(judged)
    order = order[np.argsort(closed[order], kind="stable")]
    in_pipe = known & (created <= last_end)
    return Outcomes(
        customer=customer,
        before_window=before,
        won_lead=d_lead[order],
        won_created_all=created[order],
        won_closed_all=closed[order],
        won_amount_all=np.nan_to_num(amount[order]),
        deal_lead=d_lead[in_pipe],
        deal_created=created[in_pipe],
        deal_amount=np.nan_to_num(amount[in_pipe]),
    )
