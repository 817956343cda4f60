"""CLI command: backtest a contract file on the store's history (``--vs``, ``--chart``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from leadqual.backtest.compare import COMPARED, compare_reports
from leadqual.backtest.metrics import BacktestReport
from leadqual.cli.common import app, emit_json, get_store, parse_time
from leadqual.clock import utc_now
from leadqual.contract import load_contract_file
from leadqual.errors import InvalidInput
from leadqual.services.backtest import BacktestRun, run_backtest, write_chart

__all__ = ["print_backtest", "print_comparison"]

_LABELS = {
    "mql": "MQLs",
    "sql": "SQLs (or further)",
    "won": "won MQLs",
    "precision": "precision (MQL→won)",
    "recall": "recall (customers MQL first)",
    "median_days_to_won": "median days MQL→won",
    "mql_to_sql": "MQL→SQL rate",
    "pipeline_value": "pipeline value",
    "missed": "customers missed",
    "never_bought": "MQLs that never bought",
}
_RATES = ("precision", "recall", "mql_to_sql")
_SHOWN = 10


def _fmt(key: str, value: Any, *, signed: bool = False) -> str:
    if value is None:
        return "–"
    sign = "+" if signed else ""
    if key in _RATES:
        return f"{value:{sign}.1%}"
    if key == "pipeline_value":
        return f"{value:{sign},.0f}"
    if isinstance(value, float):
        return f"{value:{sign}.1f}"
    return f"{value:{sign}d}"


def _overall_table(report: BacktestReport) -> Table:
    span = f"{report.start:%Y-%m-%d} → {report.end:%Y-%m-%d}"
    t = Table(title=f"Backtest of {report.contract}: {span}")
    t.add_column("figure")
    t.add_column("value", justify="right")
    for key in COMPARED:
        t.add_row(_LABELS[key], _fmt(key, report.overall.get(key)))
    t.add_row("customers judged", str(report.overall["customers"]))
    return t


def print_backtest(report: BacktestReport, console: Console) -> None:
    """The report for people: overall figures, months, missed customers, MQLs never bought."""
    console.print(_overall_table(report))
    months = Table(title="Per month (MQLs new at the month end, and what became of them)")
    for col in ("month", "leads", "new MQLs", "SQL", "won", "MQL→SQL", "MQL→won", "customers won"):
        months.add_column(col, justify="right")
    for m in report.months:
        months.add_row(
            m.month,
            str(m.leads),
            str(m.mql),
            str(m.sql),
            str(m.won),
            _fmt("precision", m.mql_to_sql),
            _fmt("precision", m.mql_to_won),
            str(m.customers_won),
        )
    console.print(months)
    missed = Table(title=f"Customers it would have missed ({len(report.missed)})")
    for col in ("key", "account", "won", "amount", "why"):
        missed.add_column(col, overflow="fold")
    for c in report.missed[:_SHOWN]:
        missed.add_row(c.key, c.account or "", f"{c.won_at:%Y-%m-%d}", f"{c.amount:,.0f}", c.why)
    if len(report.missed) > _SHOWN:
        missed.caption = f"… {len(report.missed) - _SHOWN} more (--json lists them all)"
    console.print(missed)
    count = report.overall["never_bought"]
    never = Table(title=f"MQLs it would have sent that never bought ({count})")
    for col in ("key", "account", "MQL on", "fit", "intent", "stage now"):
        never.add_column(col, overflow="fold")
    for n in report.never_bought[:_SHOWN]:
        never.add_row(
            n.key,
            n.account or "",
            f"{n.mql_at:%Y-%m-%d}",
            f"{n.fit:g}",
            f"{n.intent:.1f}",
            n.stage,
        )
    if count > _SHOWN:
        never.caption = f"… {count - _SHOWN} more (--json lists up to {len(report.never_bought)})"
    console.print(never)


def print_comparison(a: BacktestReport, b: BacktestReport, console: Console) -> None:
    """Two backtests side by side, with the differences (B − A) and the customers caught by
    one contract and missed by the other."""
    cmp = compare_reports(a, b)
    span = f"{a.start:%Y-%m-%d} → {a.end:%Y-%m-%d}"
    t = Table(title=f"A: {a.contract}  vs  B: {b.contract}  ({span})")
    t.add_column("figure")
    t.add_column("A", justify="right")
    t.add_column("B", justify="right")
    t.add_column("B − A", justify="right")
    for key in COMPARED:
        t.add_row(
            _LABELS[key],
            _fmt(key, a.overall.get(key)),
            _fmt(key, b.overall.get(key)),
            _fmt(key, cmp.deltas[key], signed=True),
        )
    console.print(t)
    if cmp.identical:
        console.print("No differences: both contracts make the same MQLs.")
        return
    for label, keys in (("A", cmp.caught_only_by_a), ("B", cmp.caught_only_by_b)):
        more = f", … {len(keys) - _SHOWN} more" if len(keys) > _SHOWN else ""
        shown = ", ".join(keys[:_SHOWN]) + more
        console.print(
            f"Customers caught only by {label} ({len(keys)}): {shown or '–'}", highlight=False
        )
    console.print(
        f"MQLs only under A: {cmp.mql_only_in_a}; only under B: {cmp.mql_only_in_b}",
        highlight=False,
    )


def _payload(run: BacktestRun, charts: dict[str, Path] | None) -> dict[str, Any]:
    out = run.report.as_json()
    if run.comparison is not None:
        both = run.comparison.as_json()
        out["vs"] = both["b"]
        out["differences"] = both["differences"]
    if run.tradeoff is not None:
        out["tradeoff"] = run.tradeoff.as_json()
    if charts is not None:
        out["chart"] = {kind: str(path) for kind, path in charts.items()}
    return out


@app.command("backtest")
def backtest_cmd(
    ctx: typer.Context,
    contract: Annotated[Path, typer.Argument(help="The contract file (YAML) to replay.")],
    start: Annotated[
        str | None,
        typer.Option("--from", help="First month to replay (ISO date); default: 12 months back."),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", help="Last day to replay (ISO date); default: the latest event."),
    ] = None,
    vs: Annotated[
        Path | None,
        typer.Option("--vs", help="Another contract file, replayed side by side."),
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option("--chart", help="Write the trade-off chart (PNG and HTML) into this folder."),
    ] = None,
    vary: Annotated[
        str,
        typer.Option("--vary", help="The mql rule's threshold the chart varies: fit or intent."),
    ] = "fit",
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print JSON (documented in docs/cli.md and docs/backtest.md)."),
    ] = False,
) -> None:
    """Replay history month by month under CONTRACT (nothing is written to the store) and report
    MQL volume, MQL→SQL, precision, recall, days to won, pipeline, missed customers."""
    if vary not in ("fit", "intent"):
        raise InvalidInput(f"--vary must be fit or intent (got {vary!r})", field="vary")
    now = utc_now()
    run = run_backtest(
        get_store(ctx),
        load_contract_file(contract),
        start=parse_time(start, "--from") if start else None,
        end=parse_time(end, "--to") if end else None,
        now=now,
        vs=load_contract_file(vs) if vs else None,
        vary=("intent" if vary == "intent" else "fit") if chart else None,
    )
    charts = write_chart(run.tradeoff, chart) if chart and run.tradeoff else None
    if as_json:
        emit_json(_payload(run, charts))
        return
    console = Console()
    print_backtest(run.report, console)
    if run.comparison is not None:
        print_comparison(run.report, run.comparison.b, console)
    if charts:
        console.print(f"Trade-off chart: {charts['png']} and {charts['html']}", highlight=False)
