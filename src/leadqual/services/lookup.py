"""What the hand-off use cases look up: a lead by its key, the active contract, the feature rows
of a few leads. Shared by ``handoff`` (sales' verdicts), ``assignments`` (owners and the SLA) and
``feedback`` (reading them back)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadqual.contract.model import Contract
from leadqual.errors import NotFound
from leadqual.features.build import build_features, uses_intent
from leadqual.features.frames import StoreFrames, load_frames
from leadqual.store.database import Store
from leadqual.store.models import ContractVersion, Lead

__all__ = ["active", "active_version", "find_lead", "lead_features"]


def active(s: Session) -> tuple[int | None, Contract | None]:
    """The active contract's version and the contract (``None, None`` before any)."""
    from leadqual.contract.loader import load_contract

    row = s.scalars(select(ContractVersion).where(ContractVersion.active)).first()
    if row is None:
        return None, None
    return row.version, load_contract(row.text, source=f"contract version {row.version}")


def active_version(s: Session) -> int | None:
    return s.scalar(select(ContractVersion.version).where(ContractVersion.active))


def find_lead(s: Session, key: str) -> Lead:
    lead = s.scalars(select(Lead).where(Lead.key == key.strip().lower())).first()
    if lead is None:
        lead = s.scalars(select(Lead).where(Lead.key == key)).first()
    if lead is None:
        raise NotFound(
            f"there is no lead {key!r}; a lead's key is its contact's email or its account's "
            "domain (`leadqual leads` lists them)",
            field="key",
        )
    return lead


def _subset(frames: StoreFrames, lead_ids: Sequence[int]) -> StoreFrames:
    ids = pa.array(sorted(lead_ids), pa.int64())

    def keep(t: pa.Table) -> pa.Table:
        return t.filter(pc.is_in(t["lead_id"], value_set=ids))

    return StoreFrames(
        leads=keep(frames.leads),
        events=keep(frames.events),
        deals=keep(frames.deals),
        bant=keep(frames.bant),
        accepted=keep(frames.accepted),
        until=frames.until,
    )


def lead_features(
    store: Store,
    lead_ids: Sequence[int],
    as_of: datetime,
    contract: Contract,
    events: pa.Table | None = None,
) -> pa.Table:
    """The feature table of ``lead_ids``; ``events``: the store's events already read (any
    later ones are cut at ``as_of``), so that a caller doing this often reads them once."""
    frames = load_frames(store, until=as_of, with_events=events is None)
    if events is not None:
        frames = StoreFrames(
            leads=frames.leads,
            events=events,
            deals=frames.deals,
            bant=frames.bant,
            accepted=frames.accepted,
            until=as_of,
        )
    if uses_intent(contract):
        # The account-level intent features count every visit of the lead's account, colleagues'
        # too: build over the whole store, then keep these leads' rows.
        table = build_features(frames, as_of, contract).table
        wanted = pa.array(sorted(lead_ids), pa.int64())
        return table.filter(pc.is_in(table["lead_id"], value_set=wanted))
    return build_features(_subset(frames, lead_ids), as_of, contract).table

