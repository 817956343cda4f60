"""Conditions: SQL boolean expressions over the feature table, parsed and checked once.

One language everywhere (contract, discovery, backtests, API filters): a small, whitelisted subset
of SQL parsed with sqlglot — ``AND OR NOT``, comparisons, ``IN``, ``BETWEEN``, ``IS [NOT] NULL``,
``LIKE``/``ILIKE``, arithmetic, literals, field names and a few functions (``has_any``,
``has_all``, ``lower``, ``coalesce``, ``abs``, ``least``, ``greatest``). Everything else is refused
with a message that says what to write instead. A parsed condition knows its fields and emits SQL
for DuckDB or PostgreSQL with quoted column names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from leadqual.contract.fields import SCOPES, FieldScope, ScopeName, did_you_mean
from leadqual.errors import InvalidInput

__all__ = ["FUNCTIONS", "Expression", "ExpressionError", "parse_expression"]

FUNCTIONS = ("has_any", "has_all", "lower", "coalesce", "abs", "least", "greatest")

_READ_DIALECT = "duckdb"
_NUM_KINDS = {"int": "num", "float": "num"}
_KIND_WORDS = {
    "num": "a number",
    "str": "text",
    "bool": "true/false",
    "list": "a list",
    "null": "NULL",
}
_COMPARISONS = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE)
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul, exp.Div)
_BUILTIN_FUNCS: dict[type[exp.Expression], str] = {
    exp.Lower: "lower",
    exp.Coalesce: "coalesce",
    exp.Abs: "abs",
    exp.Least: "least",
    exp.Greatest: "greatest",
}


class ExpressionError(InvalidInput):
    """A condition that does not parse or does not check; ``problems`` lists every reason."""

    code = "invalid_expression"

    def __init__(self, problems: list[str], *, source: str) -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(f"invalid condition `{source}`: " + "; ".join(self.problems))


@dataclass(frozen=True, eq=False)
class Expression:
    """A checked condition. Compare two by their source text and scope.

    >>> e = parse_expression("employees >= 50 and has_any(technologies, 'shopify')", scope="fit")
    >>> sorted(e.fields)
    ['employees', 'technologies']
    >>> e.to_sql()
    '"employees" >= 50 AND LIST_HAS_ANY("technologies", [\\'shopify\\'])'
    """

    source: str
    fields: frozenset[str]
    scope: ScopeName
    _tree: exp.Expression = field(repr=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Expression):
            return NotImplemented
        return (self.source, self.scope) == (other.source, other.scope)

    def __hash__(self) -> int:
        return hash((self.source, self.scope))

    def __str__(self) -> str:
        return self.source

    @property
    def tree(self) -> exp.Expression:
        """The parsed (and checked) sqlglot tree: to inspect; ``.copy()`` it before a rewrite."""
        return self._tree

    def to_sql(self, dialect: str = "duckdb") -> str:
        """The condition as SQL for ``dialect`` (``duckdb``, ``postgres``, or any sqlglot
        dialect), with quoted column names. NULL in, NULL out: wrap it in
        ``COALESCE((…), FALSE)`` where "unknown" must count as "not passed".

        >>> parse_expression("has_all(technologies, 'a', 'b')").to_sql("postgres")
        '("technologies" @> ARRAY[\\'a\\', \\'b\\'])'
        """
        duck = dialect == "duckdb"

        def rewrite(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Column):
                return exp.column(node.name, quoted=True)
            if isinstance(node, exp.Anonymous) and node.name.lower() in ("has_any", "has_all"):
                col, *values = node.expressions
                array = exp.Array(expressions=[v.copy() for v in values])
                name = node.name.lower()
                if duck:
                    return exp.Anonymous(
                        this=f"list_{name}", expressions=[rewrite(col.copy()), array]
                    )
                cls = exp.ArrayOverlaps if name == "has_any" else exp.ArrayContainsAll
                # Parenthesised: PostgreSQL's operator precedence stays out of the way.
                return exp.Paren(this=cls(this=rewrite(col.copy()), expression=array))
            return node

        return self._tree.transform(rewrite, copy=True).sql(dialect=dialect)


def parse_expression(text: str, scope: ScopeName = "rule") -> Expression:
    """Parse and check a condition for ``scope`` (``fit``, ``rule`` or ``event``).

    Raises ``ExpressionError`` listing every problem (unknown fields with the closest valid
    name, type mismatches, disallowed syntax).

    >>> parse_expression("intent >= 30 and fit >= 40").fields == {"fit", "intent"}
    True
    >>> parse_expression("anual_revenue > 1", scope="fit")
    Traceback (most recent call last):
    ...
    leadqual.contract.expression.ExpressionError: invalid condition `anual_revenue > 1`: \
