"""The peer rule learners, run in their own virtualenv (``bench/out/peers-venv``, gitignored):
pysubgroup 0.9 pins numpy < 2, which our venv does not have, and a peer must never become a
dependency of leadqual. ``python -m bench.discover --install-peers`` creates the virtualenv and
pip-installs bench/requirements-peers.txt into it. The data goes over as CSV.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["LEARNERS", "VENV", "PeerResult", "available", "install", "run_peer"]

BENCH = Path(__file__).resolve().parents[1]
VENV = BENCH / "out" / "peers-venv"
REQUIREMENTS = BENCH / "requirements-peers.txt"
WORKER = Path(__file__).resolve().with_name("worker.py")
LEARNERS = {
    "ripper": "wittgenstein RIPPER",
    "ripper1": "wittgenstein RIPPER(max_rules=1, max_rule_conds=3)",
    "beam": "pysubgroup BeamSearch(20) depth 3",
    "apriori": "pysubgroup Apriori depth 3",
}


@dataclass(frozen=True)
class PeerResult:
    name: str
    seconds: float
    predicted: np.ndarray  # held-out rows predicted positive
    rules: int
    max_conditions: int
    text: str


def _python() -> Path:
    return VENV / "bin" / "python"


def available() -> str | None:
    """None when the peers can run, else why not."""
    if not _python().exists():
        return f"no peers' virtualenv at {VENV}: run the bench with --install-peers"
    probe = subprocess.run([str(_python()), "-c", "import wittgenstein, pysubgroup"],
                           capture_output=True, text=True, check=False)
    if probe.returncode:
        return f"the peers' virtualenv lacks a peer ({probe.stderr.strip().splitlines()[-1]}): " \
            "run the bench with --install-peers"
    return None


def install() -> None:
    """Create the peers' virtualenv (if absent) and pip-install the peers into it."""
    if not _python().exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(_python()), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)],
                   check=True)


def run_peer(learner: str, train: Any, y_train: np.ndarray, test: Any) -> PeerResult:
    """Learn with ``learner`` (a key of ``LEARNERS``) on ``train`` (a DataFrame from
    ``bench.peers.frame.to_frame``) labelled ``y_train``; predict ``test``."""
    with tempfile.TemporaryDirectory() as tmp:
        train_csv, test_csv = Path(tmp) / "train.csv", Path(tmp) / "test.csv"
        train.assign(label=np.asarray(y_train, dtype=bool)).to_csv(train_csv, index=False)
        test.to_csv(test_csv, index=False)
        done = subprocess.run([str(_python()), str(WORKER), str(train_csv), str(test_csv),
                               learner], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{LEARNERS[learner]} failed: {done.stderr.strip()[-2000:]}")
    got = json.loads(done.stdout.strip().splitlines()[-1])
    return PeerResult(LEARNERS[learner], float(got["seconds"]),
                      np.asarray(got["predicted"], dtype=bool), int(got["rules"]),
                      int(got["conditions"]), got["text"])
