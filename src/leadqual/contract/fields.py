"""Which fields a condition may use, where, and the values some of them can take.

Three scopes, one per place a condition appears in a contract:

- ``fit`` — fit criteria: every feature except the identity columns and the computed scores
  (a fit criterion cannot depend on the fit score it contributes to);
- ``rule`` — stage rules (MQL, SQL, disqualify): every feature, scores included;
- ``event`` — an intent signal's ``where``: the columns of one event.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from leadqual.domain.lifecycle import STAGES
from leadqual.features.schema import (
    EVENT_FIELDS,
    EVENT_TYPES,
    FEATURES,
    FORM_KINDS,
    PAGE_TYPES,
    PERSONA_DEPARTMENTS,
    SENIORITIES,
)

__all__ = [
    "KNOWN_VALUES",
    "SCOPES",
    "FieldScope",
    "ScopeName",
    "closest",
    "did_you_mean",
]

ScopeName = Literal["fit", "rule", "event"]

# Values a string field can take, where the feature table defines them. Comparing such a field
# with anything else can never match, so the contract refuses it (it is always a typo).
KNOWN_VALUES: dict[str, tuple[str, ...]] = {
    "lead_kind": ("person", "account"),
    "seniority": SENIORITIES,
    "department": PERSONA_DEPARTMENTS,
    "stage": STAGES,
    "type": EVENT_TYPES,
    "page_type": PAGE_TYPES,
    "form_kind": FORM_KINDS,
}


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``name``, if any is close enough to be a likely typo.

    >>> closest("anual_revenue", ["annual_revenue", "employees"])
    'annual_revenue'
    """
    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` — did you mean `x`?`` when a close candidate exists, else an empty string."""
    best = closest(name, candidates)
    return f" — did you mean `{best}`?" if best else ""


@dataclass(frozen=True)
class FieldScope:
    """The fields a condition may use (name → kind) and why the others are refused."""

    name: ScopeName
    fields: Mapping[str, str]
    refused: Mapping[str, str]  # field name → reason it is not allowed here
    values: Mapping[str, tuple[str, ...]]

    def unknown_field_message(self, name: str) -> str:
        """The error for a field that is not usable in this scope, with the closest valid name."""
        if name in self.refused:
            return self.refused[name]
        return f"unknown field `{name}`{did_you_mean(name, self.fields)}"


def _scopes() -> dict[ScopeName, FieldScope]:
    all_features = {f.name: f.kind for f in FEATURES}
    feature_values = {k: v for k, v in KNOWN_VALUES.items() if k in all_features}
    fit_refused = {
        f.name: (
            f"`{f.name}` is a computed score and cannot be used in a fit criterion "
            "(use it in the stage rules)"
            if f.scope == "score"
            else f"`{f.name}` identifies the lead and cannot be used in a fit criterion"
        )
        for f in FEATURES
        if f.scope in ("score", "identity")
    }
    # Event columns are not lead features; the behaviour features count such events instead.
    event_only = {
        name: (
            f"`{name}` is an event field; use it in an intent signal's `where` (lead features "
            "such as `pricing_views_30d` count those events)"
        )
        for name in EVENT_FIELDS
        if name not in all_features
    }
    event_refused = {
        name: (
            f"`{name}` is a lead feature; a signal's `where` may only use the event's fields: "
            + ", ".join(EVENT_FIELDS)
        )
        for name in all_features
        if name not in EVENT_FIELDS
    }
    return {
        "fit": FieldScope(
            "fit",
            {k: v for k, v in all_features.items() if k not in fit_refused},
            {**event_only, **fit_refused},
            feature_values,
        ),
        "rule": FieldScope("rule", all_features, event_only, feature_values),
        "event": FieldScope(
            "event",
            dict(EVENT_FIELDS),
            event_refused,
            {k: v for k, v in KNOWN_VALUES.items() if k in EVENT_FIELDS},
        ),
    }


SCOPES: dict[ScopeName, FieldScope] = _scopes()
