from __future__ import annotations

import pytest

from leadqual.domain.lifecycle import STAGES, TRANSITIONS, Stage, can_move, check_move
from leadqual.errors import InvalidInput


@pytest.mark.parametrize(
    ("src", "dst"),
    [("lead", "mql"), ("mql", "sal"), ("sal", "sql"), ("sql", "opportunity"),
     ("opportunity", "customer"), ("mql", "recycled"), ("recycled", "mql"),
     ("lead", "disqualified"), ("lead", "customer")],
)
def test_allowed_moves(src: str, dst: str) -> None:
    assert can_move(src, dst)
    check_move(src, dst)


@pytest.mark.parametrize(
    ("src", "dst"), [("customer", "lead"), ("lead", "sql"), ("lead", "sal"), ("sql", "mql")]
)
def test_refused_moves_name_the_allowed_ones(src: str, dst: str) -> None:
    assert not can_move(src, dst)
    with pytest.raises(InvalidInput, match=f"from {src!r} it may move to"):
        check_move(src, dst)


def test_unknown_stage_is_named() -> None:
    with pytest.raises(InvalidInput, match="unknown stage 'won'"):
        check_move("lead", "won")


def test_customer_is_final_and_every_stage_has_rules() -> None:
    assert set(TRANSITIONS) == set(Stage)
    assert TRANSITIONS[Stage.CUSTOMER] == frozenset()
    assert len(STAGES) == 8
