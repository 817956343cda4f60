from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from leadqual.contract.expression import parse_expression
from leadqual.contract.model import Routing, RoutingRule
from leadqual.handoff.routing import matching_rules, next_owners, route

ROUTING = Routing(
    owners=("ana", "bo"),
    rules=(
        RoutingRule("dach", parse_expression("country in ('DE', 'AT')", "fit"), ("dana",)),
        RoutingRule("enterprise", parse_expression("employees >= 1000", "fit"), ("eve", "fay")),
    ),
)


def test_first_matching_rule_wins_and_unknown_values_match_nothing() -> None:
    table = pa.table(
        {
            "country": ["DE", "US", "AT", None, "US"],
            "employees": [5000, 5000, 10, None, 20],
        }
    )
    assert matching_rules(table, ROUTING) == [0, 1, 0, None, None]


def test_rules_then_account_owner_then_round_robin() -> None:
    routes = route(
        [1, 2, 3, 4, 5],
        [10, 11, 10, 12, 13],
        [None, 1, None, None, 0],
        ROUTING,
        account_owners={12: "zed"},
        last_owner={"round_robin": "ana"},
    )
    assert [(r.owner, r.rule) for r in routes] == [
        ("bo", "round_robin"),
        ("eve", "routing.rules.enterprise"),
        ("bo", "account_owner"),  # same account as lead 1
        ("zed", "account_owner"),
        ("dana", "routing.rules.dach"),
    ]


@given(
    owners=st.lists(st.sampled_from("abcdefg"), min_size=1, max_size=7, unique=True),
    n=st.integers(0, 60),
)
def test_round_robin_is_fair(owners: list[str], n: int) -> None:
    got = next_owners(owners, None, n)
    counts = [got.count(o) for o in owners]
    assert max(counts) - min(counts) <= 1
    assert sum(counts) == n
    # carrying on from the last owner continues the same cycle
    if n:
        assert next_owners(owners, got[-1], 1) == next_owners(owners, None, n + 1)[-1:]
