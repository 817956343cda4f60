"""Conditions: parsing, checking, and the SQL they emit — run for real in DuckDB (and in
PostgreSQL when it is available)."""

from __future__ import annotations

import doctest
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

import leadqual.contract.expression as expression_module
from leadqual.contract.expression import Expression, ExpressionError, parse_expression
from leadqual.features.schema import EVENT_FIELDS, FEATURES

ARROW_TYPES = {
    "str": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "list": pa.list_(pa.string()),
}
FEATURE_SCHEMA = pa.schema([pa.field(f.name, ARROW_TYPES[f.kind]) for f in FEATURES])


def feature_table(rows: list[dict[str, Any]]) -> pa.Table:
    """An Arrow table whose columns are exactly FEATURES; missing values are NULL."""
    return pa.Table.from_pylist(
        [{f.name: row.get(f.name) for f in FEATURES} for row in rows], schema=FEATURE_SCHEMA
    )


def passes(condition: str | Expression, rows: list[dict[str, Any]]) -> list[bool]:
    """Which rows pass, the way qualify embeds a condition: COALESCE((sql), FALSE)."""
    expr = condition if isinstance(condition, Expression) else parse_expression(condition)
    con = duckdb.connect()
    con.register("features", feature_table(rows))
    sql = f'SELECT COALESCE(({expr.to_sql("duckdb")}), FALSE) FROM features ORDER BY "key"'
    return [bool(r[0]) for r in con.execute(sql).fetchall()]


def rows(*values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": f"{i:03d}", **v} for i, v in enumerate(values)]


def test_doctests() -> None:
    assert doctest.testmod(expression_module).failed == 0


def test_fields_source_and_quoted_columns() -> None:
    e = parse_expression("employees >= 50 and has_any(technologies, 'shopify')", scope="fit")
    assert e.source == "employees >= 50 and has_any(technologies, 'shopify')"
    assert e.fields == {"employees", "technologies"}
    assert e.to_sql() == '"employees" >= 50 AND LIST_HAS_ANY("technologies", [\'shopify\'])'
    assert str(e) == e.source
    assert e == parse_expression(" employees >= 50 and has_any(technologies, 'shopify') ", "fit")


def test_postgres_sql_uses_array_operators() -> None:
    any_ = parse_expression("has_any(technologies, 'shopify', 'magento')")
    all_ = parse_expression("has_all(technologies, 'shopify', 'magento')")
    assert any_.to_sql("postgres") == "(\"technologies\" && ARRAY['shopify', 'magento'])"
    assert all_.to_sql("postgres") == "(\"technologies\" @> ARRAY['shopify', 'magento'])"
    assert all_.to_sql() == "LIST_HAS_ALL(\"technologies\", ['shopify', 'magento'])"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("employees between 50 and 5000", [False, True, True, False]),
        ("employees >= 50 and employees <= 5000", [False, True, True, False]),
        ("not (employees between 50 and 5000)", [True, False, False, False]),
        ("employees is null", [False, False, False, True]),
        ("employees is not null", [True, True, True, False]),
        ("has_any(technologies, 'shopify', 'magento')", [True, False, False, False]),
        ("has_all(technologies, 'shopify', 'stripe')", [True, False, False, False]),
        ("not has_any(technologies, 'shopify')", [False, True, False, False]),
        ("industry in ('software', 'retail')", [True, False, True, False]),
        ("industry not in ('software', 'retail')", [False, True, False, False]),
        ("lower(country) = 'de'", [True, True, False, False]),
        ("country like 'D%'", [True, False, False, False]),
        ("country ilike 'd%'", [True, True, False, False]),
        ("coalesce(industry, 'unknown') = 'unknown'", [False, False, False, True]),
        ("annual_revenue / employees > 100000", [True, False, False, False]),
        ("abs(ad_spend - 100) <= 10", [False, True, False, False]),
        (
            "least(employees, 100) = 10 or greatest(employees, 100) = 5000",
            [True, False, True, False],
        ),
        ("bant_budget", [True, False, False, False]),
        ("not bant_budget", [False, True, False, False]),
        ("fit >= 40 and intent >= 30", [False, False, True, False]),
        ("email like '%.edu' or email like '%.ac.uk'", [False, True, False, False]),
        ("seniority = 'vp' or department = 'hr'", [True, False, False, True]),
    ],
)
def test_emitted_sql_runs_in_duckdb_with_null_semantics(
    condition: str, expected: list[bool]
) -> None:
    table = rows(
        {
            "employees": 10,
            "annual_revenue": 5e6,
            "industry": "software",
            "country": "DE",
            "technologies": ["shopify", "stripe"],
            "ad_spend": 50.0,
            "bant_budget": True,
            "fit": 10.0,
            "intent": 50.0,
            "email": "a@acme.com",
            "seniority": "vp",
        },
        {
            "employees": 50,
            "annual_revenue": 1e6,
            "industry": "healthcare",
            "country": "de",
            "technologies": [],
            "ad_spend": 95.0,
            "bant_budget": False,
            "fit": 40.0,
            "email": "b@uni.ac.uk",
            "seniority": "individual",
        },
        {
            "employees": 5000,
            "industry": "retail",
            "technologies": None,
            "fit": 40.0,
            "intent": 30.0,
        },
        {"department": "hr"},  # nearly everything unknown: nothing passes on a NULL
    )
    assert passes(condition, table) == expected


