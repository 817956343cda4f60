"""A small simulated history in a real store, for the backtest tests (shared by tests/backtest,
tests/services/test_backtest.py and tests/cli/test_backtest_cli.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from leadqual.contract import load_contract, starter_contract_text
from leadqual.contract.model import Contract
from leadqual.services.imports import import_file
from leadqual.simulate import simulate, write_funnel
from leadqual.store.database import Store
from leadqual.store.models import (
    Account,
    BantAnswer,
    Contact,
    ContractVersion,
    Deal,
    Event,
    Lead,
    StageChange,
)

END = datetime(2026, 6, 30)
NOW = datetime(2026, 7, 15)
STRICT_MQL = "fit >= 70 and intent >= 30"


def write_simulated(
    out: Path, accounts: int = 160, seed: int = 3, months: int = 6
) -> dict[str, Path]:
    return write_funnel(simulate(accounts, seed, months=months, end=END), out)


def import_simulated(store: Store, paths: dict[str, Path]) -> None:
    for kind in ("accounts", "contacts", "events", "deals"):
        import_file(store, kind, paths[kind], now=NOW)


def starter() -> Contract:
    return load_contract(starter_contract_text(), source="starter.yaml")


def strict() -> Contract:
    text = starter_contract_text().replace("mql: fit >= 40 and intent >= 30", f"mql: {STRICT_MQL}")
    text = text.replace("name: Starter contract", "name: Strict contract")
    assert STRICT_MQL in text
    return load_contract(text, source="strict.yaml")


def snapshot(store: Store) -> dict[str, object]:
    """Row counts of every table and every lead's stage and scores: what a read-only replay
    must leave as it was."""
    with store.session() as s:
        counts = {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (Account, Contact, Lead, Event, Deal, BantAnswer, StageChange, ContractVersion)
        }
        leads = s.execute(
            select(Lead.id, Lead.stage, Lead.fit, Lead.intent, Lead.qualified_at).order_by(Lead.id)
        ).all()
    return {"counts": counts, "leads": [tuple(r) for r in leads]}
