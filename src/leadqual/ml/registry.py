"""Versioned models in the store: the fitted model and its encoder, serialised with joblib, and a
JSON metadata document (version, feature list, training window, horizon, target, metrics and the
library versions it was trained with). Works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import platform
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import joblib
import lightgbm
import numpy as np
import sklearn
from sqlalchemy import func, select

from leadqual.errors import NotFound
from leadqual.ml.dataset import FeatureEncoder
from leadqual.ml.model import LeadScorer
from leadqual.store.database import Store
from leadqual.store.models import Model

__all__ = ["StoredModel", "library_versions", "load_model", "save_model"]


@dataclass(frozen=True)
class StoredModel:
    """A model as stored: ``version``, ``created_at``, ``meta`` and the fitted objects."""

    version: int
    created_at: datetime
    meta: dict[str, Any]
    scorer: LeadScorer
    encoder: FeatureEncoder


def library_versions() -> dict[str, str]:
    """The versions a model's behaviour depends on.

    >>> sorted(library_versions())
    ['lightgbm', 'numpy', 'python', 'sklearn']
    """
    return {
        "sklearn": sklearn.__version__,
        "lightgbm": lightgbm.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def save_model(
    store: Store,
    scorer: LeadScorer,
    encoder: FeatureEncoder,
    meta: dict[str, Any],
    *,
    now: datetime,
) -> StoredModel:
    """Store a fitted model as the next version (1, 2, …); ``meta`` gains ``version``,
    ``created_at`` and ``libraries``.

    >>> # save_model(store, scorer, encoder, {"target": "won"}, now=datetime(2026, 7, 1))
    """
    buf = io.BytesIO()
    joblib.dump({"scorer": scorer, "encoder": encoder}, buf)
    with store.session() as s:
        version = (s.scalar(select(func.max(Model.version))) or 0) + 1
        full = {
            **meta,
            "version": version,
            "created_at": now.isoformat(),
            "libraries": library_versions(),
        }
        s.add(Model(version=version, created_at=now, meta=full, blob=buf.getvalue()))
    return StoredModel(version, now, full, scorer, encoder)


def load_model(store: Store, version: int | None = None) -> StoredModel:
    """The model of ``version`` (default: the latest). Warns when it was trained with other
    library versions than the ones installed; ``NotFound`` when there is none."""
    stmt = select(Model)
    stmt = (
        stmt.order_by(Model.version.desc()).limit(1)
        if version is None
        else stmt.where(Model.version == version)
    )
    with store.session() as s:
        row = s.scalars(stmt).first()
        if row is None:
            if version is None:
                raise NotFound("no model yet: run `leadqual train` first")
            known = s.scalars(select(Model.version).order_by(Model.version)).all()
            raise NotFound(
                f"no model version {version}; stored versions: "
                f"{', '.join(map(str, known)) or 'none (run `leadqual train` first)'}",
                field="model",
            )
        v, created, meta, blob = row.version, row.created_at, dict(row.meta), row.blob
    trained = meta.get("libraries", {})
    here = library_versions()
    differ = {
        k: (trained.get(k), here[k])
        for k in ("sklearn", "lightgbm", "numpy")
        if trained.get(k) != here[k]
    }
    if differ:
        said = ", ".join(f"{k} {a} (installed: {b})" for k, (a, b) in differ.items())
        warnings.warn(
            f"model version {v} was trained with {said}; its scores may differ — "
            "retrain with `leadqual train`",
            UserWarning,
            stacklevel=2,
        )
    objects = joblib.load(io.BytesIO(bytes(blob)))
    return StoredModel(v, created, meta, objects["scorer"], objects["encoder"])
