"""Sales' verdict on an MQL: accept (→ ``sal``) or reject with one reason from a fixed list.

Each reason says where the rejected lead goes: back to nurture (``recycled``: it may qualify again
later, e.g. no budget *this quarter*) or out of the funnel (``disqualified``: it never will, e.g. a
competitor). Marketing reads the reasons per contract criterion in the alignment report.
"""

from __future__ import annotations

from dataclasses import dataclass

from leadqual.contract.fields import did_you_mean
from leadqual.errors import InvalidInput

__all__ = ["REASONS", "VERDICTS", "Reason", "check_reason", "reason_stage"]

VERDICTS = ("accepted", "rejected")


@dataclass(frozen=True)
class Reason:
    code: str
    label: str
    stage: str  # recycled | disqualified


_ALL = (
    Reason("too_small", "Too small", "disqualified"),
    Reason("wrong_industry", "Wrong industry", "disqualified"),
    Reason("no_budget", "No budget", "recycled"),
    Reason("no_need", "No need", "recycled"),
    Reason("not_decision_maker", "Not a decision maker", "recycled"),
    Reason("bad_timing", "Bad timing", "recycled"),
    Reason("student_or_job_seeker", "Student or job seeker", "disqualified"),
    Reason("competitor", "Competitor", "disqualified"),
    Reason("existing_customer", "Existing customer", "disqualified"),
    Reason("duplicate", "Duplicate", "disqualified"),
    Reason("spam", "Spam", "disqualified"),
)
REASONS: dict[str, Reason] = {r.code: r for r in _ALL}


def check_reason(code: str) -> Reason:
    """The reason called ``code``, or ``InvalidInput`` listing the valid ones.

    >>> check_reason("no_budget").stage
    'recycled'
    >>> check_reason("no_budgt")
    Traceback (most recent call last):
    ...
    leadqual.errors.InvalidInput: unknown rejection reason `no_budgt` — did you mean \
`no_budget`? (reasons: too_small, wrong_industry, no_budget, no_need, not_decision_maker, \
bad_timing, student_or_job_seeker, competitor, existing_customer, duplicate, spam)
    """
    found = REASONS.get(code)
    if found is None:
        raise InvalidInput(
            f"unknown rejection reason `{code}`{did_you_mean(code, REASONS)} "
            f"(reasons: {', '.join(REASONS)})",
            field="reason",
        )
    return found


def reason_stage(code: str) -> str:
    """The stage a lead rejected for ``code`` moves to.

    >>> reason_stage("competitor")
    'disqualified'
    """
    return check_reason(code).stage
