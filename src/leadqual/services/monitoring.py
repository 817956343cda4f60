"""`leadqual model report`: how a stored model holds up — calibration and AUC on the leads whose
outcome is now known, and drift of its features and of p_win between training and now.

- **Calibration**: leads whose outcome is known by now and whose cutoff is after the model's
  training window (so it never saw them), in ten equal-size groups by predicted probability.
- **AUC by month**: every lead whose outcome is known by now, by the month of its cutoff.
- **Drift**: the training population (known leads with a cutoff inside the training window, at
  their cutoffs) against the open leads now (not yet at the target, features as of now).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadqual.contract import load_contract, starter_contract_text
from leadqual.errors import InvalidInput
from leadqual.features.build import build_features
from leadqual.features.schema import FEATURES
from leadqual.ml.dataset import Target
from leadqual.ml.monitoring import (
    CalibrationBin,
    MonthAUC,
    auc_by_month,
    calibration_bins,
    psi_categorical,
    psi_numeric,
    render_html,
    render_png,
)
from leadqual.ml.registry import load_model
from leadqual.services.training import training_examples
from leadqual.store.database import Store

__all__ = ["ModelReport", "model_report", "write_report"]

_KIND = {f.name: f.kind for f in FEATURES}


@dataclass(frozen=True)
class ModelReport:
    """The report of one model version (see the module's docstring)."""

    model_version: int
    target: str
    horizon_days: int
    calibration: list[CalibrationBin]
    auc_by_month: list[MonthAUC]
    drift_p_win: float
    drift_features: dict[str, float]
    training_window: dict[str, str]

    @property
    def title(self) -> str:
        return (
            f"Model v{self.model_version}: P({self.target} within {self.horizon_days} days) — "
            "calibration, AUC over time, drift"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "calibration": [b.as_json() for b in self.calibration],
            "auc_by_month": [m.as_json() for m in self.auc_by_month],
            "drift": {"p_win": self.drift_p_win, "features": self.drift_features},
        }


def _feature_psi(name: str, then: pa.Table, now: pa.Table) -> float:
    kind = _KIND.get(name, "float")
    a, b = then.column(name), now.column(name)
    if kind == "list":

        def labels(col: pa.ChunkedArray) -> list[str | None]:
            flat = pc.list_flatten(col).to_pylist()
            empty = sum(1 for v in col.to_pylist() if not v)
            return [*flat, *([None] * empty)]

        return psi_categorical(labels(a), labels(b))
    if kind in ("str", "bool"):
        return psi_categorical(a.to_pylist(), b.to_pylist())
    as_float = pa.float64()
    return psi_numeric(
        pc.cast(a, as_float).to_numpy(zero_copy_only=False).astype(float),
        pc.cast(b, as_float).to_numpy(zero_copy_only=False).astype(float),
    )


def model_report(store: Store, *, now: datetime, model_version: int | None = None) -> ModelReport:
    """Calibration, AUC by month and drift of the model ``model_version`` (default: the latest)
    as of ``now``.

    >>> # model_report(store, now=datetime(2026, 9, 1)).as_json()["drift"]["p_win"]
    """
    model = load_model(store, model_version)
    meta = model.meta
    target = cast(Target, meta.get("target", "won"))
    horizon = int(meta.get("horizon_days", 90))
    window = dict(meta.get("window", {}))
    if not window:
        raise InvalidInput(
            f"model v{model.version} has no training window recorded; retrain with "
            "`leadqual train`",
            field="model",
        )
    data = training_examples(
        store,
        now=now,
        target=target,
        horizon_days=horizon,
        observe_days=int(meta.get("observe_days") or 30),
    )
    ex = data.examples
    known = np.flatnonzero(ex.keep)
    known_t = data.table.take(pa.array(known))
    p_known = model.scorer.predict_proba(model.encoder.transform(known_t))[:, 1]
    y_known = data.y[known]
    cut = ex.cutoff[known]
    w_from = np.datetime64(window["from"], "us")
    w_to = np.datetime64(window["to"], "us")
    after = cut > w_to
    months = np.datetime_as_string(cut.astype("datetime64[M]"), unit="M")
    calibration = calibration_bins(y_known[after], p_known[after])
    by_month = auc_by_month(y_known, p_known, months)

    # Drift: the training population at its cutoffs against the open leads now.
    trained = (cut >= w_from) & (cut <= w_to)
    then_t = known_t.filter(pa.array(trained))
    now_us = int(np.datetime64(now, "us").astype(np.int64))
    open_rows = np.flatnonzero(data.outcome > now_us)
    table_now = build_features(
        data.frames, now, load_contract(starter_contract_text()), intent=True
    ).table
    now_t = table_now.take(pa.array(open_rows))
    p_now = model.scorer.predict_proba(model.encoder.transform(now_t))[:, 1]
    features = [str(f) for f in meta.get("features", [])]
    drift = {f: round(_feature_psi(f, then_t, now_t), 4) for f in features}
    return ModelReport(
        model_version=model.version,
        target=target,
        horizon_days=horizon,
        calibration=calibration,
        auc_by_month=by_month,
        drift_p_win=round(psi_numeric(p_known[trained], p_now), 4),
        drift_features=drift,
        training_window=window,
    )


def write_report(report: ModelReport, out_dir: Path) -> dict[str, Path]:
    """Write ``model-v<N>-report.png`` and ``.html`` into ``out_dir`` (created if needed).

    >>> # write_report(model_report(store, now=now), Path("reports"))["html"]
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(f"{out_dir} is a file; pass a directory to --out", field="out")
    out_dir.mkdir(parents=True, exist_ok=True)
    drift = {"p_win": report.drift_p_win, **report.drift_features}
    png = render_png(report.calibration, report.auc_by_month, drift, report.title)
    stem = f"model-v{report.model_version}-report"
    paths = {"png": out_dir / f"{stem}.png", "html": out_dir / f"{stem}.html"}
    paths["png"].write_bytes(png)
    paths["html"].write_text(
        render_html(report.calibration, report.auc_by_month, drift, report.title, png),
        encoding="utf-8",
    )
    return paths
