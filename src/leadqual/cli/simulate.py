"""CLI command: ``leadqual simulate`` writes a synthetic B2B funnel in the canonical format."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from leadqual.cli.common import app, emit_json
from leadqual.simulate import DEFAULT_END, simulate_to_directory

__all__ = ["simulate_command"]


@app.command("simulate")
def simulate_command(
    out: Annotated[
        Path, typer.Option("--out", help="Directory to write the CSV files and truth.json into.")
    ],
    accounts: Annotated[int, typer.Option("--accounts", help="Number of accounts.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same files.")] = 0,
    months: Annotated[int, typer.Option("--months", help="Months of history.")] = 12,
    end: Annotated[
        datetime | None,
        typer.Option(
            "--end",
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
            help=f"End of the window, naive UTC (default {DEFAULT_END.date().isoformat()}).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Write a realistic synthetic B2B funnel (accounts, contacts, events, deals) with a
    planted ideal-customer profile and its truth.json, ready for `leadqual import`."""
    summary = simulate_to_directory(
        out, accounts, seed, months=months, end=end if end is not None else DEFAULT_END
    )
    if as_json:
        emit_json(summary.as_dict())
        return
    s = summary
    typer.echo(f"Simulated funnel (seed {s.seed}), {s.start:%Y-%m-%d} to {s.end:%Y-%m-%d}:")
    typer.echo(f"  accounts  {s.accounts:>9,}  ({s.icp_accounts:,} match the planted profile)")
    typer.echo(f"  contacts  {s.contacts:>9,}")
    typer.echo(
        f"  leads     {s.leads:>9,}  ({s.person_leads:,} people, "
        f"{s.account_leads:,} companies seen only as visits)"
    )
    typer.echo(f"  events    {s.events:>9,}")
    typer.echo(f"  deals     won {s.deals_won:,}, lost {s.deals_lost:,}, open {s.deals_open:,}")
    typer.echo(f"  profile   {s.profile_text}")
    typer.echo(f"Files in {out}: " + ", ".join(Path(p).name for p in s.files.values()))
