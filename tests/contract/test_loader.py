"""Loading contracts: the starter contract, defaults, and every problem located by line."""

from __future__ import annotations

import doctest
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import leadqual.contract.loader as loader_module
import leadqual.contract.model as model_module
from leadqual.contract import (
    Contract,
    load_contract,
    load_contract_file,
    parse_expression,
    starter_contract_text,
)
from leadqual.contract.model import DEFAULT_MQL, DEFAULT_SQL, Recycle
from leadqual.errors import ContractError, NotFound

MINIMAL = """\
name: Minimal
fit:
  - name: right_size
    when: employees >= 50
    points: 40
intent:
  signals:
    - name: demo_request
      event: form_submit
      where: form_kind = 'demo_request'
      points: 40
      cap: 40
"""


def problems_of(text: str, source: str = "c.yaml") -> list[str]:
    with pytest.raises(ContractError) as info:
        load_contract(text, source)
    assert info.value.source == source
    return info.value.problems


def test_doctests() -> None:
    assert doctest.testmod(loader_module).failed == 0
    assert doctest.testmod(model_module).failed == 0


def test_starter_contract_is_valid_and_documented() -> None:
    text = starter_contract_text()
    c = load_contract(text, "starter.yaml")
    assert c.name == "Starter contract"
    assert c.max_fit == 100
    assert {"right_size", "enough_revenue", "runs_ecommerce", "decision_maker"} <= {
        f.name for f in c.fit
    }
    signals = {s.name: s for s in c.intent.signals}
    assert signals["demo_request"].points > signals["content_download"].points
    assert signals["pricing_visit"].half_life_days == 7
    assert signals["product_visit"].half_life_days == c.intent.half_life_days == 14
    assert signals["email_click"].where is None
    assert c.stages.mql == parse_expression(DEFAULT_MQL)
    assert c.stages.recycle == Recycle(10, 30)
    assert [d.name for d in c.stages.disqualify] == ["students", "job_seekers"]
    assert c.signed_by == {"marketing": "Head of Marketing", "sales": "Head of Sales"}
    # Every line is documented: a comment on it, unless it is the description's own text.
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and "#" not in line:
            assert line.strip() in c.description, (number, line)


def test_defaults_when_sections_are_omitted() -> None:
    c = load_contract(MINIMAL)
    assert c.description == ""
    assert c.signed_by == {}
    assert c.intent.half_life_days == 14
    assert c.intent.signals[0].half_life_days == 14
    assert c.stages.mql.source == DEFAULT_MQL
    assert c.stages.sql.source == DEFAULT_SQL
    assert c.stages.disqualify == ()
    assert c.stages.recycle == Recycle(intent_below=10, for_days=30)
    assert c.text == MINIMAL
    assert len(c.sha256) == 64


def test_model_is_frozen_and_summarises_as_plain_data() -> None:
    c = load_contract(MINIMAL + "description:\nsigned_by: {marketing: Ana, sales: Bo}\n")
    with pytest.raises(AttributeError):
        c.name = "other"  # type: ignore[misc]
    data = c.as_dict()
    assert data["fit"] == [
        {"name": "right_size", "when": "employees >= 50", "points": 40.0, "description": ""}
    ]
    assert data["intent"]["signals"][0]["where"] == "form_kind = 'demo_request'"
    assert data["signed_by"] == {"marketing": "Ana", "sales": "Bo"}
    assert c.criterion("right_size").points == 40


def test_numbers_written_like_5e6_are_numbers_and_negative_fit_points_are_allowed() -> None:
    text = MINIMAL.replace(
        "points: 40\nintent",
        "points: 5e1\n  - name: small\n    when: employees < 10\n    points: -20\nintent",
    )
    c = load_contract(text)
    assert [f.points for f in c.fit] == [50.0, -20.0]
    assert c.max_fit == 50