unknown field `anual_revenue` — did you mean `annual_revenue`?
    """
    source = text.strip()
    if not source:
        raise ExpressionError(["the condition is empty"], source=source)
    try:
        parsed = sqlglot.parse(source, read=_READ_DIALECT)
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = first.get("highlight") or ""
        near = f" near `{where}`" if where else ""
        raise ExpressionError(
            [
                f"cannot parse the condition{near} (column {first.get('col', '?')}); write a SQL "
                "condition such as `employees >= 50 and industry = 'software'`"
            ],
            source=source,
        ) from exc
    except TokenError as exc:
        raise ExpressionError(
            [
                "cannot read the condition (an unclosed quote?); strings take single quotes: "
                "'software'"
            ],
            source=source,
        ) from exc
    trees = [t for t in parsed if isinstance(t, exp.Expression)]
    if len(trees) != 1 or len(parsed) != 1:
        raise ExpressionError(
            ["write one condition only (no `;`); combine conditions with `and` / `or`"],
            source=source,
        )
    checker = _Checker(SCOPES[scope])
    kind = checker.kind(trees[0])
    if kind not in ("bool", "any", "null"):
        checker.problems.append(
            f"the whole condition must be true or false, but it is {_KIND_WORDS[kind]}; "
            "compare it with something, e.g. `employees > 0`"
        )
    if checker.problems:
        raise ExpressionError(checker.problems, source=source)
    return Expression(source, frozenset(checker.fields), scope, trees[0])


class _Checker:
    """Walks a parsed condition, infers each node's kind and collects every problem.

    Kinds: ``num``, ``str``, ``bool``, ``list``, ``null`` and ``any`` (unknown after an
    error — compatible with everything, so one typo is reported once).
    """

    def __init__(self, scope: FieldScope) -> None:
        self.scope = scope
        self.problems: list[str] = []
        self.fields: set[str] = set()

    def fail(self, message: str) -> str:
        self.problems.append(message)
        return "any"

    def kind(self, node: exp.Expression) -> str:
        if isinstance(node, exp.Paren):
            return self.kind(node.this)
        if isinstance(node, exp.And | exp.Or):
            self.condition(node.this)
            self.condition(node.expression)
            return "bool"
        if isinstance(node, exp.Not):
            self.condition(node.this)
            return "bool"
        if isinstance(node, exp.Boolean):
            return "bool"
        if isinstance(node, exp.Null):
            return "null"
        if isinstance(node, exp.Literal):
            return "str" if node.is_string else "num"
        if isinstance(node, exp.Column):
            return self.column(node)
        if isinstance(node, _COMPARISONS):
            self.compare(
                node, [node.this, node.expression], ordered=not isinstance(node, exp.EQ | exp.NEQ)
            )
            return "bool"
        if isinstance(node, exp.In):
            return self.in_list(node)
        if isinstance(node, exp.Between):
            self.compare(node, [node.this, node.args["low"], node.args["high"]], ordered=True)
            return "bool"
        if isinstance(node, exp.Is):
            if not isinstance(node.expression, exp.Null):
                return self.fail(
                    f"`{node.sql()}`: only `IS NULL` / `IS NOT NULL` are allowed; for a "
                    "true/false field write `field` or `not field`"
                )
            self.kind(node.this)
            return "bool"
        if isinstance(node, exp.Like | exp.ILike):
            if node.args.get("escape") is not None:
                return self.fail("LIKE … ESCAPE is not supported")
            for side in (node.this, node.expression):
                self.expect(side, "str", f"`{node.sql()}`: LIKE compares text")
            return "bool"
        if isinstance(node, _ARITHMETIC):
            for side in (node.this, node.expression):
                self.expect(side, "num", f"`{node.sql()}`: arithmetic needs numbers")
            return "num"
        if isinstance(node, exp.Neg):
            self.expect(node.this, "num", f"`{node.sql()}`: a minus sign needs a number")
            return "num"
        return self.function(node)

    # -- pieces --------------------------------------------------------------------------------

    def column(self, node: exp.Column) -> str:
        if node.table:
            return self.fail(
                f"`{node.sql()}`: write field names alone, without a table (`{node.name}`)"
            )
        name = node.name
        if name not in self.scope.fields:
            if node.this.args.get("quoted") and name not in self.scope.refused:
                return self.fail(
                    f'"{name}" in double quotes is a field name, and there is no such field; '
                    f"text takes single quotes: '{name}'"
                )
            return self.fail(self.scope.unknown_field_message(name))
        self.fields.add(name)
        kind = self.scope.fields[name]
        return _NUM_KINDS.get(kind, kind)

    def condition(self, node: exp.Expression) -> None:
        kind = self.kind(node)
        if kind not in ("bool", "null", "any"):
            self.fail(
                f"`{node.sql()}` is {_KIND_WORDS[kind]}, not a condition; compare it with "
                "something (e.g. `employees > 0`)"
            )

    def expect(self, node: exp.Expression, wanted: str, context: str) -> str:
        kind = self.kind(node)
        if kind == "list":
            return self.fail(_list_misuse(node))
        if kind not in (wanted, "null", "any"):
            return self.fail(f"{context}, but `{node.sql()}` is {_KIND_WORDS[kind]}")
        return kind

    def compare(
        self, node: exp.Expression, operands: list[exp.Expression], *, ordered: bool
    ) -> str:
        kinds = [self.kind(o) for o in operands]
        if "list" in kinds:
            return self.fail(_list_misuse(operands[kinds.index("list")]))
        concrete = [k for k in kinds if k not in ("null", "any")]
        if len(set(concrete)) > 1:
            described = " and ".join(
                f"`{o.sql()}` ({_KIND_WORDS[k]})"
                for o, k in zip(operands, kinds, strict=True)
                if k not in ("null", "any")
            )
            return self.fail(f"`{node.sql()}` compares {described}; compare like with like")
        if ordered and concrete and concrete[0] == "bool":
            return self.fail(f"`{node.sql()}`: true/false values cannot be ordered")
        self.check_values(operands)
        return concrete[0] if concrete else "any"

    def in_list(self, node: exp.In) -> str:
        if any(node.args.get(k) is not None for k in ("query", "unnest", "field")):
            return self.fail("IN takes a list of values, e.g. `industry in ('software', 'retail')`")
        items = node.expressions
        if not items:
            return self.fail("IN needs at least one value")
        self.compare(node, [node.this, *items], ordered=False)
        return "bool"

    def check_values(self, operands: list[exp.Expression]) -> None:
        """Refuse a string literal that a field with a known set of values can never take."""
        names = [_field_name(o) for o in operands]
        for name in {n for n in names if n is not None and n in self.scope.values}:
            known = self.scope.values[name]
            for o in operands:
                if isinstance(o, exp.Literal) and o.is_string and o.this not in known:
                    self.fail(
                        f"`{name}` is never '{o.this}'{did_you_mean(o.this, known)} "
                        f"(its values: {', '.join(known)})"
                    )

    def function(self, node: exp.Expression) -> str:
        if isinstance(node, exp.Anonymous) and node.name.lower() in ("has_any", "has_all"):
            return self.has(node)
        name = _BUILTIN_FUNCS.get(type(node))
        if name is None:
            if isinstance(node, exp.Anonymous):
                what = f"function `{node.name}`"
                hint = did_you_mean(node.name.lower(), FUNCTIONS)
            elif isinstance(node, exp.Func):
                what, hint = f"function `{node.sql_name().lower()}`", ""
            elif isinstance(node, exp.Star):
                what, hint = "`*`", ""
            else:
                what, hint = f"`{node.key.upper()}` (in `{node.sql()}`)", ""
            return self.fail(
                f"{what} is not allowed in a condition{hint}; allowed functions: "
                + ", ".join(FUNCTIONS)
            )
        args = [node.this, *node.expressions]
        if name == "lower":
            self.expect(node.this, "str", "lower() takes text")
            return "str"
        if name == "abs":
            self.expect(node.this, "num", "abs() takes a number")
            return "num"
        kinds = [self.kind(a) for a in args]
        if "list" in kinds:
            return self.fail(_list_misuse(args[kinds.index("list")]))
        concrete = {k for k in kinds if k not in ("null", "any")}
        if len(concrete) > 1:
            return self.fail(f"`{node.sql()}`: {name}() needs values of one kind")
        if name in ("least", "greatest") and concrete == {"bool"}:
            return self.fail(f"`{node.sql()}`: {name}() takes numbers or text")
        return concrete.pop() if concrete else "any"

    def has(self, node: exp.Anonymous) -> str:
        name = node.name.lower()
        col, *values = node.expressions or [None]
        usage = f"write {name}(technologies, 'shopify', 'bigcommerce')"
        if not isinstance(col, exp.Column):
            return self.fail(f"`{node.sql()}`: the first argument must be a list field; {usage}")
        kind = self.kind(col)
        if kind not in ("list", "any"):
            return self.fail(f"`{node.sql()}`: `{col.name}` is not a list field; {usage}")
        if not values:
            return self.fail(f"`{node.sql()}`: give at least one value; {usage}")
        for v in values:
            if not (isinstance(v, exp.Literal) and v.is_string):
                self.fail(f"`{node.sql()}`: values must be quoted text like 'shopify'")
        return "bool"


def _field_name(node: exp.Expression) -> str | None:
    while isinstance(node, exp.Paren | exp.Lower):
        node = node.this
    return node.name if isinstance(node, exp.Column) else None


def _list_misuse(node: exp.Expression) -> str:
    return (
        f"`{node.sql()}` is a list; test it with has_any({node.sql()}, 'a', 'b') or "
        f"has_all({node.sql()}, 'a', 'b')"
    )
