"""The simulated funnel: deterministic per seed, a different planted profile per seed, and
outcomes that depend on that profile strongly enough for discovery to find it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadqual.errors import InvalidInput
from leadqual.simulate import SimulatedFunnel, simulate, write_funnel
from leadqual.simulate.deals import STAGES
from leadqual.simulate.funnel import months_before, to_epoch
from leadqual.simulate.profile import MAX_SHARE, MIN_EFFECT, MIN_SHARE, condition_effects


@pytest.fixture(scope="module")
def funnel() -> SimulatedFunnel:
    return simulate(800, seed=21)


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    first = write_funnel(simulate(150, seed=3), tmp_path / "a")
    second = write_funnel(simulate(150, seed=3), tmp_path / "b")
    for name, path in first.items():
        assert path.read_bytes() == second[name].read_bytes(), name
    other = write_funnel(simulate(150, seed=4), tmp_path / "c")
    assert other["events"].read_bytes() != first["events"].read_bytes()


def test_different_seeds_plant_different_profiles() -> None:
    profiles = [tuple(simulate(300, seed=s).profile) for s in range(8)]
    assert len(set(profiles)) == len(profiles)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**31))
def test_profile_share_and_its_effect_on_wins(seed: int) -> None:
    f = simulate(1500, seed=seed)
    assert MIN_SHARE <= f.in_icp.mean() <= MAX_SHARE
    # every planted condition matters (identifiability, docs/simulate.md)
    assert min(condition_effects(f.profile, f.accounts)) >= MIN_EFFECT
    assert f.truth["params"]["icp_share"] == pytest.approx(f.in_icp.mean(), abs=1e-6)
    won = f.deals.won_leads(len(f.leads))
    person, icp = f.leads.is_person, f.leads.in_icp
    inside, outside = won[person & icp].mean(), won[person & ~icp].mean()
    assert inside >= 3 * outside
    assert inside > 0.05
    # the hidden probabilities say the same thing
    assert f.leads.p_win[icp].mean() >= 5 * f.leads.p_win[~icp].mean()


def test_timestamps_sit_in_the_window_and_events_are_sorted_per_lead(
    funnel: SimulatedFunnel,
) -> None:
    t0, t1 = to_epoch(funnel.start), to_epoch(funnel.end)
    e, leads = funnel.events, funnel.leads
    assert ((e.at >= t0) & (e.at < t1)).all()
    assert (np.diff(e.lead) >= 0).all()
    same_lead = np.diff(e.lead) == 0
    assert (np.diff(e.at)[same_lead] >= 0).all()
    # each lead's first event is its creation; people identified themselves with a form
    first = np.flatnonzero(np.r_[True, ~same_lead])
    assert (e.lead[first] == np.arange(len(leads))).all()
    assert (e.at[first] == leads.created_at).all()
    assert (e.type[first][leads.is_person] == 1).all()  # form_submit


def test_deals_follow_their_leads(funnel: SimulatedFunnel) -> None:
    d, leads = funnel.deals, funnel.leads
    assert len(np.unique(d.lead)) == len(d)  # at most one deal per lead
    assert leads.is_person[d.lead].all()
    assert (d.created_at > leads.created_at[d.lead]).all()
    closed = d.stage != STAGES.index("open")
    assert (d.closed_at[closed] >= d.created_at[closed]).all()
    assert (d.closed_at[~closed] == -1).all()
    assert (d.amount > 0).all()
    # bigger companies pay more
    size = funnel.accounts.employees[leads.account[d.lead]]
    assert np.corrcoef(np.log(size), np.log(d.amount))[0, 1] > 0.5


def test_buyers_research_pricing_and_ask_for_demos(funnel: SimulatedFunnel) -> None:
    from leadqual.simulate.vocabulary import FORMS, PAGES

    e = funnel.events
    pricing = np.isin(e.item, [i for i, p in enumerate(PAGES) if p[1] == "pricing"]) & (e.type == 0)
    demo = (e.type == 1) & (e.item == [f[0] for f in FORMS].index("demo_request"))
    n = len(funnel.leads)
    per_lead_pricing = np.bincount(e.lead[pricing], minlength=n)
    per_lead_demo = np.bincount(e.lead[demo], minlength=n)
    buyers = np.zeros(n, dtype=bool)
    buyers[funnel.deals.lead] = True
    others = ~buyers & funnel.leads.is_person
    assert per_lead_pricing[buyers].mean() > 2 * per_lead_pricing[others].mean()
    assert per_lead_demo[buyers].mean() > 4 * per_lead_demo[others].mean()
    meetings = np.bincount(e.lead[e.type == 4], minlength=n)
    assert meetings[buyers].mean() > 10 * max(meetings[others].mean(), 1e-3)


def test_about_a_third_of_accounts_are_only_anonymous_visits(funnel: SimulatedFunnel) -> None:
    with_contacts = np.zeros(len(funnel.accounts), dtype=bool)
    with_contacts[funnel.contacts.account] = True
    assert 0.2 <= 1 - with_contacts.mean() <= 0.4
    account_leads = funnel.leads.account[~funnel.leads.is_person]
    assert not with_contacts[account_leads].any()
    per_person = np.bincount(funnel.events.lead, minlength=len(funnel.leads))
    assert 40 <= per_person[funnel.leads.is_person].mean() <= 150


def test_truth_describes_every_lead(funnel: SimulatedFunnel) -> None:
    truth = funnel.truth
    assert truth["seed"] == 21
    assert truth["profile"] == [c.as_dict() for c in funnel.profile]
    assert list(truth["leads"]) == funnel.leads.key
    won = funnel.deals.won_leads(len(funnel.leads))
    for i, (key, lead) in enumerate(truth["leads"].items()):
        assert 0.0 <= lead["p_win"] <= 1.0
        assert lead["won"] == bool(won[i])
        assert datetime.fromisoformat(lead["created_at"]) >= funnel.start
        if "@" not in key:
            assert lead["won"] is False  # account-only leads have no deal path


def test_window_is_calendar_months_before_end() -> None:
    f = simulate(20, seed=1, months=3, end=datetime(2026, 5, 31))
    assert f.start == datetime(2026, 2, 28) == months_before(datetime(2026, 5, 31), 3)
    assert f.truth["params"]["start"] == "2026-02-28T00:00:00"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"n_accounts": 0, "seed": 1}, "accounts"),
        ({"n_accounts": 10, "seed": -1}, "seed"),
        ({"n_accounts": 10, "seed": 1, "months": 0}, "months"),
    ],
)
def test_bad_arguments_say_what_to_pass(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        simulate(**kwargs)
    assert err.value.field == field
