"""The labelled lead table discovery learns from: one row per lead, its features as of its own
cutoff, and whether it became a customer.

- **Label**: the lead has a won deal.
- **Cutoff** (the moment the features describe): for a lead with deals, its first deal's
  creation (or, if unknown, its first close) — what the lead looked like *before* sales worked
  it, so nothing from after the outcome leaks in. For a lead without a deal, its creation plus the
  median age at which leads with deals got their first deal (capped at the end of history), so
  behaviour windows of both groups cover a comparable stretch of a lead's life.
- **Left out**: leads whose only deals are still open (the outcome is unknown), leads with
  deals of unknown dates, and leads without a deal that are younger than the median time from a
  lead's creation to its first won deal (they may still become customers: counting them as
  "never bought" would be wrong).
- Firmographics are the stored, current values: they are assumed stable over the history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadqual.contract.model import Contract
from leadqual.features.build import build_features
from leadqual.features.frames import StoreFrames

__all__ = ["LabelledLeads", "label_leads", "labelled_leads"]

_TS = pa.timestamp("us")
_US_PER_DAY = 86_400 * 1_000_000


@dataclass(frozen=True)
class LabelledLeads:
    """``table`` (feature rows), ``label`` (bool) and ``cutoff`` (datetime64[us]) line up row for
    row. ``open_only`` leads were left out; ``lead_age_days`` is the age used for the cutoff of
    leads without deals."""

    table: pa.Table
    label: np.ndarray
    cutoff: np.ndarray
    open_only: int
    too_young: int
    lead_age_days: float
    days_to_customer: float


@dataclass(frozen=True)
class Labels:
    """Per lead of ``frames.leads``: ``keep``, ``label``, ``cutoff`` (datetime64[us])."""

    keep: np.ndarray
    label: np.ndarray
    cutoff: np.ndarray
    open_only: int
    too_young: int
    lead_age_days: float
    days_to_customer: float


def _us(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Microseconds since the epoch; the int64 minimum where null."""
    ints = pc.fill_null(pc.cast(column, pa.int64()), np.iinfo(np.int64).min)
    return ints.to_numpy(zero_copy_only=False)


def label_leads(frames: StoreFrames) -> Labels:
    """Label every lead of ``frames`` and give it its cutoff (see the module's docstring).

    >>> from datetime import datetime
    >>> from leadqual.features.frames import StoreFrames
    >>> leads = pa.table({"lead_id": [1, 2], "created_at": pa.array(
    ...     [datetime(2026, 1, 1), datetime(2026, 1, 1)], _TS)})
    >>> deals = pa.table({"lead_id": [1], "stage": ["won"],
    ...     "created_at": pa.array([datetime(2026, 1, 11)], _TS),
    ...     "closed_at": pa.array([datetime(2026, 2, 1)], _TS), "amount": [1.0]})
    >>> empty = pa.table({})
    >>> got = label_leads(StoreFrames(leads, empty, deals, empty, empty, datetime(2026, 6, 1)))
    >>> got.label.tolist(), got.lead_age_days, str(got.cutoff[1])
    ([True, False], 10.0, '2026-01-11T00:00:00.000000')
    """
    lead_ids = frames.leads.column("lead_id").to_numpy()
    n = lead_ids.size
    created = _us(frames.leads.column("created_at"))
    until = np.datetime64(frames.until, "us").astype(np.int64)
    deals = frames.deals
    null = np.iinfo(np.int64).min
    deal_lead = deals.column("lead_id").to_numpy(zero_copy_only=False)
    row = np.clip(np.searchsorted(lead_ids, deal_lead), 0, max(n - 1, 0))
    found = lead_ids[row] == deal_lead if n else np.zeros(deal_lead.size, dtype=bool)
    stage = np.asarray(deals.column("stage").to_pylist(), dtype=object)
    d_created = _us(deals.column("created_at"))
    d_closed = _us(deals.column("closed_at"))
    when = np.where(d_created != null, d_created, d_closed)

    has_deal = np.zeros(n, dtype=bool)
    won = np.zeros(n, dtype=bool)
    closed = np.zeros(n, dtype=bool)
    first = np.full(n, np.iinfo(np.int64).max)
    r, ok = row[found], found
    has_deal[r] = True
    won[row[ok & (stage == "won")]] = True
    closed[row[ok & np.isin(stage, ["won", "lost"])]] = True
    dated = ok & (when != null)
    np.minimum.at(first, row[dated], when[dated])
    has_date = first != np.iinfo(np.int64).max

    open_only = has_deal & ~closed
    deal_leads = has_deal & closed & has_date
    known = deal_leads & (created != null)
    ages = np.maximum(first[known] - created[known], 0).astype(float)
    age = float(np.median(ages)) if ages.size else 0.0
    # How long a lead typically takes to become a customer: a lead without a deal that is
    # younger than that may still become one, so its label is not known yet.
    won_close = np.full(n, np.iinfo(np.int64).max)
    closed_won = ok & (stage == "won") & (d_closed != null)
    np.minimum.at(won_close, row[closed_won], d_closed[closed_won])
    matured = won & (won_close != np.iinfo(np.int64).max) & (created != null)
    waits = np.maximum(won_close[matured] - created[matured], 0).astype(float)
    wait = float(np.median(waits)) if waits.size else 0.0
    no_deal = ~has_deal & (created != null)
    too_young = no_deal & (created > until - int(wait))
    cutoff = np.where(deal_leads, first, np.minimum(created + int(age), until))
    keep = deal_leads | (no_deal & ~too_young)
    return Labels(
        keep=keep,
        label=won & keep,
        cutoff=cutoff.astype("datetime64[us]"),
        open_only=int(open_only.sum()),
        too_young=int(too_young.sum()),
        lead_age_days=round(age / _US_PER_DAY, 2),
        days_to_customer=round(wait / _US_PER_DAY, 2),
    )


def labelled_leads(frames: StoreFrames, contract: Contract) -> LabelledLeads:
    """The labelled feature table of every usable lead in ``frames`` (``contract`` only names the
    intent signals the feature builder computes; discovery does not use them).

    >>> data = labelled_leads(frames, contract)  # doctest: +SKIP
    """
    labels = label_leads(frames)
    cutoffs = pa.array(labels.cutoff, _TS)
    features = build_features(frames, frames.until, contract, cutoffs=cutoffs)
    keep = labels.keep
    table = features.table.filter(pa.array(keep))
    return LabelledLeads(
        table=table,
        label=labels.label[keep],
        cutoff=labels.cutoff[keep],
        open_only=labels.open_only,
        too_young=labels.too_young,
        lead_age_days=labels.lead_age_days,
        days_to_customer=labels.days_to_customer,
    )
