"""Contract versions in a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leadqual.contract import starter_contract_text
from leadqual.errors import ContractError, NotFound
from leadqual.services.contracts import (
    ContractVersionInfo,
    active_contract,
    apply_contract,
    check_contract,
    get_contract_version,
    list_contract_versions,
)
from leadqual.store.database import Store
from leadqual.store.models import ContractVersion

NOW = datetime(2026, 3, 1, 12, 0)
STARTER = starter_contract_text()
EDITED = STARTER.replace("name: Starter contract", "name: Second contract")


def count_versions(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(ContractVersion)) or 0)


def test_no_contract_yet_says_how_to_apply_one(store: Store) -> None:
    with pytest.raises(NotFound, match=r"run `leadqual contract apply FILE`"):
        active_contract(store)
    with pytest.raises(NotFound, match="leadqual contract apply"):
        get_contract_version(store, 1)
    assert list_contract_versions(store) == []


def test_apply_stores_a_version_and_activates_it(store: Store) -> None:
    info = apply_contract(store, STARTER, source="starter.yaml", author="ana", now=NOW)
    assert info == ContractVersionInfo(
        version=1,
        name="Starter contract",
        sha256=info.sha256,
        author="ana",
        created_at=NOW,
        active=True,
    )
    active, contract = active_contract(store)
    assert active == info
    assert contract.text == STARTER
    assert contract.sha256 == info.sha256
    assert contract.max_fit == 100


def test_applying_the_active_text_again_stores_nothing(store: Store) -> None:
    first = apply_contract(store, STARTER, source="a.yaml", author="ana", now=NOW)
    again = apply_contract(
        store, STARTER, source="b.yaml", author="bo", now=NOW + timedelta(days=1)
    )
    assert again == first
    assert count_versions(store) == 1


def test_a_new_version_replaces_the_active_one_and_history_is_kept(store: Store) -> None:
    v1 = apply_contract(store, STARTER, source="a.yaml", author="ana", now=NOW)
    v2 = apply_contract(store, EDITED, source="a.yaml", author=None, now=NOW + timedelta(1))
    assert (v2.version, v2.name, v2.active) == (2, "Second contract", True)
    # Going back to the first text is a new version, not a reactivation of version 1.
    v3 = apply_contract(store, STARTER, source="a.yaml", author="bo", now=NOW + timedelta(2))
    assert v3.version == 3 and v3.sha256 == v1.sha256
    versions = list_contract_versions(store)
    assert [(v.version, v.active) for v in versions] == [(3, True), (2, False), (1, False)]
    info, contract = get_contract_version(store, 2)
    assert (info.version, info.active, contract.name) == (2, False, "Second contract")
    assert get_contract_version(store, None)[0] == v3
    with pytest.raises(NotFound, match="versions go from 1 to 3"):
        get_contract_version(store, 7)


def test_an_invalid_contract_is_refused_and_nothing_is_stored(store: Store) -> None:
    apply_contract(store, STARTER, source="a.yaml", author="ana", now=NOW)
    bad = STARTER.replace("annual_revenue >=", "anual_revenue >=")
    with pytest.raises(ContractError) as info:
        apply_contract(store, bad, source="contract.yaml", author="ana", now=NOW)
    assert any(
        p.startswith("contract.yaml:") and "did you mean `annual_revenue`" in p
        for p in info.value.problems
    )
    assert count_versions(store) == 1
    assert active_contract(store)[0].version == 1


def test_check_contract_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "contract.yaml"
    path.write_text(STARTER)
    assert check_contract(path).name == "Starter contract"
    path.write_text(STARTER.replace("event: meeting", "event: meetings"))
    with pytest.raises(ContractError, match="did you mean `meeting`"):
        check_contract(path)
