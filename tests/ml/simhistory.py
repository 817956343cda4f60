"""A simulated history written once per test module and imported into a real store (shared by
tests/ml, tests/services/test_training.py, tests/services/test_scoring.py and
tests/cli/test_train_score_cli.py)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from leadqual.services.imports import import_file
from leadqual.simulate import simulate, write_funnel
from leadqual.store.database import Store

END = datetime(2026, 6, 30)
NOW = datetime(2026, 7, 1)


def write_history(out: Path, accounts: int, seed: int = 5) -> dict[str, Path]:
    return write_funnel(simulate(accounts, seed, months=12, end=END), out)


def import_history(store: Store, paths: dict[str, Path]) -> None:
    for kind in ("accounts", "contacts", "events", "deals"):
        import_file(store, kind, paths[kind], now=NOW)


def truth(paths: dict[str, Path]) -> dict[str, Any]:
    return dict(json.loads(paths["truth"].read_text())["leads"])