def test_event_conditions_run_over_event_columns() -> None:
    e = parse_expression(
        "page_type = 'pricing' and type = 'page_view' and dwell_ms > 1000", scope="event"
    )
    assert e.fields == {"page_type", "type", "dwell_ms"}
    table = pa.Table.from_pylist(
        [
            {"type": "page_view", "page_type": "pricing", "dwell_ms": 5000},
            {"type": "page_view", "page_type": "pricing", "dwell_ms": None},
            {"type": "page_view", "page_type": "blog", "dwell_ms": 5000},
        ],
        schema=pa.schema([(name, ARROW_TYPES[kind]) for name, kind in EVENT_FIELDS.items()]),
    )
    con = duckdb.connect()
    con.register("events", table)
    got = con.execute(f"SELECT COALESCE(({e.to_sql()}), FALSE) FROM events").fetchall()
    assert [r[0] for r in got] == [True, False, False]


@pytest.mark.postgres
def test_postgres_sql_runs_in_postgres(postgres_db_url: str) -> None:
    engine = create_engine(postgres_db_url)
    conditions = {
        "has_any(technologies, 'shopify', 'magento')": [True, False, False],
        "has_all(technologies, 'shopify', 'stripe')": [True, False, False],
        "employees / 4 >= 0.5 and industry ilike 'SOFT%'": [True, False, False],
        "least(employees, 100) = 2 or employees is null": [True, False, True],
        "not has_any(technologies, 'stripe') and employees >= 3": [False, True, False],
    }
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "CREATE TABLE features (key text, employees integer, annual_revenue double "
                    "precision, industry text, technologies text[])"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO features VALUES "
                    "('a', 2, 3, 'software', ARRAY['shopify', 'stripe']), "
                    "('b', 3, 3, 'retail', ARRAY[]::text[]), ('c', NULL, NULL, NULL, NULL)"
                )
            )
            for condition, expected in conditions.items():
                sql = parse_expression(condition).to_sql("postgres")
                got = (
                    conn.execute(
                        text(f"SELECT COALESCE(({sql}), FALSE) FROM features ORDER BY key")
                    )
                    .scalars()
                    .all()
                )
                assert got == expected, condition
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("condition", "scope", "message"),
    [
        (
            "anual_revenue > 1",
            "fit",
            "unknown field `anual_revenue` — did you mean `annual_revenue`?",
        ),
        ("fit >= 40", "fit", "`fit` is a computed score and cannot be used in a fit criterion"),
        ("email like '%.edu'", "fit", "`email` identifies the lead"),
        ("page_type = 'pricing'", "fit", "`page_type` is an event field"),
        ("employees > 5", "event", "`employees` is a lead feature"),
        ("industry = 5", "rule", "compare like with like"),
        ("employees = '50'", "rule", "compare like with like"),
        ("technologies = 'shopify'", "rule", "is a list; test it with has_any"),
        ("has_any(industry, 'software')", "rule", "`industry` is not a list field"),
        ("has_any(technologies)", "rule", "give at least one value"),
        ("has_any(technologies, industry)", "rule", "values must be quoted text"),
        ("employees", "rule", "must be true or false, but it is a number"),
        ("employees and bant_budget", "rule", "`employees` is a number, not a condition"),
        ("sum(employees) > 1", "rule", "function `sum` is not allowed"),
        ("hass_any(technologies, 'a')", "rule", "did you mean `has_any`?"),
        ("employees > 1; drop table leads", "rule", "write one condition only"),
        ("employees in (select 1)", "rule", "IN takes a list of values"),
        ("exists (select 1)", "rule", "is not allowed in a condition"),
        ("* = 1", "rule", "`*` is not allowed"),
        ("x.employees > 1", "rule", "without a table"),
        ('industry = "software"', "rule", "text takes single quotes: 'software'"),
        ("industry = 'software", "rule", "unclosed quote"),
        ("employees >", "rule", "cannot parse the condition"),
        ("   ", "rule", "the condition is empty"),
        (
            "page_type = 'pricng'",
            "event",
            "`page_type` is never 'pricng' — did you mean `pricing`?",
        ),
        ("seniority in ('vp', 'cto')", "rule", "`seniority` is never 'cto'"),
        ("bant_budget > bant_need", "rule", "cannot be ordered"),
        ("lower(employees) = 'a'", "rule", "lower() takes text"),
        ("employees::int > 1", "rule", "function `cast` is not allowed"),
        ("sales_accepted is true", "rule", "only `IS NULL` / `IS NOT NULL`"),
    ],
)
def test_invalid_conditions_say_what_to_do(condition: str, scope: Any, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(condition, scope=scope)
    assert any(message in p for p in info.value.problems), info.value.problems


def test_every_problem_is_reported_once() -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression("anual_revenue > 5 and employes < 'x' and industry = 3", scope="fit")
    problems = info.value.problems
    assert len(problems) == 3
    assert "did you mean `annual_revenue`" in problems[0]
    assert "did you mean `employees`" in problems[1]


# -- property: the SQL DuckDB runs agrees with a Python reference (SQL three-valued logic) ------

NUMERIC = ("employees", "annual_revenue", "ad_spend")
ROW_KEYS = [f"{i:03d}" for i in range(8)]


def _number() -> st.SearchStrategy[int]:
    return st.integers(-5, 5)


@st.composite
def terms(draw: st.DrawFn, depth: int = 0) -> tuple[str, Any]:
    """A numeric term: (sql text, python function of a row → value or None)."""
    choice = draw(st.integers(0, 5 if depth < 1 else 1))
    if choice == 0:
        name = draw(st.sampled_from(NUMERIC))
        return name, lambda r, n=name: r[n]
    if choice == 1:
        k = draw(_number())
        return str(k), lambda r, k=k: k
    (ta, fa), (tb, fb) = draw(terms(depth + 1)), draw(terms(depth + 1))
    if choice in (2, 3):
        op = draw(st.sampled_from(["+", "-", "*"]))
        ops = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}

        def arith(r: dict[str, Any]) -> Any:
            a, b = fa(r), fb(r)
            return None if a is None or b is None else ops[op](a, b)

        return f"({ta} {op} {tb})", arith
    if choice == 4:
        fn = draw(st.sampled_from(["least", "greatest", "coalesce"]))

        def call(r: dict[str, Any]) -> Any:
            vals = [fa(r), fb(r)]
            present = [v for v in vals if v is not None]
            if fn == "coalesce":
                return present[0] if present else None
            if not present:
                return None
            return min(present) if fn == "least" else max(present)

        return f"{fn}({ta}, {tb})", call
    return f"abs({ta})", lambda r: None if fa(r) is None else abs(fa(r))


