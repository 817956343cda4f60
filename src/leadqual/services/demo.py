"""The main job on the embedded default: simulate → import → apply the starter contract →
qualify month by month, each month's new MQLs assigned by the contract's routing and worked by
simulated sales (accept or reject with a reason, BANT) → funnel and the top leads with their
reasons → the alignment report (how sales received the MQLs) → discover fit criteria from the won
deals → backtest the starter contract against the discovered one → train the scoring model, score
every lead, show the top scores with their reasons and the learned points' AUC beside it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from leadqual.backtest.compare import Comparison
from leadqual.contract import load_contract, starter_contract_text
from leadqual.contract.compose import with_fit
from leadqual.discover.report import DiscoveryReport
from leadqual.domain.calendar import month_ends
from leadqual.errors import Conflict, InvalidInput
from leadqual.features.frames import load_frames
from leadqual.handoff.alignment import AlignmentReport
from leadqual.services.alignment import alignment
from leadqual.services.auth import create_role_key
from leadqual.services.backtest import compare
from leadqual.services.contracts import ContractVersionInfo, apply_contract
from leadqual.services.discovery import discover
from leadqual.services.feedback_sim import FeedbackSimResult, simulate_feedback
from leadqual.services.imports import ImportResult, import_file
from leadqual.services.leads import Funnel, LeadView, funnel, list_leads
from leadqual.services.qualify import QualifyResult, qualify
from leadqual.services.scorecard import ScorecardResult, scorecard
from leadqual.services.scoring import ScoreView, list_scores, score
from leadqual.services.training import TrainResult, train
from leadqual.simulate import simulate, write_funnel
from leadqual.store.database import Store
from leadqual.store.models import Lead

__all__ = ["DEMO_END", "DEMO_ROLES", "DemoReport", "demo_logins", "run_demo"]

DEMO_END = datetime(2026, 11, 30)
IMPORT_ORDER = ("accounts", "contacts", "events", "deals")
DEMO_ROLES = ("admin", "marketing", "sales", "viewer")


@dataclass
class DemoReport:
    data_dir: Path
    profile: list[dict[str, object]]
    imports: dict[str, ImportResult] = field(default_factory=dict)
    contract: ContractVersionInfo | None = None
    qualify_runs: list[QualifyResult] = field(default_factory=list)
    feedback: FeedbackSimResult = field(default_factory=FeedbackSimResult)
    alignment: AlignmentReport | None = None
    funnel: Funnel | None = None
    top: list[LeadView] = field(default_factory=list)
    discovery: DiscoveryReport | None = None
    discovery_note: str | None = None
    discovered_contract: str | None = None
    comparison: Comparison | None = None
    training: TrainResult | None = None
    training_note: str | None = None
    top_scores: list[ScoreView] = field(default_factory=list)
    scorecard: ScorecardResult | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "data_dir": str(self.data_dir),
            "profile": self.profile,
            "imports": {kind: res.as_dict() for kind, res in self.imports.items()},
            "contract_version": self.contract.version if self.contract else None,
            "qualify_runs": [run.as_json() for run in self.qualify_runs],
            "feedback": self.feedback.as_dict(),
            "alignment": self.alignment.as_dict() if self.alignment else None,
            "funnel": self.funnel.as_json() if self.funnel else None,
            "top": [lead.as_json() for lead in self.top],
            "discovery": self.discovery.as_json() if self.discovery else None,
            "discovery_note": self.discovery_note,
            "discovered_contract": self.discovered_contract,
            "backtest": self.comparison.as_json() if self.comparison else None,
            "training": self.training.as_json() if self.training else None,
            "training_note": self.training_note,
            "top_scores": [v.as_json() for v in self.top_scores],
            "scorecard": (
                {
                    "scorecard_auc": self.scorecard.scorecard_auc,
                    "model_auc": self.scorecard.model_auc,
                    "criteria": len(self.scorecard.criteria),
                }
                if self.scorecard
                else None
            ),
            "seconds": self.seconds,
        }


def run_demo(
    store: Store,
    data_dir: Path,
    *,
    accounts: int = 1500,
    seed: int = 7,
    months: int = 12,
    now: datetime,
    step: Callable[[str], None] = lambda _msg: None,
) -> DemoReport:
    """Run the whole demo into ``store`` (which must hold no leads) and report what happened."""
    with store.session() as s:
        if s.scalar(select(func.count(Lead.id))):
            raise Conflict(
                "the demo needs an empty store, and this one already has leads; "
                "point --db at a fresh database (or leave --db out to use DIR/leadqual.db)"
            )
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        t = time.perf_counter()
        report.seconds[name] = round(t - clock, 2)
        clock = t

    step(f"Simulating {accounts} accounts (seed {seed}, {months} months)…")
    sim = simulate(accounts, seed, months=months, end=DEMO_END)
    paths = write_funnel(sim, data_dir)
    report = DemoReport(data_dir=data_dir, profile=list(sim.truth["profile"]))
    lap("simulate")
    for kind in IMPORT_ORDER:
        step(f"Importing {kind}…")
        report.imports[kind] = import_file(store, kind, paths[kind], now=now)
    lap("import")
    step("Applying the starter contract…")
    starter = starter_contract_text()
    report.contract = apply_contract(
        store, starter, source="starter.yaml", author="leadqual demo", now=now
    )
    step(
        f"Qualifying at the end of each of the {months} months; sales (simulated) works each "
        "month's new MQLs…"
    )
    frames = load_frames(store, until=DEMO_END + timedelta(days=1))
    for i, as_of in enumerate(month_ends(DEMO_END, months)):
        report.qualify_runs.append(qualify(store, as_of=as_of, now=now, frames=frames))
        # Sales answers before the next run, as a team working its queue would.
        sales = simulate_feedback(store, as_of=as_of, now=now, seed=seed + i, events=frames.events)
        report.feedback.add(sales)
    lap("qualify+feedback")
    report.funnel = funnel(store)
    report.top = list_leads(store, top=10)
    report.alignment = alignment(store, now=now)
    lap("report")
    step("Discovering fit criteria from the won deals…")
    try:
        report.discovery = discover(store, now=now)
    except InvalidInput as exc:  # too few customers to claim a rule: say so, go on
        report.discovery_note = exc.message
    lap("discover")
    if report.discovery is not None and report.discovery.rules:
        step("Backtesting the starter contract against the discovered one…")
        report.discovered_contract = with_fit(
            starter,
            report.discovery.snippet,
            name="Discovered contract",
            description="The starter contract with the fit criteria `leadqual discover` proposed.",
        )
        report.comparison = compare(
            store, load_contract(starter), load_contract(report.discovered_contract), now=now
        )
        lap("backtest")
    step("Training the scoring model on the history, scoring every lead…")
    try:
        report.training = train(store, now=now)
    except InvalidInput as exc:  # too few customers to learn from: say so, go on
        report.training_note = exc.message
    if report.training is not None:
        score(store, now=now)
        report.top_scores = list_scores(store, top=5)
        report.scorecard = scorecard(store, now=now)
    lap("train+score")
    return report


def demo_logins(store: Store, *, now: datetime) -> dict[str, str]:
    """One new API key per role for the demo's dashboard (`leadqual demo --serve`), for the users
    ``demo-admin``, ``demo-marketing``, ``demo-sales`` and ``demo-viewer``; role → key. Each key
    is shown once: only its hash is stored.

    >>> # demo_logins(store, now=now)["sales"]  →  'lq_…'
    """
    return {
        role: create_role_key(store, role=role, name=f"demo-{role}", now=now).key
        for role in DEMO_ROLES
    }
