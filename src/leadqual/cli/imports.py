"""CLI commands: ``leadqual import KIND FILE`` — a thin adapter over ``services.imports``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from leadqual.cli.common import app, emit_json, get_store
from leadqual.clock import utc_now
from leadqual.services.imports import ImportResult, import_file

__all__ = ["import_command"]


@app.command("import")
def import_command(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="What the file holds: accounts, contacts, events "
                                             "or deals (import them in that order).")],
    file: Annotated[Path, typer.Argument(help="A CSV file with a header row, or JSON lines "
                                              "(.jsonl/.ndjson).")],
    fmt: Annotated[str | None, typer.Option(
        "--format", help="canonical, hubspot or salesforce; detected from the header if omitted.")
    ] = None,
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", help="A YAML mapping file: your columns → canonical fields.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Import accounts, contacts, events or deals; all-or-nothing per file, safe to re-run."""
    store = get_store(ctx)
    result = import_file(
        store, kind, file, fmt=fmt, mapping=mapping,
        now=utc_now(),
        progress=not as_json and sys.stderr.isatty(),
    )
    if as_json:
        emit_json(result.as_dict())
    else:
        Console().print(_table(result))


def _table(result: ImportResult) -> Table:
    table = Table(title=f"imported {result.kind} from {result.path} ({result.format})",
                  show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, value in (
        ("rows read", result.rows_read), ("inserted", result.inserted),
        ("updated", result.updated),
        ("unchanged" if result.kind != "events" else "duplicates ignored", result.unchanged),
        ("leads created", result.leads_created), ("leads converted", result.leads_converted),
        ("accounts created", result.accounts_created),
        ("contacts created", result.contacts_created),
    ):
        table.add_row(label, f"{value:,}")
    if result.ignored_columns:
        table.add_row("ignored columns", ", ".join(result.ignored_columns))
    return table
