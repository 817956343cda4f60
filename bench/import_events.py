"""Benchmark: importing N event rows from a canonical CSV into a fresh SQLite store.

Baseline, in the same process run: reading the same CSV with the csv module and a bare
``sqlite3`` ``executemany`` of its rows into an equivalent table (no validation, no leads).

    python bench/import_events.py            # 1,000,000 rows
    python bench/import_events.py --quick    # 100,000 rows
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from leadqual.services.imports import import_file
from leadqual.settings import sqlite_url
from leadqual.store.database import open_store

HEADER = ["event_id", "type", "occurred_at", "email", "account_domain", "visitor_id", "path",
          "form_kind", "dwell_ms"]
PATHS = ["/", "/pricing", "/docs/start", "/blog/post", "/product", "/careers", "/about"]
GOAL_SECONDS_PER_MILLION = 60.0


def generate(path: Path, n: int, seed: int = 7) -> None:
    """Write ``n`` event rows: 40% from known people, 40% from companies only, 20% anonymous."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(n):
            r = rng.random()
            person = rng.randrange(20_000)
            email = f"p{person}@c{person % 5_000}.com" if r < 0.4 else ""
            domain = f"c{rng.randrange(5_000)}.com" if 0.4 <= r < 0.8 else ""
            form = rng.random() < 0.02
            w.writerow([
                f"ev{i:08d}", "form_submit" if form else "page_view",
                (start + timedelta(seconds=i * 7)).isoformat(), email, domain,
                f"v{rng.randrange(200_000)}", rng.choice(PATHS),
                "demo_request" if form else "", rng.randrange(100, 60_000),
            ])


def baseline(path: Path, db: Path) -> float:
    """Seconds for csv.reader + sqlite3 executemany of the same rows into a plain table."""
    t0 = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"CREATE TABLE events (id INTEGER PRIMARY KEY, {', '.join(HEADER)}, "
                 "UNIQUE(event_id))")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        placeholders = ", ".join("?" * len(HEADER))
        conn.executemany(f"INSERT INTO events ({', '.join(HEADER)}) VALUES ({placeholders})",
                         reader)
    conn.commit()
    conn.close()
    return time.perf_counter() - t0


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    args = parser.parse_args(argv)
    n = 100_000 if args.quick else args.rows
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "events.csv"
        generate(csv_path, n)
        rss_before = peak_rss_mb()
        store = open_store(sqlite_url(Path(tmp) / "leadqual.db"))
        t0 = time.perf_counter()
        result = import_file(store, "events", csv_path, now=datetime(2026, 3, 1))
        ours = time.perf_counter() - t0
        store.dispose()
        rss = peak_rss_mb()
        base = baseline(csv_path, Path(tmp) / "baseline.db")
    goal = GOAL_SECONDS_PER_MILLION * n / 1_000_000
    print(f"{'rows':<28}{n:>14,}")
    print(f"{'leadqual import (s)':<28}{ours:>14.2f}   ({n / ours:,.0f} rows/s)")
    print(f"{'sqlite3 executemany (s)':<28}{base:>14.2f}")
    print(f"{'ratio':<28}{ours / base:>14.2f}")
    print(f"{'peak RSS (MB)':<28}{rss:>14.0f}   (before the import: {rss_before:.0f})")
    print(f"{'inserted / leads created':<28}{result.inserted:>14,} / {result.leads_created:,}")
    print(json.dumps({"bench": "import_events", "ours": round(ours, 3),
                      "baseline": "sqlite3 executemany", "baseline_value": round(base, 3),
                      "unit": "s", "ratio": round(ours / base, 2),
                      "goal": f"<= {goal:g} s for {n:,} rows", "met": ours <= goal}))
    print(json.dumps({"bench": "import_events_memory", "ours": round(rss),
                      "baseline": None, "baseline_value": None, "unit": "MB", "ratio": None,
                      "goal": "<= 500 MB peak RSS", "met": rss <= 500}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
