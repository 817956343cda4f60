"""CLI commands: ``leadqual ipdata add|list`` (load IP data) and ``leadqual identify IP...``
(explain who is behind addresses) — thin adapters over ``services.ipdata``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from leadqual.cli.common import app, emit_json, get_store
from leadqual.clock import utc_now
from leadqual.services.ipdata import DatasetInfo, add_files, identify, list_datasets

__all__ = ["identify_command", "ipdata_app"]

ipdata_app = typer.Typer(
    help="IP data for identifying the companies behind visits: MaxMind-format databases, "
    "ip2asn ranges, prefix → ASN tables, hosting ranges, your own CIDR list.",
    no_args_is_help=True,
)
app.add_typer(ipdata_app, name="ipdata")


def _datasets_table(rows: list[DatasetInfo], title: str) -> Table:
    table = Table(title=title)
    for col in ("file", "kind", "format", "rows", "ranges", "loaded", "status"):
        table.add_column(
            col, justify="right" if col in ("rows", "ranges") else "left", no_wrap=col == "file"
        )
    for r in rows:
        table.add_row(
            r.name,
            r.kind,
            r.format,
            f"{r.rows:,}",
            f"{r.ranges:,}",
            r.loaded_at.strftime("%Y-%m-%d %H:%M"),
            r.status,
        )
    return table


@ipdata_app.command("add")
def add_command(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="IP data files (format detected): .mmdb, ip2asn TSV, prefix → ASN table (.dat, "
            ".dat.gz) and its ASN names JSON, hosting ranges CSV, your own cidr,domain CSV."
        ),
    ],
    asn_names: Annotated[
        Path | None,
        typer.Option(
            "--asn-names", help="The ASN → names file (asnames.json.gz) for a prefix → ASN table."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the datasets as JSON.")] = False,
) -> None:
    """Load IP data into the store; all-or-nothing, and re-adding a file changes nothing."""
    results = add_files(
        get_store(ctx), files, asn_names=asn_names, now=utc_now()
    )
    if as_json:
        emit_json([r.as_dict() for r in results])
    else:
        Console().print(_datasets_table(results, "IP data added"))


@ipdata_app.command("list")
def list_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the datasets as JSON.")] = False,
) -> None:
    """List the loaded IP data files."""
    rows = list_datasets(get_store(ctx))
    if as_json:
        emit_json([r.as_dict() for r in rows])
    elif not rows:
        Console().print("no IP data loaded: add some with `leadqual ipdata add FILE...`")
    else:
        Console().print(_datasets_table(rows, "IP data loaded"))


@app.command("identify")
def identify_command(
    ctx: typer.Context,
    ips: Annotated[list[str], typer.Argument(help="IPv4 or IPv6 addresses.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the lookups as JSON.")] = False,
) -> None:
    """Explain who is behind each address: organisation, domain, ASN, kind, reason, source and
    confidence."""
    found = identify(get_store(ctx), ips)
    if as_json:
        emit_json([vars(f) for f in found])
        return
    table = Table(title="IP identification")
    for col in ("ip", "organisation", "domain", "asn", "kind", "confidence", "source", "reason"):
        table.add_column(col, justify="right" if col in ("asn", "confidence") else "left")
    for f in found:
        table.add_row(
            f.ip,
            f.org or "-",
            f.domain or "-",
            f"AS{f.asn}" if f.asn else "-",
            f.kind,
            f"{f.confidence:.2f}",
            f.source or "-",
            f.reason,
        )
    Console(width=200).print(table)