def test_every_problem_is_reported_with_file_line_field_and_suggestion() -> None:
    text = textwrap.dedent("""\
        name: Broken
        fitt: []
        fit:
          - name: right_size
            when: anual_revenue > 5
            points: ten
          - name: right_size
            wen: employees > 5
            points: 5
        intent:
          half_life_days: 0
          signals:
            - name: pricing
              event: page_veiw
              where: page_type = 'pricng'
              points: 10
              cap: -1
            - {name: meeting, event: meeting}
        stages:
          mql: fit >= 40 and intnt >= 30
          disqualify:
            - name: Students!
              when: fit > 'x'
          recycle: {intent_below: 10, for_day: 3}
        """)
    assert problems_of(text, "starter.yaml") == [
        "starter.yaml:2: unknown key `fitt` — did you mean `fit`?",
        "starter.yaml:5: fit[0].when: unknown field `anual_revenue` — did you mean "
        "`annual_revenue`?",
        "starter.yaml:6: fit[0].points: expected a number, got text `ten`",
        "starter.yaml:7: fit[1]: missing required key `when`",
        "starter.yaml:7: fit[1].name: duplicate criterion name `right_size` (also at line 4); "
        "give each a name of its own",
        "starter.yaml:8: fit[1]: unknown key `wen` — did you mean `when`?",
        "starter.yaml:11: intent.half_life_days: must be greater than 0, got 0",
        "starter.yaml:14: intent.signals[0].event: unknown event type `page_veiw` — did you mean "
        "`page_view`? (event types: page_view, form_submit, email_open, email_click, meeting)",
        "starter.yaml:15: intent.signals[0].where: `page_type` is never 'pricng' — did you mean "
        "`pricing`? (its values: home, pricing, product, docs, blog, careers, about, other)",
        "starter.yaml:17: intent.signals[0].cap: must be greater than 0, got -1",
        "starter.yaml:18: intent.signals[1]: missing required key `points`",
        "starter.yaml:18: intent.signals[1]: missing required key `cap`",
        "starter.yaml:20: stages.mql: unknown field `intnt` — did you mean `intent`?",
        "starter.yaml:22: stages.disqualify[0].name: names use lower-case letters, digits and `_` "
        "only, e.g. `students`",
        "starter.yaml:23: stages.disqualify[0].when: `fit > 'x'` compares `fit` (a number) and "
        "`'x'` (text); compare like with like",
        "starter.yaml:24: stages.recycle: unknown key `for_day` — did you mean `for_days`?",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "c.yaml:1: the contract is empty"),
        ("name: x\nfit: [1,\n", "c.yaml:3: YAML syntax error"),
        ("- just\n- a list\n", "c.yaml:1: expected a mapping"),
        ("name: x\nfit:\nintent:\n", "c.yaml:2: fit: expected a list of criteria"),
        ("name: x\nfit: []\nintent: {signals: []}\n", "c.yaml:2: fit: give at least one criterion"),
        (MINIMAL + "name: again\n", "c.yaml:13: duplicate key `name` (also at line 1)"),
        (
            MINIMAL.replace("points: 40\nintent", "points: yes\nintent"),
            "c.yaml:5: fit[0].points: expected a number, got true/false `yes`",
        ),
        (MINIMAL.replace("cap: 40", "cap: .inf"), "intent.signals[0].cap: expected a finite"),
        (
            MINIMAL.replace("      points: 40\n      cap", "      points: 0\n      cap"),
            "intent.signals[0].points: must be greater than 0",
        ),
        (
            MINIMAL + "stages:\n  recycle: {intent_below: -1}\n",
            "c.yaml:14: stages.recycle.intent_below: must be at least 0, got -1",
        ),
        (MINIMAL + "stages:\n  sql: meetings_held\n", "stages.sql: the whole condition must be"),
        (MINIMAL + "stages: [mql]\n", "c.yaml:13: stages: expected a mapping"),
        (
            MINIMAL.replace("when: employees >= 50", "when: 50"),
            "c.yaml:4: fit[0].when: expected a condition such as `employees >= 50`, got a number",
        ),
        (MINIMAL.replace("name: Minimal", "name:"), "c.yaml:1: name: expected text, got nothing"),
        (MINIMAL + "signed_by: [ana]\n", "c.yaml:13: signed_by: expected `team: who` lines"),
        (
            MINIMAL.replace("intent:\n", "intent:\n  half_lif_days: 3\n"),
            "unknown key `half_lif_days` — did you mean `half_life_days`?",
        ),
    ],
)
def test_single_problems(text: str, expected: str) -> None:
    problems = problems_of(text)
    assert any(p.startswith(expected) or expected in p for p in problems), problems


def test_duplicate_signal_names_are_refused() -> None:
    text = MINIMAL + textwrap.indent(
        "- name: demo_request\n  event: meeting\n  points: 1\n  cap: 1\n", "    "
    )
    assert problems_of(text) == [
        "c.yaml:13: intent.signals[1].name: duplicate signal name `demo_request` (also at line "
        "8); give each a name of its own"
    ]


def test_load_contract_file_uses_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "contract.yaml"
    path.write_text(MINIMAL.replace("employees >= 50", "employes >= 50"))
    with pytest.raises(ContractError) as info:
        load_contract_file(path)
    assert info.value.problems == [
        f"{path}:4: fit[0].when: unknown field `employes` — did you mean `employees`?"
    ]
    assert info.value.exit_code == 2
    with pytest.raises(NotFound, match="leadqual contract starter >"):
        load_contract_file(tmp_path / "missing.yaml")


@settings(max_examples=40, deadline=None)
@given(
    points=st.integers(-100, 100),
    cap=st.floats(0.5, 1000, allow_nan=False),
    half_life=st.integers(1, 365),
)
def test_numbers_round_trip(points: int, cap: float, half_life: int) -> None:
    text = (
        MINIMAL.replace("points: 40\nintent", f"points: {points}\nintent")
        .replace("cap: 40", f"cap: {cap!r}")
        .replace("signals:", f"half_life_days: {half_life}\n  signals:")
    )
    c: Contract = load_contract(text)
    assert c.fit[0].points == points
    assert c.intent.signals[0].cap == cap
    assert c.intent.signals[0].half_life_days == half_life
    assert c.max_fit == max(points, 0)
