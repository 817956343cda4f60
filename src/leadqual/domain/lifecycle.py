"""The lead lifecycle: stages and the transitions allowed between them.

``lead → mql → sal → sql → opportunity → customer``, plus ``recycled`` (back to nurture) and
``disqualified`` (out, with a reason).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["STAGES", "TRANSITIONS", "Stage", "can_move", "check_move"]


class Stage(StrEnum):
    LEAD = "lead"
    MQL = "mql"
    SAL = "sal"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    RECYCLED = "recycled"
    DISQUALIFIED = "disqualified"


STAGES: tuple[str, ...] = tuple(s.value for s in Stage)

# Forward moves along the funnel, plus recycling and disqualifying from any open stage.
# A deal recorded in the CRM moves a lead to `opportunity` or `customer` from any open stage.
_DEAL = frozenset({Stage.OPPORTUNITY, Stage.CUSTOMER})
TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.LEAD: frozenset({Stage.MQL, Stage.RECYCLED, Stage.DISQUALIFIED}) | _DEAL,
    Stage.MQL: frozenset({Stage.SAL, Stage.SQL, Stage.RECYCLED, Stage.DISQUALIFIED}) | _DEAL,
    Stage.SAL: frozenset({Stage.SQL, Stage.RECYCLED, Stage.DISQUALIFIED}) | _DEAL,
    Stage.SQL: frozenset({Stage.RECYCLED, Stage.DISQUALIFIED}) | _DEAL,
    Stage.OPPORTUNITY: frozenset({Stage.CUSTOMER, Stage.RECYCLED, Stage.DISQUALIFIED}),
    Stage.CUSTOMER: frozenset(),
    Stage.RECYCLED: frozenset({Stage.MQL, Stage.DISQUALIFIED}) | _DEAL,
    Stage.DISQUALIFIED: frozenset({Stage.RECYCLED}),
}


def can_move(from_stage: str, to_stage: str) -> bool:
    """Whether a lead may move from one stage to another.

    >>> can_move("lead", "mql"), can_move("customer", "lead")
    (True, False)
    """
    return Stage(to_stage) in TRANSITIONS[Stage(from_stage)]


def check_move(from_stage: str, to_stage: str) -> None:
    """Raise ``InvalidInput`` naming the allowed moves when a transition is not allowed."""
    from leadqual.errors import InvalidInput

    for s in (from_stage, to_stage):
        if s not in STAGES:
            raise InvalidInput(f"unknown stage {s!r}; stages are {', '.join(STAGES)}")
    if not can_move(from_stage, to_stage):
        allowed = ", ".join(sorted(TRANSITIONS[Stage(from_stage)])) or "none (final stage)"
        raise InvalidInput(
            f"a lead cannot move from {from_stage!r} to {to_stage!r}; from {from_stage!r} it may "
            f"move to: {allowed}"
        )
