"""Train the scoring model on the store's history: examples as of a cutoff, a time split, LightGBM
with calibrated probabilities and the logistic baseline side by side, stored as a new version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import select

from leadqual.contract import load_contract, starter_contract_text
from leadqual.errors import InvalidInput
from leadqual.features.build import build_features
from leadqual.features.frames import StoreFrames, load_frames
from leadqual.ml.dataset import (
    MODEL_FEATURES,
    Examples,
    FeatureEncoder,
    Target,
    label_examples,
    outcome_times,
    time_split,
)
from leadqual.ml.metrics import held_out_metrics
from leadqual.ml.model import LeadScorer, logistic_baseline
from leadqual.ml.registry import save_model
from leadqual.store.database import Store
from leadqual.store.models import StageChange

__all__ = ["MIN_POSITIVES", "TrainResult", "TrainingExamples", "train", "training_examples"]

MIN_POSITIVES = 20
TEST_FRACTION = 0.25
_TS = pa.timestamp("us")


@dataclass(frozen=True)
class TrainResult:
    """The stored model's version, its held-out metrics and the baseline's; ``held_out`` holds
    (key, label, p_win) of each test lead (not part of the JSON)."""

    version: int
    target: str
    horizon_days: int
    metrics: dict[str, Any]
    baseline: dict[str, Any]
    features: list[str]
    window: dict[str, str]
    held_out: tuple[tuple[str, int, float], ...] = field(default=(), repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "target": self.target,
            "horizon_days": self.horizon_days,
            "metrics": self.metrics,
            "baseline": self.baseline,
            "features": self.features,
            "window": self.window,
        }


def _sql_reached(store: Store) -> pa.Table:
    stmt = select(StageChange.lead_id, StageChange.at).where(
        StageChange.to_stage.in_(("sql", "opportunity", "customer"))
    )
    with store.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return pa.table(
        {
            "lead_id": pa.array([r[0] for r in rows], pa.int64()),
            "at": pa.array([r[1] for r in rows], _TS),
        }
    )


def _iso(t: np.datetime64) -> str:
    return str(np.datetime_as_string(t.astype("datetime64[s]"), unit="s"))


@dataclass(frozen=True)
class TrainingExamples:
    """The store's examples as ``leadqual train`` sees them: ``frames``, ``outcome`` (when each
    lead reached the target, µs since the epoch; int64 max: never), ``examples``, the feature
    ``table`` of every lead as of its cutoff, ``y`` (0/1 per lead) and the rows of the earlier
    (``train``) and later (``test``) examples."""

    frames: StoreFrames
    outcome: np.ndarray
    examples: Examples
    table: pa.Table
    y: np.ndarray
    train: np.ndarray
    test: np.ndarray

    @property
    def keys(self) -> list[str]:
        return list(self.frames.leads.column("key").to_pylist())


def training_examples(
    store: Store,
    *,
    now: datetime,
    target: Target = "won",
    horizon_days: int = 90,
    observe_days: int = 30,
    as_of: datetime | None = None,
) -> TrainingExamples:
    """Examples whose outcome is known by ``now``, with features at their cutoffs, split in time.

    >>> # training_examples(store, now=datetime(2026, 7, 1)).test.size
    """
    if target not in ("won", "sql"):
        raise InvalidInput(f"--target must be `won` or `sql`, not {target!r}", field="target")
    if horizon_days < 1:
        raise InvalidInput("--horizon must be at least 1 day", field="horizon")
    frames = load_frames(store, until=now)
    leads = frames.leads
    sql = _sql_reached(store) if target == "sql" else None
    outcome = outcome_times(leads.column("lead_id").to_numpy(), frames.deals, target, sql)
    ex = label_examples(
        leads.column("created_at"),
        outcome,
        until=now,
        horizon_days=horizon_days,
        as_of=as_of,
        observe_days=observe_days,
    )
    what = "became customers" if target == "won" else "reached SQL"
    if ex.positives < MIN_POSITIVES:
        raise InvalidInput(
            f"only {ex.positives} of {int(ex.keep.sum())} usable leads {what} within "
            f"{horizon_days} days of their cutoff; training needs at least {MIN_POSITIVES} — "
            "import more history, use a longer --horizon"
            + (" or --target sql" if target == "won" else ""),
            field="target",
        )
    # The starter contract's pages say which views are pricing ones (the intent features').
    contract = load_contract(starter_contract_text())
    table = build_features(
        frames, now, contract, cutoffs=pa.array(ex.cutoff, _TS), intent=True
    ).table
    rows = np.flatnonzero(ex.keep)
    created = leads.column("created_at").to_numpy(zero_copy_only=False)[rows].astype("int64")
    tr, te = time_split(created, TEST_FRACTION)
    y = ex.label.astype(int)
    if y[rows[tr]].sum() < 2 or y[rows[te]].sum() < 1:
        raise InvalidInput(
            f"the {ex.positives} leads that {what} fall too unevenly in time to hold some out "
            "for testing; import more history",
            field="target",
        )
    return TrainingExamples(frames, outcome, ex, table, y, rows[tr], rows[te])


def train(
    store: Store,
    *,
    target: Target = "won",
    horizon_days: int = 90,
    as_of: datetime | None = None,
    now: datetime,
    observe_days: int = 30,
    random_state: int = 0,
) -> TrainResult:
    """Train on every lead whose outcome within ``horizon_days`` of its cutoff is known by
    ``now``; test on the latest quarter of them; store the model as the next version.

    >>> # train(store, target="won", horizon_days=90, now=datetime(2026, 7, 1)).as_json()
    """
    if as_of is not None and horizon_days >= 1 and as_of + timedelta(days=horizon_days) > now:
        raise InvalidInput(
            f"--as-of {as_of:%Y-%m-%d} plus the {horizon_days}-day horizon ends after now "
            f"({now:%Y-%m-%d}): outcomes are not known yet; pick an earlier --as-of or a "
            "shorter --horizon",
            field="as_of",
        )
    data = training_examples(
        store,
        now=now,
        target=target,
        horizon_days=horizon_days,
        observe_days=observe_days,
        as_of=as_of,
    )
    ex, table, y, tr, te = data.examples, data.table, data.y, data.train, data.test
    leads = data.frames.leads
    encoder = FeatureEncoder(MODEL_FEATURES).fit(table.take(pa.array(tr)))
    x_tr = encoder.transform(table.take(pa.array(tr)))
    x_te = encoder.transform(table.take(pa.array(te)))
    scorer = LeadScorer(random_state=random_state).fit(x_tr, y[tr])
    baseline = logistic_baseline(random_state).fit(x_tr, y[tr])
    p_te = scorer.predict_proba(x_te)[:, 1]
    metrics = held_out_metrics(y[te], p_te, tr.size)
    base_metrics = held_out_metrics(y[te], baseline.predict_proba(x_te)[:, 1], tr.size)
    window = {
        "from": _iso(ex.cutoff[tr].min()),
        "to": _iso(ex.cutoff[tr].max()),
        "test_from": _iso(ex.cutoff[te].min()),
        "test_to": _iso(ex.cutoff[te].max()),
    }
    features: list[str] = list(dict.fromkeys(encoder.sources_))
    meta = {
        "target": target,
        "horizon_days": horizon_days,
        "observe_days": None if as_of is not None else observe_days,
        "as_of": None if as_of is None else as_of.isoformat(),
        "features": features,
        "columns": encoder.names_,
        "window": window,
        "metrics": metrics,
        "baseline": base_metrics,
        "model": {
            "kind": "lightgbm",
            "calibration": scorer.calibration,
            "params": scorer.get_params(),
        },
    }
    stored = save_model(store, scorer, encoder, meta, now=now)
    keys = leads.column("key").to_pylist()
    return TrainResult(
        version=stored.version,
        target=target,
        horizon_days=horizon_days,
        metrics=metrics,
        baseline=base_metrics,
        features=features,
        window=window,
        held_out=tuple(
            (keys[i], int(y[i]), round(float(p), 6)) for i, p in zip(te, p_te, strict=True)
        ),
    )
