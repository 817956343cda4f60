"""CLI commands: qualify, leads, funnel."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from leadqual.cli.common import app, emit_json, get_store, parse_time
from leadqual.clock import utc_now
from leadqual.services.leads import Funnel, LeadView, funnel, list_leads
from leadqual.services.qualify import QualifyResult, qualify

__all__ = ["print_funnel", "print_leads", "print_qualify"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (documented in docs/cli.md).")]


def print_qualify(result: QualifyResult, console: Console) -> None:
    console.print(
        f"Qualified as of {result.as_of:%Y-%m-%d %H:%M} under contract "
        f"v{result.contract_version}: {result.changes} stage change(s)"
    )
    for move, n in result.moves.items():
        console.print(f"  {move}: {n}")
    console.print(
        "  now: " + ", ".join(f"{s} {n}" for s, n in result.counts.items() if n), highlight=False
    )


def _short(reasons: list[str], keep: int = 6) -> str:
    more = len(reasons) - keep
    return "; ".join(reasons[:keep]) + (f"; … {more} more (--json)" if more > 0 else "")


def print_leads(leads: list[LeadView], console: Console, title: str = "Leads") -> None:
    table = Table(title=title)
    for col in ("key", "stage", "fit", "intent", "reasons"):
        table.add_column(col, overflow="fold")
    for lead in leads:
        table.add_row(
            lead.key,
            lead.stage,
            "" if lead.fit is None else f"{lead.fit:g}",
            "" if lead.intent is None else f"{lead.intent:.1f}",
            _short(lead.reasons),
        )
    console.print(table)


def print_funnel(f: Funnel, console: Console) -> None:
    table = Table(title="Funnel")
    table.add_column("stage")
    table.add_column("leads", justify="right")
    table.add_column("conversion", justify="right")

    def pct(x: float | None) -> str:
        return "" if x is None else f"{x:.1%}"

    table.add_row("leads", str(f.leads), "")
    table.add_row("MQL (ever)", str(f.reached["mql"]), pct(f.conversion["lead→mql"]) + " of leads")
    table.add_row("SQL (ever)", str(f.reached["sql"]), pct(f.conversion["mql→sql"]) + " of MQLs")
    table.add_row(
        "won (customers)",
        str(f.reached["won"]),
        f"{pct(f.conversion['mql→won'])} of MQLs; {pct(f.conversion['won_that_were_mql'])} "
        "were MQL first",
    )
    console.print(table)


@app.command("qualify")
def qualify_cmd(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Evaluate as of this time (ISO-8601, UTC); default: now."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Evaluate every lead against the active contract and record the stage changes."""
    now = utc_now()
    when = parse_time(as_of, "--as-of") if as_of else now
    result = qualify(get_store(ctx), as_of=when, now=now)
    if as_json:
        emit_json(result.as_json())
    else:
        print_qualify(result, Console())


@app.command("leads")
def leads_cmd(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option("--stage", help="Only leads in this stage.")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Only the best N leads.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List leads, best first (fit + intent), with the reasons for their scores."""
    leads = list_leads(get_store(ctx), stage=stage, top=top)
    if as_json:
        emit_json([lead.as_json() for lead in leads])
    else:
        print_leads(leads, Console())


@app.command("funnel")
def funnel_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The funnel: leads, MQL, SQL, won, and the conversion between them."""
    f = funnel(get_store(ctx))
    if as_json:
        emit_json(f.as_json())
    else:
        print_funnel(f, Console())
