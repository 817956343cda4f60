"""Monitoring a scoring model: calibration (predicted vs observed), AUC by month, and drift as the
population stability index (PSI); and the report drawn as a PNG and a self-contained HTML page.

**PSI** = Σ (now − then) × ln(now / then) over the shares of a distribution's bins (each share
floored at 0.0001 so an empty bin stays finite). Read it as: below 0.1 stable, 0.1 to 0.25 a
moderate shift worth watching, above 0.25 a large shift — retrain or find out what changed.
Numbers are binned at the training distribution's deciles (unknown values in their own bin); text
by value (values unseen in training together as "other").

Charts are drawn with matplotlib's Agg canvas directly (no pyplot), and the HTML loads nothing.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

__all__ = [
    "CalibrationBin",
    "MonthAUC",
    "auc_by_month",
    "calibration_bins",
    "psi_categorical",
    "psi_level",
    "psi_numeric",
    "psi_shares",
    "render_html",
    "render_png",
]

_FLOOR = 1e-4


def psi_shares(expected: Any, actual: Any) -> float:
    """PSI of two distributions over the same bins (counts or shares; each normalised).

    >>> psi_shares([1, 1], [1, 1])
    0.0
    >>> round(psi_shares([0.5, 0.5], [0.9, 0.1]), 3)
    0.879
    """
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if e.shape != a.shape or e.ndim != 1:
        raise ValueError("expected and actual must be 1-D over the same bins")
    if e.sum() <= 0 or a.sum() <= 0:
        return 0.0
    e = np.maximum(e / e.sum(), _FLOOR)
    a = np.maximum(a / a.sum(), _FLOOR)
    return float(max(((a - e) * np.log(a / e)).sum(), 0.0))


def psi_numeric(expected: Any, actual: Any, bins: int = 10) -> float:
    """PSI of numbers, binned at ``expected``'s quantiles; NaN (unknown) is a bin of its own.

    >>> x = np.arange(100.0)
    >>> psi_numeric(x, x)
    0.0
    """
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    known = e[~np.isnan(e)]
    edges = (
        np.unique(np.quantile(known, np.linspace(0, 1, bins + 1)[1:-1]))
        if known.size
        else np.array([])
    )

    def counts(x: np.ndarray) -> np.ndarray:
        k = x[~np.isnan(x)]
        which = np.searchsorted(edges, k, side="right")
        return np.append(np.bincount(which, minlength=edges.size + 1), np.isnan(x).sum())

    return psi_shares(counts(e), counts(a))


def psi_categorical(expected: Any, actual: Any) -> float:
    """PSI of labels (None is a label); labels not in ``expected`` count as one "other".

    >>> psi_categorical(["a", "b", None], ["a", "b", None])
    0.0
    """
    e = [None if v is None else str(v) for v in expected]
    a = [None if v is None else str(v) for v in actual]
    cats = list(dict.fromkeys(e))
    index = {c: i for i, c in enumerate(cats)}
    ce = np.bincount([index[v] for v in e], minlength=len(cats) + 1)
    ca = np.bincount([index.get(v, len(cats)) for v in a], minlength=len(cats) + 1)
    return psi_shares(ce, ca)


def psi_level(psi: float) -> str:
    """``stable`` (< 0.1), ``moderate`` (0.1–0.25) or ``large`` (≥ 0.25).

    >>> psi_level(0.05), psi_level(0.2), psi_level(0.3)
    ('stable', 'moderate', 'large')
    """
    return "stable" if psi < 0.1 else "moderate" if psi < 0.25 else "large"


@dataclass(frozen=True)
class CalibrationBin:
    """Leads ``n`` of one bin: mean ``predicted`` probability and ``observed`` rate."""

    bin: int
    predicted: float
    observed: float
    n: int

    def as_json(self) -> dict[str, Any]:
        return {
            "bin": self.bin,
            "predicted": self.predicted,
            "observed": self.observed,
            "n": self.n,
        }


def calibration_bins(y: Any, p: Any, bins: int = 10) -> list[CalibrationBin]:
    """Leads sorted by predicted probability, cut into ``bins`` groups of (nearly) equal size;
    per group the mean prediction and the observed rate. The ``n`` add up to the leads.

    >>> [b.n for b in calibration_bins([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8], bins=2)]
    [2, 2]
    """
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    out: list[CalibrationBin] = []
    for k, part in enumerate(np.array_split(order, min(bins, max(order.size, 1)))):
        if part.size:
            out.append(
                CalibrationBin(
                    bin=k + 1,
                    predicted=round(float(p[part].mean()), 4),
                    observed=round(float(y[part].mean()), 4),
                    n=int(part.size),
                )
            )
    return out


@dataclass(frozen=True)
class MonthAUC:
    """ROC AUC of the leads whose cutoff falls in ``month`` (``YYYY-MM``); None: one class."""

    month: str
    auc: float | None
    n: int

    def as_json(self) -> dict[str, Any]:
        return {"month": self.month, "auc": self.auc, "n": self.n}


def auc_by_month(y: Any, p: Any, months: Any) -> list[MonthAUC]:
    """AUC per month (``months``: a ``YYYY-MM`` label per lead), in month order.

    >>> [m.auc for m in auc_by_month([0, 1, 1], [0.1, 0.9, 0.5], ["2026-01", "2026-01", "2026-02"])]
    [1.0, None]
    """
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    m = np.asarray(months, dtype=object)
    out: list[MonthAUC] = []
    for month in sorted(set(m.tolist())):
        sel = m == month
        ys = y[sel]
        auc = round(float(roc_auc_score(ys, p[sel])), 4) if 0 < ys.sum() < ys.size else None
        out.append(MonthAUC(str(month), auc, int(sel.sum())))
    return out


def render_png(
    calibration: list[CalibrationBin],
    months: list[MonthAUC],
    drift: dict[str, float],
    title: str,
) -> bytes:
    """Three panels: calibration (observed vs predicted, with the diagonal), AUC by month, and
    PSI per feature (dashed lines at 0.1 and 0.25)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(14, 4.8), dpi=100)
    FigureCanvasAgg(fig)
    cal, auc, psi = (fig.add_subplot(1, 3, k) for k in (1, 2, 3))
    top = max([b.predicted for b in calibration] + [b.observed for b in calibration] + [0.05])
    cal.plot([0, top], [0, top], color="#999999", linestyle="--", linewidth=1, label="perfect")
    cal.plot(
        [b.predicted for b in calibration],
        [b.observed for b in calibration],
        color="#2f6db5",
        marker="o",
        label="model",
    )
    cal.set_xlabel("mean predicted p_win")
    cal.set_ylabel("observed rate")
    cal.set_title("Calibration (leads not trained on)", fontsize=10)
    cal.legend(fontsize=8)
    known = [(m.month, m.auc) for m in months if m.auc is not None]
    auc.plot([k[0] for k in known], [k[1] for k in known], color="#27864a", marker="o")
    auc.set_ylim(0.5, 1.0)
    auc.set_ylabel("ROC AUC")
    auc.set_title("AUC by month of cutoff", fontsize=10)
    auc.tick_params(axis="x", labelrotation=60, labelsize=7)
    names = list(drift)
    values = [drift[n] for n in names]
    colours = ["#27864a" if v < 0.1 else "#e0a100" if v < 0.25 else "#c0392b" for v in values]
    psi.barh(names, values, color=colours)
    psi.axvline(0.1, color="#e0a100", linestyle="--", linewidth=1)
    psi.axvline(0.25, color="#c0392b", linestyle="--", linewidth=1)
    psi.set_xlabel("PSI (training → now)")
    psi.set_title("Drift", fontsize=10)
    psi.tick_params(axis="y", labelsize=7)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def render_html(
    calibration: list[CalibrationBin],
    months: list[MonthAUC],
    drift: dict[str, float],
    title: str,
    png: bytes,
) -> str:
    """A self-contained page: the PNG inline and the three tables (ids ``calibration``,
    ``auc-by-month``, ``drift``)."""
    t = html.escape(title)
    cal_rows = "\n".join(
        f"<tr><td>{b.bin}</td><td>{b.predicted:.4f}</td><td>{b.observed:.4f}</td>"
        f"<td>{b.n}</td></tr>"
        for b in calibration
    )
    month_rows = "\n".join(
        f"<tr><td>{m.month}</td><td>{'' if m.auc is None else f'{m.auc:.4f}'}</td>"
        f"<td>{m.n}</td></tr>"
        for m in months
    )
    drift_rows = "\n".join(
        f"<tr><td>{html.escape(n)}</td><td>{v:.4f}</td><td>{psi_level(v)}</td></tr>"
        for n, v in drift.items()
    )
    data = base64.b64encode(png).decode("ascii")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{t}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
