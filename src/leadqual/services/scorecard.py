"""Learn a points scorecard from the store's history and measure what its readability costs: its
AUC beside the model's (LightGBM, fitted exactly as `leadqual train` does) on the same later leads.

Examples, labels and the time split are ``leadqual.ml.dataset``'s — the same as training's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
from sklearn.metrics import roc_auc_score

from leadqual.errors import InvalidInput
from leadqual.ml.dataset import (
    MODEL_FEATURES,
    FeatureEncoder,
    Target,
)
from leadqual.ml.model import LeadScorer
from leadqual.ml.scorecard import Criterion, Scorecard
from leadqual.services.training import training_examples
from leadqual.store.database import Store

__all__ = ["ScorecardResult", "scorecard"]

_TS = pa.timestamp("us")


@dataclass(frozen=True)
class ScorecardResult:
    """The learned ``card``, its ``criteria`` (non-zero points), the contract ``fit_yaml``, and
    held-out AUCs of the scorecard and the model on the same ``n_test`` later leads."""

    card: Scorecard
    criteria: list[Criterion]
    fit_yaml: str
    target: str
    horizon_days: int
    scorecard_auc: float | None
    model_auc: float | None
    n_train: int
    n_test: int
    test_keys: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "horizon_days": self.horizon_days,
            "points_to_double": self.card.points_to_double,
            "scorecard_auc": self.scorecard_auc,
            "model_auc": self.model_auc,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "criteria": [c.as_json() for c in self.criteria],
            "fit_yaml": self.fit_yaml,
        }


def _auc(y: np.ndarray, s: np.ndarray) -> float | None:
    return round(float(roc_auc_score(y, s)), 4) if 0 < y.sum() < y.size else None


def scorecard(
    store: Store,
    *,
    now: datetime,
    target: Target = "won",
    horizon_days: int = 90,
    observe_days: int = 30,
    penalty: str = "l2",
    points_to_double: float = 20.0,
    random_state: int = 0,
) -> ScorecardResult:
    """Learn integer points on the earlier leads; AUC of the points and of the model (LightGBM,
    as `leadqual train` fits it) on the later ones.

    >>> # print(scorecard(store, now=datetime(2026, 7, 1)).fit_yaml)
    """
    if penalty not in ("l1", "l2"):
        raise InvalidInput(f"--penalty must be `l1` or `l2`, not {penalty!r}", field="penalty")
    if points_to_double <= 0:
        raise InvalidInput("--points-to-double must be above 0", field="points_to_double")
    data = training_examples(
        store, now=now, target=target, horizon_days=horizon_days, observe_days=observe_days
    )
    train_t = data.table.take(pa.array(data.train))
    test_t = data.table.take(pa.array(data.test))
    y_tr, y_te = data.y[data.train], data.y[data.test]
    card = Scorecard(
        MODEL_FEATURES,
        penalty="l1" if penalty == "l1" else "l2",
        points_to_double=points_to_double,
    ).fit(train_t, y_tr)
    encoder = FeatureEncoder(MODEL_FEATURES).fit(train_t)
    model = LeadScorer(random_state=random_state).fit(encoder.transform(train_t), y_tr)
    p_model = model.predict_proba(encoder.transform(test_t))[:, 1]
    keys = data.keys
    return ScorecardResult(
        card=card,
        criteria=card.criteria(),
        fit_yaml=card.to_contract_fit(),
        target=target,
        horizon_days=horizon_days,
        scorecard_auc=_auc(y_te, card.score(test_t).astype(float)),
        model_auc=_auc(y_te, p_model),
        n_train=int(data.train.size),
        n_test=int(data.test.size),
        test_keys=tuple(keys[i] for i in data.test),
    )
