"""The synthetic B2B funnel with a planted ideal-customer profile.

``simulate(n_accounts, seed)`` draws accounts, contacts, events and deals whose outcomes depend
on a hidden profile; ``write_funnel`` writes them in the canonical import format with a
``truth.json`` that says what discovery and scoring should find. See docs/simulate.md.

>>> funnel = simulate(100, seed=1)
>>> len(funnel.accounts)
100
"""

from __future__ import annotations

from leadqual.simulate.funnel import DEFAULT_END, SimulatedFunnel, simulate
from leadqual.simulate.profile import Condition, describe, matches
from leadqual.simulate.summary import FunnelSummary, simulate_to_directory, summarize
from leadqual.simulate.writer import write_funnel

__all__ = [
    "DEFAULT_END",
    "Condition",
    "FunnelSummary",
    "SimulatedFunnel",
    "describe",
    "matches",
    "simulate",
    "simulate_to_directory",
    "summarize",
    "write_funnel",
]