@st.composite
def conditions(draw: st.DrawFn, depth: int = 0) -> tuple[str, Any]:
    """A condition: (sql text, python function of a row → True/False/None)."""
    choice = draw(st.integers(0, 6 if depth < 2 else 2))
    if choice <= 1:
        (ta, fa), (tb, fb) = draw(terms()), draw(terms())
        op = draw(st.sampled_from(["=", "!=", "<>", "<", "<=", ">", ">="]))
        cmp = {
            "=": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            "<>": lambda a, b: a != b,
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
        }[op]

        def compare(r: dict[str, Any]) -> Any:
            a, b = fa(r), fb(r)
            return None if a is None or b is None else cmp(a, b)

        return f"{ta} {op} {tb}", compare
    if choice == 2:
        (ta, fa), lo, hi = draw(terms()), draw(_number()), draw(_number())

        def between(r: dict[str, Any]) -> Any:
            a = fa(r)
            return None if a is None else lo <= a <= hi

        return f"{ta} between {lo} and {hi}", between
    if choice == 3:
        ta, fa = draw(terms())
        negate = draw(st.booleans())
        return (f"{ta} is {'not ' if negate else ''}null", lambda r: (fa(r) is None) != negate)
    if choice == 4:
        ta, fa = draw(terms())
        values = draw(st.lists(_number(), min_size=1, max_size=3))

        def within(r: dict[str, Any]) -> Any:
            a = fa(r)
            if a is None:
                return None
            return a in values

        return f"{ta} in ({', '.join(map(str, values))})", within
    (ca, fa) = draw(conditions(depth + 1))
    if choice == 5:
        return f"not ({ca})", lambda r: None if fa(r) is None else not fa(r)
    (cb, fb) = draw(conditions(depth + 1))
    op = draw(st.sampled_from(["and", "or"]))

    def logic(r: dict[str, Any]) -> Any:
        a, b = fa(r), fb(r)
        if op == "and":
            return False if False in (a, b) else None if None in (a, b) else True
        return True if True in (a, b) else None if None in (a, b) else False

    return f"({ca}) {op} ({cb})", logic


value = st.one_of(st.none(), _number())
row_values = st.fixed_dictionaries(
    {
        "employees": value,
        "annual_revenue": st.one_of(st.none(), _number().map(float), st.sampled_from([0.5, -2.25])),
        "ad_spend": st.one_of(st.none(), _number().map(float)),
    }
)


@settings(max_examples=150, deadline=None)
@given(condition=conditions(), data=st.lists(row_values, min_size=1, max_size=len(ROW_KEYS)))
def test_duckdb_agrees_with_python_reference(
    condition: tuple[str, Any], data: list[dict[str, Any]]
) -> None:
    text_, reference = condition
    table = [{"key": k, **v} for k, v in zip(ROW_KEYS, data, strict=False)]
    expected = [reference(r) is True for r in table]
    assert passes(text_, table) == expected, text_
