"""The labelled lead table: labels, cutoffs, who is left out, and no leak from after a cutoff."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from leadqual.contract import load_contract, starter_contract_text
from leadqual.discover.dataset import labelled_leads
from leadqual.features.frames import load_frames
from leadqual.store.database import Store
from tests.factories import T0, make_deal, make_event, make_lead

UNTIL = datetime(2026, 12, 1)


def test_labels_cutoffs_and_exclusions(store: Store) -> None:
    day = timedelta(days=1)
    with store.session() as s:
        won = make_lead(s, created_at=T0)
        make_deal(s, won, stage="won", created_at=T0 + 20 * day, closed_at=T0 + 60 * day)
        make_event(s, won, T0 + 10 * day, page_type="pricing")
        make_event(s, won, T0 + 30 * day, page_type="pricing")  # after its cutoff: must not count
        lost = make_lead(s, created_at=T0)
        make_deal(s, lost, stage="lost", created_at=T0 + 40 * day, closed_at=T0 + 70 * day)
        make_deal(s, lost, stage="lost", created_at=T0 + 80 * day, closed_at=T0 + 90 * day)
        pending = make_lead(s, created_at=T0)
        make_deal(s, pending, stage="open", created_at=T0 + 5 * day)
        quiet = make_lead(s, created_at=T0)
        young = make_lead(s, created_at=UNTIL - 10 * day)
        keys = [x.key for x in (won, lost, quiet, young)]
    data = labelled_leads(load_frames(store, UNTIL), load_contract(starter_contract_text()))
    got = dict(zip(data.table.column("key").to_pylist(), range(data.table.num_rows), strict=True))
    # open-only and too young (younger than the 60-day wait for a won deal) are left out
    assert set(got) == {keys[0], keys[1], keys[2]}
    assert (data.open_only, data.too_young) == (1, 1)
    assert data.days_to_customer == 60.0
    row = {k: got[k] for k in keys[:3]}
    assert data.label[row[keys[0]]] and not data.label[row[keys[1]]]
    assert not data.label[row[keys[2]]]
    cut = data.cutoff.astype("datetime64[us]").astype(datetime)
    assert cut[row[keys[0]]] == T0 + 20 * day  # first deal's creation
    assert cut[row[keys[1]]] == T0 + 40 * day
    # without a deal: creation + the median age at a first deal (20 and 40 days → 30)
    assert data.lead_age_days == 30.0 and cut[row[keys[2]]] == T0 + 30 * day
    pricing = data.table.column("pricing_views_30d").to_numpy()
    assert pricing[row[keys[0]]] == 1
    # the outcome itself is not known at the cutoff
    assert not np.any(data.table.column("won_deal").to_numpy(zero_copy_only=False))
