from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from leadqual.store.database import Store, open_store
from leadqual.store.models import Account, ContractVersion

NOW = datetime(2026, 1, 1)


def test_migrations_create_every_table_and_are_rerunnable(store: Store) -> None:
    store.migrate()  # a second run finds nothing to do
    with store.session() as s:
        s.add(Account(domain="acme.com", created_at=NOW, updated_at=NOW))
    with store.session() as s:
        got = s.scalars(select(Account.domain)).all()
    assert got == ["acme.com"]


def test_account_domain_is_unique(store: Store) -> None:
    with store.session() as s:
        s.add(Account(domain="acme.com", created_at=NOW, updated_at=NOW))
    with pytest.raises(IntegrityError), store.session() as s:
        s.add(Account(domain="acme.com", created_at=NOW, updated_at=NOW))


def test_at_most_one_active_contract(store: Store) -> None:
    def version(n: int) -> ContractVersion:
        return ContractVersion(
            version=n, name="c", text="x", sha256="0" * 64, created_at=NOW, active=True
        )

    with store.session() as s:
        s.add(version(1))
    with pytest.raises(IntegrityError), store.session() as s:
        s.add(version(2))


def test_sqlite_store_runs_in_wal_mode(sqlite_db_url: str) -> None:
    s = open_store(sqlite_db_url)
    with s.engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    s.dispose()
    assert mode == "wal"
