"""CLI command: demo — the main job on the embedded default."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from leadqual.cli.backtest import print_comparison
from leadqual.cli.common import AppState, app, emit_json
from leadqual.cli.handoff import print_alignment
from leadqual.cli.qualify import print_funnel, print_leads
from leadqual.cli.score import print_scores
from leadqual.cli.serve import run_server
from leadqual.clock import utc_now
from leadqual.errors import InvalidInput
from leadqual.services.demo import DemoReport, demo_logins, run_demo
from leadqual.settings import sqlite_url
from leadqual.store.database import open_store

__all__ = ["demo_cmd"]


@app.command("demo")
def demo_cmd(
    ctx: typer.Context,
    directory: Annotated[
        Path,
        typer.Option(
            "--dir",
            help="Where the demo's store (leadqual.db) and simulated CSVs go; default: here, so "
            "`leadqual leads` and the rest work on it afterwards.",
        ),
    ] = Path("."),
    accounts: Annotated[int, typer.Option(help="Simulated accounts.", min=10)] = 1500,
    seed: Annotated[int, typer.Option(help="Simulation seed.")] = 7,
    months: Annotated[int, typer.Option(help="Months of simulated history.", min=2)] = 12,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the demo's report as JSON (docs/cli.md).")
    ] = False,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve",
            help="Then open the dashboard on the demo's store: one key per role is printed to "
            "sign in with (docs/dashboard.md); Ctrl-C stops it.",
        ),
    ] = False,
    host: Annotated[str, typer.Option("--host", help="With --serve: interface.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="With --serve: TCP port.")] = 8000,
) -> None:
    """Simulate a B2B funnel, import it, apply the starter contract, qualify month by month with
    simulated sales feedback, and print the funnel, the top 10 leads with their reasons, the
    alignment report, discovered criteria, a backtest and the scoring model."""
    if serve and not 0 < port < 65536:  # before the demo's minute of work, not after
        raise InvalidInput(f"--port {port} is not a TCP port (1–65535)", field="port")
    console = Console(stderr=as_json)
    state = ctx.find_root().obj
    assert isinstance(state, AppState)
    directory.mkdir(parents=True, exist_ok=True)
    url = state.db or os.environ.get("LEADQUAL_DATABASE_URL")
    if url is None:
        db = directory / "leadqual.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)  # the demo's own store: start afresh
        url = sqlite_url(db.resolve())
    store = open_store(url)
    now = utc_now()
    report = run_demo(
        store,
        directory / "leadqual-demo-data",
        accounts=accounts,
        seed=seed,
        months=months,
        now=now,
        step=lambda msg: console.print(f"[dim]•[/] {msg}"),
    )
    logins = demo_logins(store, now=now) if serve else {}
    store.dispose()
    if as_json:
        emit_json({"store": url, **report.as_json()})
    else:
        _print_report(report, console, url, directory, state)
    if serve:
        console.print(f"\n[bold]Dashboard[/]: http://{host}:{port}/app — sign in with a key:")
        for role, key in logins.items():
            console.print(f"  {role:<10} {key}", highlight=False)
        run_server(url, host=host, port=port)


def _print_report(
    report: DemoReport, console: Console, url: str, directory: Path, state: AppState
) -> None:
    planted = " and ".join(f"{c['field']} {c['op']} {c['value']}" for c in report.profile)
    console.print(f"\nPlanted ideal-customer profile (truth.json): [bold]{planted}[/]")
    for kind, res in report.imports.items():
        console.print(f"  imported {kind}: {res.rows_read} rows")
    assert report.contract is not None and report.funnel is not None
    console.print(f"Contract v{report.contract.version} ({report.contract.name}) active.")
    last = report.qualify_runs[-1]
    console.print(
        f"Qualified monthly ({len(report.qualify_runs)} runs); "
        f"{sum(r.changes for r in report.qualify_runs)} stage changes recorded."
    )
    print_funnel(report.funnel, console)
    print_leads(report.top, console, title=f"Top 10 leads as of {last.as_of:%Y-%m-%d}")
    fb = report.feedback
    console.print(
        f"\n[bold]Sales feedback[/] (simulated, `leadqual feedback simulate`): {fb.accepted} "
        f"accepted, {fb.rejected} rejected, BANT recorded for {fb.bant_recorded}, {fb.sql} became "
        "SQL; owners and first-touch deadlines came from the contract's `routing:` and `sla:`.",
        highlight=False,
    )
    if report.alignment is not None:
        console.print("[bold]Alignment report[/] (`leadqual report alignment`):")
        print_alignment(report.alignment, console)
    if report.discovery is not None:
        console.print("\n[bold]Discovered from the won deals[/] (`leadqual discover`):")
        console.print(report.discovery.snippet, highlight=False, markup=False)
    elif report.discovery_note:
        console.print(f"\nDiscovery: {report.discovery_note}")
    if report.comparison is not None:
        console.print("\n[bold]Backtest[/]: A = the starter contract, B = with the discovered fit")
        print_comparison(report.comparison.a, report.comparison.b, console)
    if report.training is not None:
        m = report.training.metrics
        console.print(
            f"\n[bold]Scoring model[/] v{report.training.version} (`leadqual train`): held-out "
            f"ROC AUC {m['auc']}, ECE {m['ece']} on {m['n_test']} later leads",
            highlight=False,
        )
        print_scores(report.top_scores, console)
        if report.scorecard is not None:
            console.print(
                f"Learned points (`leadqual model scorecard`, {len(report.scorecard.criteria)} "
                f"criteria): AUC {report.scorecard.scorecard_auc} vs the model's "
                f"{report.scorecard.model_auc} — what readability costs.",
                highlight=False,
            )
    elif report.training_note:
        console.print(f"\nScoring model: {report.training_note}")
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items())
    console.print(f"[dim]{timing}[/]")
    db_opt = "" if directory == Path(".") and not state.db else f"--db {url} "
    console.print(f"Store: {url}\nNext: leadqual {db_opt}leads --stage mql --top 5")
