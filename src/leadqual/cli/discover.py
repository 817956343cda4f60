"""`leadqual discover`: derive MQL fit criteria from the deals that were won."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from leadqual.cli.common import app, emit_json, get_store, parse_time
from leadqual.clock import utc_now
from leadqual.discover.report import DEFAULT_MIN_SUPPORT, DiscoveryReport, Figures
from leadqual.services.discovery import discover

__all__ = ["print_discovery"]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _ci(f: Figures) -> str:
    return f"{_pct(f.ci[0])}–{_pct(f.ci[1])}"


def _table(title: str, first: str) -> Table:
    table = Table(title=f"{title} — training, then held out (later leads)", title_justify="left")
    table.add_column(first, overflow="fold", min_width=24, ratio=3)
    for col in ("prec.", "95% CI", "recall", "lift", "leads", "prec.", "recall", "leads"):
        table.add_column(col, justify="right", no_wrap=True)
    return table


def print_discovery(report: DiscoveryReport, console: Console) -> None:
    """The one-question ranking, the rules, then the contract snippet."""
    s = report.split
    console.print(
        f"Trained on {s.train_leads:,} leads ({s.train_customers:,} customers, base rate "
        f"{_pct(report.base_rate)}); held out: the {s.heldout_leads:,} later leads "
        f"({s.heldout_customers:,} customers). Target: {report.target_text}.",
        highlight=False,
    )
    table = _table("The one key question", "condition")
    for q in report.one_question:
        t, h = q.train, q.heldout
        table.add_row(q.condition.describe(), _pct(t.precision), _ci(t), _pct(t.recall),
                      f"{t.lift:.1f}x", f"{t.support:,}", _pct(h.precision), _pct(h.recall),
                      f"{h.support:,}")
    console.print(table)
    rules = _table("Short rules", "rule")
    for r in report.rules:
        t, h = r.train, r.heldout
        rules.add_row(" and ".join(c.describe() for c in r.conditions),
                      _pct(t.precision), _ci(t), _pct(t.recall), f"{t.lift:.1f}x",
                      f"{t.support:,}", _pct(h.precision), _pct(h.recall), f"{h.support:,}")
    console.print(rules)
    for note in report.notes:
        console.print(f"note: {note}", highlight=False)
    console.print("\nContract snippet:\n", highlight=False)
    console.print(report.snippet, highlight=False, markup=False)


@app.command("discover")
def discover_command(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Option(help="What to maximise: fbeta (default), precision or recall.")
    ] = "fbeta",
    beta: Annotated[
        float, typer.Option(help="F-beta's beta: 2 (default) weighs recall twice; 1 is F1.")
    ] = 2.0,
    min_precision: Annotated[
        float | None, typer.Option(help="With --target recall: the precision to keep (0–1).")
    ] = None,
    min_recall: Annotated[
        float | None, typer.Option(help="With --target precision: the recall to keep (0–1).")
    ] = None,
    min_support: Annotated[
        int, typer.Option(help="The fewest matching leads a condition or rule may have.")
    ] = DEFAULT_MIN_SUPPORT,
    max_conditions: Annotated[int, typer.Option(help="Most conditions per rule (2–4).")] = 3,
    top: Annotated[int, typer.Option(help="How many rules to show.")] = 5,
    scope: Annotated[
        list[str] | None,
        typer.Option(help="Attribute scopes rules may use (repeat): firmographic (default), "
                     "persona, behaviour."),
    ] = None,
    now: Annotated[
        str | None, typer.Option(help="End of history (ISO time, UTC); default: now.")
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print JSON (documented in docs/discovery.md).")
    ] = False,
) -> None:
    """Derive MQL fit criteria from won deals: the one key question per attribute, the best short
    rules with held-out figures, and a ready contract snippet."""
    at = parse_time(now, "--now") if now else utc_now()
    report = discover(
        get_store(ctx), target=target, beta=beta,  # type: ignore[arg-type]
        min_precision=min_precision, min_recall=min_recall, min_support=min_support,
        max_conditions=max_conditions, top=top, rule_scopes=tuple(scope or ("firmographic",)),
        now=at,
    )
    if json_out:
        emit_json(report.as_json())
    else:
        print_discovery(report, Console())
