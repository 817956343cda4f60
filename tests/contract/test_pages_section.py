"""The contract's `pages:` section: page categories by URL path pattern, their default, and every
mistake located by file, line and field."""

from __future__ import annotations

import ibis
import pyarrow as pa
import pytest

from leadqual.contract import load_contract
from leadqual.errors import ContractError
from leadqual.features.intent import DEFAULT_CATEGORIES, categorize, category_of

BASE = """\
name: Pages
fit:
  - name: right_size
    when: employees >= 50
    points: 40
intent:
  signals:
    - name: visit
      event: page_view
      points: 1
      cap: 5
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ContractError) as info:
        load_contract(text, "c.yaml")
    return info.value.problems


def test_the_default_is_the_pipelines_categories() -> None:
    contract = load_contract(BASE)
    assert contract.pages == dict(DEFAULT_CATEGORIES)
    assert contract.as_dict()["pages"]["pricing"] == list(DEFAULT_CATEGORIES["pricing"])


def test_categories_keep_their_order_and_patterns() -> None:
    contract = load_contract(
        BASE
        + "pages:\n"
        + "  pricing: [/pricing*, 're:^/(en|de)/tarif']\n"
        + "  docs:\n"
        + "    - /docs*\n"
        + "    - '*/api/*'\n"
    )
    assert list(contract.pages) == ["pricing", "docs"]
    assert contract.pages["pricing"] == ("/pricing*", "re:^/(en|de)/tarif")


def test_the_contracts_categories_are_what_the_pipeline_applies() -> None:
    pages = load_contract(BASE + "pages:\n  pricing: ['re:^/(en|de)/tarif', /plans*]\n").pages
    paths = ["/de/tarife", "/plans", "/pricing", None]
    con = ibis.duckdb.connect()
    t = ibis.memtable(pa.table({"path": pa.array(paths, pa.string())}))
    got = con.to_pyarrow(t.select(c=categorize(t.path, pages)))["c"].to_pylist()
    assert got == [category_of(p, pages) for p in paths] == ["pricing", "pricing", "other", "other"]
    con.disconnect()


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        (
            "pages:\n  pricing: ['re:(']\n",
            "c.yaml:13: pages.pricing[0]: `re:(` is not a regular expression: missing ), "
            "unterminated subpattern at position 0",
        ),
        ("pages:\n  pricing: []\n", "c.yaml:13: pages.pricing: give at least one pattern"),
        (
            "pages:\n  pricing: /pricing*\n",
            "c.yaml:13: pages.pricing: expected a list of URL path patterns (lines starting "
            "with `- `), got text `/pricing*`",
        ),
        (
            "pages:\n  Price Pages: [/pricing*]\n",
            "c.yaml:13: pages: category `Price Pages`: a category starts with a lower-case letter "
            "and uses lower-case letters, digits and `_` (it becomes the column "
            "`views_<category>`), e.g. `price_pages`",
        ),
        (
            "pages:\n  other: [/x*]\n",
            "c.yaml:13: pages: `other` holds the pages no category matches and takes no "
            "patterns; leave it out",
        ),
        (
            "pages:\n  pricing: ['regex:^/p']\n",
            "c.yaml:13: pages.pricing[0]: unknown pattern prefix `regex:` — did you mean `re:`? "
            "(a pattern is a glob such as `/pricing*`, or `re:` and a regular expression)",
        ),
        (
            "pages:\n  pricing: [pricing*]\n",
            "c.yaml:13: pages.pricing[0]: `pricing*`: a glob is matched against the whole path, "
            "which starts with `/`; write `/pricing*` (or `*/pricing*` for any depth)",
        ),
        (
            "pages:\n  pricing: ['re:/Pricing']\n",
            "c.yaml:13: pages.pricing[0]: `re:/Pricing`: paths are lower-cased before matching, "
            "so upper-case letters never match; write `re:/pricing`",
        ),
        (
            "pages: {}\n",
            "c.yaml:12: pages: give at least one category, or leave `pages:` out for the default "
            "categories (pricing, product, docs, careers, blog)",
        ),
        (
            "pages: [/pricing*]\n",
            "c.yaml:12: pages: expected `category: [patterns]` lines, e.g. `pricing: [/pricing*, "
            "/plans*]`, got a list",
        ),
        (
            "pages:\n  blog: [/blog*]\n  blog: [/news*]\n",
            "c.yaml:14: pages: duplicate category `blog` (also at line 13)",
        ),
    ],
)
def test_each_mistake_is_reported_at_its_line(section: str, expected: str) -> None:
    assert problems_of(BASE + section) == [expected]


def test_escaped_upper_case_classes_are_fine_in_a_regex() -> None:
    contract = load_contract(BASE + "pages:\n  docs: ['re:^/docs/\\S+$']\n")
    assert contract.pages["docs"] == (r"re:^/docs/\S+$",)


def test_every_mistake_is_reported_in_one_run() -> None:
    got = problems_of(BASE + "pages:\n  pricing: ['re:[']\n  docs: []\n")
    assert [p.split(": ")[1] for p in got] == ["pages.pricing[0]", "pages.docs"]


def test_time_on_pricing_needs_a_pricing_category() -> None:
    text = BASE.replace("intent:", "stages:\n  mql: pricing_seconds_30d > 60\nintent:")
    got = problems_of(text + "pages:\n  pricng: [/pricing*]\n")
    assert got == [
        "c.yaml:15: pages: `pricing_seconds_30d` counts time on `pricing` pages, but `pages:` "
        "has no `pricing` category — did you mean `pricng`?"
    ]


def test_the_intent_fields_are_usable_in_fit_and_stage_rules() -> None:
    text = BASE.replace(
        "    when: employees >= 50\n", "    when: employees >= 50 and visitors_30d >= 2\n"
    ).replace("intent:", "stages:\n  mql: visits_30d >= 3 and views_trend > 1.5\nintent:")
    contract = load_contract(text)
    assert {"visits_30d", "visitors_30d", "views_trend", "employees"} <= contract.fields


def test_a_misspelt_intent_field_gets_a_suggestion() -> None:
    text = BASE.replace("intent:", "stages:\n  mql: visit_30d >= 3\nintent:")
    (problem,) = problems_of(text)
    assert "unknown field `visit_30d` — did you mean `visits_30d`?" in problem
