"""A small simulated funnel for the dashboard tests: ~1,000 leads over ten months, qualified
month by month under the starter contract, simulated sales feedback on all but the last month's
MQLs (so open MQLs are left for a person to judge), a trained model with scores, and one user and
key per role. Building it takes a few seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from leadqual.contract import starter_contract_text
from leadqual.domain.calendar import month_ends
from leadqual.features.frames import load_frames
from leadqual.services.auth import ROLES, add_user, create_key
from leadqual.services.contracts import apply_contract
from leadqual.services.feedback_sim import simulate_feedback
from leadqual.services.imports import import_file
from leadqual.services.qualify import qualify
from leadqual.services.scoring import score
from leadqual.services.training import train
from leadqual.simulate import simulate, write_funnel
from leadqual.store.database import Store

END = datetime(2026, 6, 30)
NOW = datetime(2026, 7, 15)
MONTHS = 10


@dataclass(frozen=True)
class Users:
    """The user name and API key of each role."""

    names: dict[str, str]
    keys: dict[str, str]


def fill_funnel(store: Store, data_dir: Path, *, accounts: int = 500, seed: int = 3) -> Users:
    paths = write_funnel(simulate(accounts, seed, months=MONTHS, end=END), data_dir)
    for kind in ("accounts", "contacts", "events", "deals"):
        import_file(store, kind, paths[kind], now=NOW)
    apply_contract(store, starter_contract_text(), source="starter.yaml", author="mia", now=NOW)
    frames = load_frames(store, until=END + timedelta(days=1))
    ends = month_ends(END, MONTHS)
    for as_of in ends[:-1]:
        qualify(store, as_of=as_of, now=NOW, frames=frames)
    simulate_feedback(store, as_of=ends[-2], now=NOW, seed=1)
    qualify(store, as_of=ends[-1], now=NOW, frames=frames)
    train(store, now=NOW)
    score(store, now=NOW)
    names = {role: f"{role}-user" for role in ROLES}
    keys = {}
    for role, name in names.items():
        add_user(store, name, role=role, now=NOW)
        keys[role] = create_key(store, name, now=NOW).key
    return Users(names, keys)
