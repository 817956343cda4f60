from __future__ import annotations

import pytest

from leadqual.errors import InvalidInput
from leadqual.handoff.feedback import REASONS, check_reason


def test_the_fixed_list_and_where_each_reason_sends_a_lead() -> None:
    assert list(REASONS) == [
        "too_small",
        "wrong_industry",
        "no_budget",
        "no_need",
        "not_decision_maker",
        "bad_timing",
        "student_or_job_seeker",
        "competitor",
        "existing_customer",
        "duplicate",
        "spam",
    ]
    recycled = {c for c, r in REASONS.items() if r.stage == "recycled"}
    assert recycled == {"no_budget", "no_need", "not_decision_maker", "bad_timing"}
    with pytest.raises(InvalidInput, match="did you mean `competitor`"):
        check_reason("competitr")
