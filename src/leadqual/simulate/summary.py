"""What a simulation produced, in numbers: for the CLI's summary and ``--json`` output."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from leadqual.simulate.deals import STAGES
from leadqual.simulate.funnel import DEFAULT_END, SimulatedFunnel, simulate
from leadqual.simulate.writer import write_funnel

__all__ = ["FunnelSummary", "simulate_to_directory", "summarize"]


@dataclass(frozen=True)
class FunnelSummary:
    seed: int
    start: datetime
    end: datetime
    accounts: int
    icp_accounts: int
    contacts: int
    leads: int
    person_leads: int
    account_leads: int
    events: int
    deals_won: int
    deals_lost: int
    deals_open: int
    profile: list[dict[str, Any]]
    profile_text: str
    files: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(funnel: SimulatedFunnel, files: dict[str, Path] | None = None) -> FunnelSummary:
    """Count what ``funnel`` holds.

    >>> from leadqual.simulate.funnel import simulate
    >>> s = summarize(simulate(100, seed=2))
    >>> s.accounts, s.leads == s.person_leads + s.account_leads
    (100, True)
    """
    stages = np.bincount(funnel.deals.stage, minlength=len(STAGES))
    person = int(funnel.leads.is_person.sum())
    return FunnelSummary(
        seed=funnel.seed,
        start=funnel.start,
        end=funnel.end,
        accounts=len(funnel.accounts),
        icp_accounts=int(funnel.in_icp.sum()),
        contacts=len(funnel.contacts),
        leads=len(funnel.leads),
        person_leads=person,
        account_leads=len(funnel.leads) - person,
        events=len(funnel.events),
        deals_won=int(stages[STAGES.index("won")]),
        deals_lost=int(stages[STAGES.index("lost")]),
        deals_open=int(stages[STAGES.index("open")]),
        profile=[c.as_dict() for c in funnel.profile],
        profile_text=funnel.describe_profile(),
        files={name: str(path) for name, path in (files or {}).items()},
    )


def simulate_to_directory(
    out_dir: Path,
    n_accounts: int,
    seed: int,
    *,
    months: int = 12,
    end: datetime = DEFAULT_END,
) -> FunnelSummary:
    """Simulate a funnel, write it into ``out_dir`` and say what was written.

    >>> import tempfile
    >>> s = simulate_to_directory(Path(tempfile.mkdtemp()), 50, seed=3)
    >>> sorted(s.files)
    ['accounts', 'contacts', 'deals', 'events', 'truth']
    """
    funnel = simulate(n_accounts, seed, months=months, end=end)
    return summarize(funnel, write_funnel(funnel, out_dir))