td, th {{ padding: 4px 10px; text-align: right; }} th {{ border-bottom: 1px solid #999; }}
</style></head><body>
<h1>{t}</h1>
<img alt="calibration, AUC by month and drift" src="data:image/png;base64,{data}">
<h2>Calibration</h2>
<p>Leads whose outcome is now known and that the model was not trained on, sorted by predicted
probability into groups of equal size: a calibrated model's observed rate matches its prediction.
</p>
<table id="calibration"><thead><tr><th>bin</th><th>predicted</th><th>observed</th><th>n</th>
</tr></thead><tbody>
{cal_rows}
</tbody></table>
<h2>AUC by month of cutoff</h2>
<p>Every lead whose outcome is now known, by the month of its cutoff (months inside the training
window were seen in training).</p>
<table id="auc-by-month"><thead><tr><th>month</th><th>auc</th><th>n</th></tr></thead><tbody>
{month_rows}
</tbody></table>
<h2>Drift (population stability index, training → now)</h2>
<p>Below 0.1: stable. 0.1 to 0.25: a moderate shift, worth watching. Above 0.25: a large shift —
find out what changed and retrain.</p>
<table id="drift"><thead><tr><th>feature</th><th>psi</th><th>reading</th></tr></thead><tbody>
{drift_rows}
</tbody></table>
</body></html>
"""
