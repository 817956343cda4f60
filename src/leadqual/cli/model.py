"""CLI commands: `leadqual model scorecard` (learned integer points, exportable as a contract fit
section) and `leadqual model report` (calibration, AUC over time, drift)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.table import Table

from leadqual.cli.common import app, emit_json, get_store
from leadqual.clock import utc_now
from leadqual.ml.dataset import Target
from leadqual.ml.monitoring import psi_level
from leadqual.services.monitoring import ModelReport, model_report, write_report
from leadqual.services.scorecard import ScorecardResult, scorecard

__all__ = ["model_app"]

model_app = typer.Typer(
    help="Learned points (scorecard) and the health of the scoring model (report).",
    no_args_is_help=True,
)
app.add_typer(model_app, name="model")



def print_scorecard(result: ScorecardResult, console: Console) -> None:
    table = Table(
        title=f"Learned points ({result.card.points_to_double:g} points double the odds of "
        f"{result.target} within {result.horizon_days} days)"
    )
    for col in ("points", "criterion", "when", "share of leads"):
        table.add_column(col, justify="right" if col in ("points", "share of leads") else "left")
    for c in result.criteria:
        table.add_row(f"{c.points:+d}", c.name, c.when, f"{c.share:.1%}")
    console.print(table)
    console.print(
        f"Held-out ROC AUC on the same {result.n_test} later leads: scorecard "
        f"{result.scorecard_auc}, model (LightGBM) {result.model_auc}",
        highlight=False,
    )
    console.print(
        "\nContract fit section (paste into a contract, check with `leadqual contract check`):\n",
        highlight=False,
    )
    console.print(result.fit_yaml, markup=False, highlight=False)


@model_app.command("scorecard")
def scorecard_cmd(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Option("--target", help="What to predict: `won` (a won deal) or `sql`.")
    ] = "won",
    horizon: Annotated[
        int, typer.Option("--horizon", help="Days after the cutoff within which the target counts.")
    ] = 90,
    penalty: Annotated[
        str, typer.Option("--penalty", help="`l2` (default) or `l1` (fewer, sparser points).")
    ] = "l2",
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON (docs/scoring.md).")] = False,
) -> None:
    """Learn integer points per feature bin from the history; print the points, the scorecard's
    AUC beside the model's, and the contract fit section."""
    result = scorecard(
        get_store(ctx),
        now=utc_now(),
        target=cast(Target, target),
        horizon_days=horizon,
        penalty=penalty,
    )
    if json_out:
        emit_json(result.as_json())
    else:
        print_scorecard(result, Console(width=160))


def print_report(report: ModelReport, console: Console) -> None:
    console.print(report.title, highlight=False)
    cal = Table(title="Calibration (known outcomes, not trained on)")
    for col in ("bin", "predicted", "observed", "n"):
        cal.add_column(col, justify="right")
    for b in report.calibration:
        cal.add_row(str(b.bin), f"{b.predicted:.4f}", f"{b.observed:.4f}", str(b.n))
    console.print(cal)
    months = Table(title="AUC by month of cutoff")
    for col in ("month", "auc", "n"):
        months.add_column(col, justify="right")
    for m in report.auc_by_month:
        months.add_row(m.month, "" if m.auc is None else f"{m.auc:.4f}", str(m.n))
    console.print(months)
    drift = Table(
        title="Drift, training → now (PSI: < 0.1 stable, 0.1–0.25 moderate, > 0.25 large)"
    )
    for col in ("", "psi", "reading"):
        drift.add_column(col, justify="left" if not col else "right")
    for name, v in {"p_win": report.drift_p_win, **report.drift_features}.items():
        drift.add_row(name, f"{v:.4f}", psi_level(v))
    console.print(drift)


@model_app.command("report")
def report_cmd(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory for the PNG and the self-contained HTML report."),
    ] = None,
    model: Annotated[
        int | None, typer.Option("--model", help="Model version (default: the latest).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON (docs/scoring.md).")] = False,
) -> None:
    """Calibration, AUC over time on leads whose outcome is now known, and drift of the features
    and of p_win between training and now."""
    report = model_report(get_store(ctx), now=utc_now(), model_version=model)
    paths = write_report(report, out) if out is not None else None
    if json_out:
        emit_json(report.as_json())
        return
    console = Console()
    print_report(report, console)
    if paths:
        console.print(f"Wrote {paths['png']} and {paths['html']}", highlight=False)
