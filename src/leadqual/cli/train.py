"""CLI command: train — fit the scoring model on the store's history and store it."""

from __future__ import annotations

from typing import Annotated, cast

import typer
from rich.console import Console
from rich.table import Table

from leadqual.cli.common import app, emit_json, get_store, parse_time
from leadqual.clock import utc_now
from leadqual.ml.dataset import Target
from leadqual.services.training import TrainResult, train

__all__ = ["print_training"]


def print_training(result: TrainResult, console: Console) -> None:
    console.print(
        f"Model v{result.version}: P({result.target} within {result.horizon_days} days), "
        f"trained on cutoffs {result.window['from'][:10]} – {result.window['to'][:10]}, "
        f"tested on {result.window['test_from'][:10]} – {result.window['test_to'][:10]}",
        highlight=False,
    )
    table = Table(title="Held-out metrics (later leads)")
    for col in ("model", "auc", "log_loss", "ece", "n_train", "n_test"):
        table.add_column(col, justify="right" if col != "model" else "left")
    for name, m in (
        ("LightGBM, calibrated", result.metrics),
        ("logistic baseline", result.baseline),
    ):
        table.add_row(name, *(str(m[k]) for k in ("auc", "log_loss", "ece", "n_train", "n_test")))
    console.print(table)


@app.command("train")
def train_cmd(
    ctx: typer.Context,
    target: Annotated[
        str, typer.Option("--target", help="What to predict: `won` (a won deal) or `sql`.")
    ] = "won",
    horizon: Annotated[
        int, typer.Option("--horizon", help="Days after the cutoff within which the target counts.")
    ] = 90,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="One cutoff for every lead (ISO-8601 date); default: each lead's creation + 30 "
            "days.",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON (docs/scoring.md).")] = False,
) -> None:
    """Train the lead-scoring model (LightGBM, calibrated, with a logistic baseline) and store it
    as a new version."""
    now = utc_now()
    cutoff = parse_time(as_of, "--as-of") if as_of is not None else None
    result = train(
        get_store(ctx),
        target=cast(Target, target),
        horizon_days=horizon,
        as_of=cutoff,
        now=now,
    )
    if json_out:
        emit_json(result.as_json())
    else:
        print_training(result, Console())
