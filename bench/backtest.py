"""Backtest of a contract over 12 months of ~100k leads: leadqual's in-memory replay against the
naive way — ``qualify`` at every month end against the store — each in a fresh process.

The data: ``simulate`` → import into a SQLite store (a few thousand leads, ~60 events each), read
once with ``load_frames`` and tiled (copies with shifted lead ids) up to the target number of
leads, written to Parquet. Ours reads that Parquet and replays the 12 months (report included).
The baseline qualifies the untiled store month by month (it writes stage changes, so it runs on a
copy) and is scaled linearly by the tiling factor — too slow to run at full size.

    python -m bench.backtest [--leads N] [--quick]
"""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.report import emit, in_child
from leadqual.backtest.metrics import report
from leadqual.backtest.outcomes import outcomes
from leadqual.backtest.replay import replay
from leadqual.contract import load_contract, starter_contract_text
from leadqual.domain.calendar import month_ends
from leadqual.features.events import event_columns
from leadqual.features.frames import StoreFrames, load_frames
from leadqual.services.contracts import apply_contract
from leadqual.services.imports import import_file
from leadqual.services.qualify import qualify
from leadqual.settings import sqlite_url
from leadqual.simulate import simulate, write_funnel
from leadqual.store.database import open_store

END = datetime(2026, 11, 30)
NOW = datetime(2026, 12, 1)
FRAMES = ("leads", "events", "deals", "bant", "accepted")
GOAL_SECONDS = 10.0


def build_store(tmp: Path, accounts: int) -> Path:
    """A SQLite store with ``accounts`` simulated accounts over 12 months; returns its path."""
    paths = write_funnel(simulate(accounts, 7, months=12, end=END), tmp / "data")
    db = tmp / "store.db"
    store = open_store(sqlite_url(db))
    for kind in ("accounts", "contacts", "events", "deals"):
        import_file(store, kind, paths[kind], now=NOW)
    store.dispose()
    return db


def tile(frames: StoreFrames, copies: int) -> StoreFrames:
    """``copies`` copies of every frame, lead ids shifted so that each copy is its own leads."""
    step = int(pc.max(frames.leads["lead_id"]).as_py() or 0) + 1

    def rep(t: pa.Table) -> pa.Table:
        i = t.schema.get_field_index("lead_id")
        return pa.concat_tables(
            [t.set_column(i, "lead_id", pc.add(t["lead_id"], k * step)) for k in range(copies)]
        )

    leads = rep(frames.leads)
    keys = pc.binary_join_element_wise(leads["key"], pc.cast(leads["lead_id"], pa.string()), "#")
    leads = leads.set_column(leads.schema.get_field_index("key"), "key", keys)
    return StoreFrames(
        leads,
        rep(frames.events),
        rep(frames.deals),
        rep(frames.bant),
        rep(frames.accepted),
        frames.until,
    )


def run_ours(folder: str) -> dict[str, float]:
    """Read the tiled frames and backtest the starter contract over the 12 month ends."""
    contract = load_contract(starter_contract_text())
    # Like the service, read only the event columns the contract's signals need.
    columns = {"events": event_columns(contract.intent.signals)}
    tables = {
        name: pq.read_table(Path(folder) / f"{name}.parquet", columns=columns.get(name))
        for name in FRAMES
    }
    clock = time.perf_counter()
    ends = month_ends(END, 12)
    frames = StoreFrames(**tables, until=ends[-1])
    r = replay(frames, contract, ends)
    out = outcomes(
        frames.deals, r.lead_ids, np.datetime64(ends[0], "us"), np.datetime64(ends[-1], "us")
    )
    rep = report(
        r,
        out,
        contract_name=contract.name,
        contract_sha256=contract.sha256,
        mql_rule=contract.stages.mql.source,
    )
    return {
        "mql": rep.overall["mql"],
        "leads": r.n_leads,
        "replay_s": time.perf_counter() - clock,
    }


def run_naive(db: str) -> int:
    """qualify() at each of the 12 month ends against (a copy of) the store."""
    copy = Path(db).with_name(f"naive-{time.monotonic_ns()}.db")
    shutil.copy(db, copy)
    store = open_store(sqlite_url(copy))
    apply_contract(store, starter_contract_text(), source="starter.yaml", author="bench", now=NOW)
    frames = load_frames(store, until=END)
    changes = 0
    for as_of in month_ends(END, 12):
        changes += qualify(store, as_of=as_of, now=NOW, frames=frames).changes
    store.dispose()
    copy.unlink()
    return changes


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=1_500, help="simulated, before tiling")
    parser.add_argument("--quick", action="store_true", help="20k leads from 400 accounts")
    args = parser.parse_args(argv)
    target, accounts = (20_000, 400) if args.quick else (args.leads, args.accounts)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = build_store(tmp, accounts)
        store = open_store(sqlite_url(db))
        clock = time.perf_counter()
        small = load_frames(store, until=END)
        load_s = time.perf_counter() - clock
        store.dispose()
        copies = max(1, math.ceil(target / small.leads.num_rows))
        big = tile(small, copies)
        for name in FRAMES:
            pq.write_table(getattr(big, name), tmp / f"{name}.parquet")
        ours_s, ours_mb, got = in_child(run_ours, str(tmp), repeat=1 if not args.quick else 2)
        naive_s, _, _ = in_child(run_naive, str(db), repeat=1)
    leads = int(got["leads"])
    naive_scaled = naive_s * copies
    scale = 100_000 / leads
    print(
        f"backtest 12 months   {leads:,} leads, {big.events.num_rows:,} events "
        f"({small.leads.num_rows:,} simulated leads × {copies})"
    )
    print(f"  leadqual: read Parquet + replay + report       {ours_s:7.2f} s {ours_mb:6.0f} MB")
    print(f"    of which replay + report                     {got['replay_s']:7.2f} s")
    print(
        f"  qualify() month by month on the store          {naive_s:7.2f} s at "
        f"{small.leads.num_rows:,} leads → × {copies} = {naive_scaled:7.1f} s"
    )
    print(f"  (reading the untiled store with load_frames: {load_s:.2f} s, not counted)")
    return [
        emit(
            "backtest_12m",
            ours_s,
            "qualify() month by month on the store, scaled linearly",
            naive_scaled,
            goal="< 10 s for 100k leads × 12 months",
            met=ours_s * scale < GOAL_SECONDS,
            leads=leads,
            events=big.events.num_rows,
            mql=got["mql"],
            replay_only_s=round(got["replay_s"], 2),
            peak_mb=round(ours_mb),
        )
    ]


if __name__ == "__main__":
    main()
