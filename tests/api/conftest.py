"""An API over a real, seeded store (SQLite and PostgreSQL) and one key per role."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest

with warnings.catch_warnings():
    # Starlette 1.x prefers the `httpx2` package for its test client and warns when it runs on
    # httpx; the client behaves the same (httpx2 is not installed here).
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from leadqual.api.app import create_app
from leadqual.contract import starter_contract_text
from leadqual.services.auth import ROLES, add_user, create_key
from leadqual.services.contracts import apply_contract
from leadqual.store.database import Store
from leadqual.store.models import LeadScore, StageChange
from tests.factories import make_account, make_deal, make_event, make_lead

NOW = datetime(2026, 3, 1, 12, 0)


@dataclass
class Api:
    client: TestClient
    store: Store
    keys: dict[str, str]

    def headers(self, role: str | None) -> dict[str, str]:
        return {} if role is None else {"Authorization": f"Bearer {self.keys[role]}"}


def seed(store: Store) -> None:
    """Two accounts, three leads (one scored, one with history and events), a deal, a contract."""
    apply_contract(store, starter_contract_text(), source="starter", author="ana", now=NOW)
    with store.session() as s:
        acme = make_account(s, domain="acme.example", industry="software", country="US")
        other = make_account(s, domain="other.example", industry="retail", country="DE")
        a = make_lead(
            s,
            acme,
            email="ana@acme.example",
            fit=80.0,
            intent=30.0,
            stage="mql",
            owner="sam",
            stage_changed_at=datetime(2026, 2, 20),
            reasons=["fit: size"],
        )
        b = make_lead(s, acme, email="bob@acme.example", fit=40.0, intent=70.0)
        c = make_lead(
            s, other, email="cy@other.example", fit=None, intent=5.0, owner="kim", source="tracker"
        )
        for i in range(3):
            make_event(
                s, a, datetime(2026, 2, 10 + i), event_id=f"seed-{a.id}-{i}", page_type="pricing"
            )
        s.add(
            StageChange(
                lead_id=a.id,
                from_stage="lead",
                to_stage="mql",
                at=datetime(2026, 2, 20),
                reason="fit and intent",
                rule="mql",
                contract_version=1,
                recorded_at=datetime(2026, 2, 20),
            )
        )
        s.add(LeadScore(lead_id=b.id, model_version=1, p_win=0.9, reasons=[], scored_at=NOW))
        s.add(LeadScore(lead_id=a.id, model_version=1, p_win=0.2, reasons=[], scored_at=NOW))
        s.add(
            LeadScore(
                lead_id=a.id,
                model_version=2,
                p_win=0.6,
                reasons=[{"feature": "fit", "text": "big"}],
                scored_at=NOW,
            )
        )
        make_deal(
            s,
            c,
            external_id="deal-1",
            amount=1000.0,
            stage="won",
            created_at=datetime(2026, 1, 5),
            closed_at=datetime(2026, 2, 1),
        )


def make_api(store: Store) -> Iterator[Api]:
    seed(store)
    keys = {}
    for role in ROLES:
        add_user(store, f"{role}-user", role=role, now=NOW)
        keys[role] = create_key(store, f"{role}-user", now=NOW).key
    with TestClient(create_app(store)) as client:
        yield Api(client, store, keys)


@pytest.fixture
def api(store: Store) -> Iterator[Api]:
    """On SQLite and on PostgreSQL."""
    yield from make_api(store)


@pytest.fixture
def sqlite_api(sqlite_store: Store) -> Iterator[Api]:
    yield from make_api(sqlite_store)
