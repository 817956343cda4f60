"""CLI command: score — every lead's probability with its top reasons, stored and shown."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from leadqual.cli.common import app, emit_json, get_store
from leadqual.clock import utc_now
from leadqual.services.scoring import ScoreView, list_scores, score

__all__ = ["print_scores"]


def print_scores(views: list[ScoreView], console: Console) -> None:
    table = Table(title="Scores (reasons: contributions to the log-odds)")
    for col in ("key", "p_win", "reasons"):
        table.add_column(col, overflow="fold")
    for v in views:
        table.add_row(v.key, f"{v.p_win:.3f}", "; ".join(r["text"] for r in v.reasons))
    console.print(table)


@app.command("score")
def score_cmd(
    ctx: typer.Context,
    model: Annotated[
        int | None, typer.Option("--model", help="Model version to use; default: the latest.")
    ] = None,
    top: Annotated[int | None, typer.Option("--top", help="Show only the N best leads.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON (docs/scoring.md).")] = False,
) -> None:
    """Score every lead with a trained model (p_win plus the top reasons) and store the scores."""
    store = get_store(ctx)
    score(store, model_version=model, now=utc_now())
    views = list_scores(store, top=top)
    if json_out:
        emit_json([v.as_json() for v in views])
    else:
        print_scores(views, Console())
