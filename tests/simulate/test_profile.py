"""The planted ideal-customer profile: its conditions, how accounts match it, how it is drawn."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadqual.simulate.firmographics import generate_accounts
from leadqual.simulate.profile import (
    MAX_SHARE,
    MIN_EFFECT,
    MIN_SHARE,
    MIN_THRESHOLD,
    Condition,
    _nice,
    condition_effects,
    describe,
    draw_profile,
    matches,
)


def _row_matches(profile: tuple[Condition, ...], row: dict[str, Any]) -> bool:
    """The plain, one-account reading of a profile, to check the vectorized one against."""
    for c in profile:
        value = row[c.field]
        if c.field == "technologies":
            if not set(value) & set(c.value):
                return False
            continue
        ok = {
            ">=": lambda v, c=c: v >= c.value,
            "<=": lambda v, c=c: v <= c.value,
            "in": lambda v, c=c: v in c.value,
            "=": lambda v, c=c: v == c.value,
        }[c.op](value)
        if not ok:
            return False
    return True


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_drawn_profiles_are_well_formed_and_match_their_share(seed: int) -> None:
    rng = np.random.default_rng(seed)
    accounts = generate_accounts(rng, 600)
    profile = draw_profile(rng, accounts)
    assert 2 <= len(profile) <= 3
    for c in profile:
        assert c.op in (">=", "<=", "in", "=")
        if c.op == "in":
            assert isinstance(c.value, tuple) and len(c.value) >= 1
        if c.op in (">=", "<="):
            assert isinstance(c.value, int)
    share = matches(profile, accounts).mean()
    assert MIN_SHARE <= share <= MAX_SHARE
    # identifiable: every condition removes a real share of what the others match, and a
    # threshold is never so small that one unit is more than 10% of it
    assert min(condition_effects(profile, accounts)) >= MIN_EFFECT
    assert all(c.value >= MIN_THRESHOLD for c in profile if c.op in (">=", "<="))
    got = matches(profile, accounts)
    rows = [
        {
            "technologies": techs,
            "industry": industry,
            "country": country,
            **{
                c.field: int(getattr(accounts, c.field)[i]) for c in profile if c.op in (">=", "<=")
            },
        }
        for i, (techs, industry, country) in enumerate(
            zip(
                accounts.technology_lists(),
                accounts.industry_names(),
                accounts.country_names(),
                strict=True,
            )
        )
    ]
    want = [_row_matches(profile, row) for row in rows]
    assert got.tolist() == want


def test_technologies_in_means_has_any() -> None:
    a = generate_accounts(np.random.default_rng(4), 400)
    both = (Condition("technologies", "in", ("shopify", "hubspot")),)
    one = matches((Condition("technologies", "in", ("shopify",)),), a)
    other = matches((Condition("technologies", "in", ("hubspot",)),), a)
    assert (matches(both, a) == (one | other)).all()


def test_conditions_serialise_and_read_as_words() -> None:
    profile = (
        Condition("annual_revenue", ">=", 1_000_000),
        Condition("technologies", "in", ("shopify", "bigcommerce")),
    )
    assert [c.as_dict() for c in profile] == [
        {"field": "annual_revenue", "op": ">=", "value": 1_000_000},
        {"field": "technologies", "op": "in", "value": ["shopify", "bigcommerce"]},
    ]
    assert describe(profile) == "annual_revenue ≥ 1,000,000 and runs any of (shopify, bigcommerce)"


def test_thresholds_are_round_numbers() -> None:
    assert _nice(123_456) == 100_000
    assert _nice(2_740) == 2_500
    assert _nice(7.4) == 7
    assert _nice(0.2) == 1


def test_condition_effects_measure_what_each_condition_removes() -> None:
    a = generate_accounts(np.random.default_rng(5), 800)
    big = Condition("employees", ">=", 100)
    huge = Condition("employees", ">=", 1)  # every account has 1 or more: removes nothing
    effects = condition_effects((big, huge), a)
    assert effects[1] == 0.0
    assert effects[0] == pytest.approx(float((a.employees < 100).mean()))
