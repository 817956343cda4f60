from __future__ import annotations

from datetime import timedelta

import pytest

from leadqual.errors import Conflict, InvalidInput, NotFound
from leadqual.services.contracts import (
    active_contract,
    approve_contract,
    contract_history,
    list_proposals,
    propose_contract,
    rollback_contract,
)
from leadqual.services.feedback_sim import simulate_feedback
from leadqual.services.handoff import accept, reject
from leadqual.store.database import Store
from tests.handoff.handoffdata import AS_OF, CONTRACT, NOW, mql_store

V2 = CONTRACT.replace("fit >= 40 and intent >= 30", "fit >= 45 and intent >= 30")


def test_a_proposal_needs_marketing_and_sales_before_it_is_active(store: Store) -> None:
    mql_store(store, ["US"])
    p = propose_contract(store, V2, source="v2.yaml", proposed_by="mia", now=NOW)
    assert (p.version, p.kind, p.missing) == (2, "propose", ["marketing", "sales"])
    assert active_contract(store)[0].version == 1
    p = approve_contract(store, 2, team="marketing", by_user="mia", now=NOW)
    assert p.missing == ["sales"] and p.activated_at is None
    assert active_contract(store)[0].version == 1
    with pytest.raises(Conflict, match="already approved"):
        approve_contract(store, 2, team="marketing", by_user="max", now=NOW)
    with pytest.raises(InvalidInput, match="marketing and sales"):
        approve_contract(store, 2, team="finance", by_user="fin", now=NOW)
    p = approve_contract(store, 2, team="sales", by_user="sam", now=NOW + timedelta(hours=1))
    assert p.activated_at == NOW + timedelta(hours=1)
    assert p.approvals == {"marketing": "mia", "sales": "sam"}
    assert active_contract(store)[0].version == 2
    assert list_proposals(store, open_only=True) == []
    with pytest.raises(NotFound, match="no open proposal"):
        approve_contract(store, 2, team="sales", by_user="sam", now=NOW)
    with pytest.raises(Conflict, match="already the active"):
        propose_contract(store, V2, source="v2.yaml", proposed_by="mia", now=NOW)


def test_one_person_cannot_sign_for_both_teams(store: Store) -> None:
    mql_store(store, ["US"])
    propose_contract(store, V2, source="v2.yaml", proposed_by="mia", now=NOW)
    approve_contract(store, 2, team="marketing", by_user="root", now=NOW)
    with pytest.raises(
        Conflict,
        match="'root' already approved version 2 for marketing; the "
        "sales approval must come from someone else",
    ):
        approve_contract(store, 2, team="sales", by_user="root", now=NOW)
    with pytest.raises(Conflict, match=r"marketing has already approved .* \(root\)"):
        approve_contract(store, 2, team="marketing", by_user="root", now=NOW)
    assert active_contract(store)[0].version == 1
    [open_] = list_proposals(store, open_only=True)
    assert open_.approvals == {"marketing": "root"} and open_.missing == ["sales"]
    p = approve_contract(store, 2, team="sales", by_user="sam", now=NOW)
    assert p.approvals == {"marketing": "root", "sales": "sam"} and p.activated_at == NOW
    # a rollback is a new proposal: the same two-people rule again
    rollback_contract(store, 1, proposed_by="sam", now=NOW)
    approve_contract(store, 1, team="sales", by_user="sam", now=NOW)
    with pytest.raises(Conflict, match="someone else"):
        approve_contract(store, 1, team="marketing", by_user="sam", now=NOW)
    assert active_contract(store)[0].version == 2


def test_rollback_needs_the_same_sign_off(store: Store) -> None:
    mql_store(store, ["US"])
    propose_contract(store, V2, source="v2.yaml", proposed_by="mia", now=NOW)
    approve_contract(store, 2, team="marketing", by_user="mia", now=NOW)
    approve_contract(store, 2, team="sales", by_user="sam", now=NOW)
    with pytest.raises(Conflict, match="already active"):
        rollback_contract(store, 2, proposed_by="sam", now=NOW)
    with pytest.raises(NotFound):
        rollback_contract(store, 9, proposed_by="sam", now=NOW)
    r = rollback_contract(store, 1, proposed_by="sam", now=NOW, note="v2 starves sales")
    assert r.kind == "rollback"
    approve_contract(store, 1, team="sales", by_user="sam", now=NOW)
    assert active_contract(store)[0].version == 2
    approve_contract(store, 1, team="marketing", by_user="mia", now=NOW)
    assert active_contract(store)[0].version == 1


def test_history_measures_each_version_by_its_leads(store: Store) -> None:
    a, b, c = mql_store(store, ["US", "US", "US"])
    accept(store, a, by_user="bo", now=NOW)
    accept(store, b, by_user="bo", now=NOW)
    reject(store, c, "no_need", by_user="bo", now=NOW)
    [v1] = contract_history(store)
    d = v1.as_dict()
    assert (d["version"], d["mqls"], d["accepted"], d["rejected"]) == (1, 3, 2, 1)
    assert d["acceptance_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert (d["sql"], d["mql_to_sql"], d["won"], d["mql_to_won"]) == (0, 0.0, 0, 0.0)


def test_simulated_feedback_decides_every_open_mql_and_makes_some_sqls(store: Store) -> None:
    plain = CONTRACT.split("routing:")[0]  # no routing: the simulation assigns to its owners
    keys = mql_store(store, ["US"] * 12, meeting=True, contract=plain)
    result = simulate_feedback(store, as_of=AS_OF, now=NOW, seed=3, owners=["x", "y"])
    assert result.assigned == len(keys)
    assert result.accepted + result.rejected == len(keys)
    assert result.sql >= 1 and result.sql <= result.bant_recorded <= result.accepted
    assert sum(result.reasons.values()) == result.rejected
    again = simulate_feedback(store, as_of=AS_OF, now=NOW, seed=3)
    assert (again.accepted, again.rejected, again.assigned) == (0, 0, 0)
    [v1] = contract_history(store)
    assert v1.sql == result.sql and v1.accepted + v1.rejected == len(keys)
