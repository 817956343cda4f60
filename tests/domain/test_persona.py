from __future__ import annotations

import pytest

from leadqual.domain.persona import department_of, seniority_of


@pytest.mark.parametrize(
    ("title", "seniority", "department"),
    [
        ("CEO", "c_level", "other"),
        ("Chief Marketing Officer", "c_level", "marketing"),
        ("VP Sales", "vp", "sales"),
        ("Head of Growth", "director", "marketing"),
        ("IT Director", "director", "it"),
        ("Marketing Manager", "manager", "marketing"),
        ("Software Engineer", "individual", "engineering"),
        ("HR Coordinator", "individual", "hr"),
        ("Student Intern", "individual", "other"),
        ("", None, None),
        (None, None, None),
    ],
)
def test_titles(title: str | None, seniority: str | None, department: str | None) -> None:
    assert seniority_of(title) == seniority
    assert department_of(title) == department


def test_every_answer_is_a_documented_value() -> None:
    from leadqual.domain import persona
    from leadqual.features.schema import PERSONA_DEPARTMENTS, SENIORITIES

    assert {name for name, _ in persona._SENIORITY} == set(SENIORITIES)
    assert {name for name, _ in persona._DEPARTMENT} | {"other"} == set(PERSONA_DEPARTMENTS)
