"""Score every lead with a stored model: the probability of reaching the model's target within its
horizon, and the top reasons, stored per lead; and read the latest scores back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Table, delete, func, insert, select

from leadqual.contract import load_contract, starter_contract_text
from leadqual.errors import InvalidInput
from leadqual.features.build import build_features
from leadqual.features.frames import load_frames
from leadqual.ml.explain import field_contributions, top_reasons
from leadqual.ml.registry import StoredModel, load_model
from leadqual.store.database import Store
from leadqual.store.models import Lead, LeadScore

__all__ = ["ScoreResult", "ScoreView", "list_scores", "score", "score_rows"]

_SCORES: Table = LeadScore.__table__  # type: ignore[assignment]
REASONS = 3


@dataclass(frozen=True)
class ScoreResult:
    model_version: int
    target: str
    horizon_days: int
    scored: int
    scored_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "model_version": self.model_version,
            "target": self.target,
            "horizon_days": self.horizon_days,
            "scored": self.scored,
            "scored_at": self.scored_at.isoformat(),
        }


@dataclass(frozen=True)
class ScoreView:
    """A lead's latest score: its key (as in `leadqual leads`), p_win and reasons (each a dict
    with ``feature``, ``value``, ``contribution`` on the log-odds scale, and ``text``)."""

    key: str
    p_win: float
    reasons: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "p_win": self.p_win, "reasons": self.reasons}


def score(
    store: Store, *, model_version: int | None = None, now: datetime, chunk: int = 100_000
) -> ScoreResult:
    """Score every lead as of ``now`` with the model of ``model_version`` (default: the latest)
    and store p_win and the top reasons. Encoding, prediction, explanation and writing run
    ``chunk`` leads at a time, so their memory does not grow with the number of leads.

    >>> # score(store, now=datetime(2026, 7, 1)).scored
    """
    if chunk < 1:
        raise InvalidInput("chunk must be at least 1", field="chunk")
    model = load_model(store, model_version)
    frames = load_frames(store, until=now)
    # The starter contract's pages say which views are pricing ones (the intent features').
    table = build_features(frames, now, load_contract(starter_contract_text()), intent=True).table
    with store.session() as s:
        conn = s.connection()
        # Re-scoring with the same model replaces its rows; other versions stay as history.
        conn.execute(delete(_SCORES).where(_SCORES.c.model_version == model.version))
        for lo in range(0, table.num_rows, chunk):
            rows = score_rows(model, table.slice(lo, chunk), now)
            if rows:
                conn.execute(insert(_SCORES), rows)
    return ScoreResult(
        model_version=model.version,
        target=str(model.meta.get("target")),
        horizon_days=int(model.meta.get("horizon_days", 0)),
        scored=table.num_rows,
        scored_at=now,
    )


def score_rows(model: StoredModel, part: pa.Table, now: datetime) -> list[dict[str, Any]]:
    """The ``lead_scores`` rows of the feature rows ``part``: encode, one pass over the trees for
    p_win and the contributions, the top reasons in words."""
    x = model.encoder.transform(part)
    p, shap = model.scorer.explain(x)
    fields, contrib, _ = field_contributions(shap, model.encoder.sources_)
    reasons = top_reasons(part, fields, contrib, REASONS)
    return [
        {
            "lead_id": lead_id,
            "model_version": model.version,
            "p_win": round(float(pw), 6),
            "reasons": [r.as_json() for r in rs],
            "scored_at": now,
        }
        for lead_id, pw, rs in zip(part.column("lead_id").to_pylist(), p, reasons, strict=True)
    ]


def list_scores(store: Store, top: int | None = None) -> list[ScoreView]:
    """Each scored lead's latest score, highest p_win first (then key); the first ``top``.

    >>> # [v.as_json() for v in list_scores(store, top=10)]
    """
    if top is not None and top < 1:
        raise InvalidInput("--top must be at least 1", field="top")
    latest = (
        select(func.max(LeadScore.id).label("id")).group_by(LeadScore.lead_id).subquery("latest")
    )
    stmt = (
        select(Lead.key, LeadScore.p_win, LeadScore.reasons)
        .join(LeadScore, LeadScore.lead_id == Lead.id)
        .join(latest, latest.c.id == LeadScore.id)
        .order_by(LeadScore.p_win.desc(), Lead.key)
    )
    if top is not None:
        stmt = stmt.limit(top)
    with store.session() as s:
        rows = s.execute(stmt).all()
    return [ScoreView(key=r[0], p_win=r[1], reasons=list(r[2] or [])) for r in rows]
