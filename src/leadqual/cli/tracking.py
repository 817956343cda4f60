"""CLI commands: sites add / sites list (tracked websites and their keys), purge, erase."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from leadqual.cli.common import app, emit_json, get_store
from leadqual.clock import utc_now
from leadqual.services.privacy import erase, purge
from leadqual.services.tracking import add_site, check_base_url, list_sites, site_json, snippet
from leadqual.settings import load_settings

__all__ = ["sites_app"]

sites_app = typer.Typer(help="Tracked websites: their keys and allowed origins.",
                        no_args_is_help=True)
app.add_typer(sites_app, name="sites")

BaseUrl = Annotated[str, typer.Option(
    "--base-url", help="Where leadqual serves /t.js and /collect (for the snippet).")]



@sites_app.command("add")
def sites_add(
    ctx: typer.Context,
    domain: Annotated[str, typer.Argument(help="The website's domain, e.g. acme.com.")],
    origin: Annotated[list[str] | None, typer.Option(
        "--origin", help="An origin allowed to post (repeatable); default: https://DOMAIN and "
        "https://www.DOMAIN.")] = None,
    base_url: BaseUrl = "http://localhost:8000",
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Register a website: print its public key and the snippet to paste into its pages."""
    base = check_base_url(base_url)  # before registering, so a typo leaves nothing behind
    site = add_site(get_store(ctx), domain, origin, utc_now())
    if json_out:
        emit_json(site_json(site, base))
        return
    typer.echo(f"site {site.domain}: key {site.public_key}")
    typer.echo(f"allowed origins: {', '.join(site.origins)}")
    typer.echo("paste before </head> on every page:\n")
    typer.echo(snippet(site, base))


@sites_app.command("list")
def sites_list(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the tracked websites with their keys and allowed origins."""
    sites = list_sites(get_store(ctx))
    if json_out:
        emit_json([site_json(s) for s in sites])
        return
    table = Table(title="Tracked sites")
    for col in ("domain", "key", "origins"):
        table.add_column(col, overflow="fold")
    for s in sites:
        table.add_row(s.domain, s.public_key, ", ".join(s.origins))
    Console().print(table)


@app.command("purge")
def purge_cmd(
    ctx: typer.Context,
    older_than: Annotated[int | None, typer.Option(
        "--older-than", help="Days to keep; default: LEADQUAL_TRACKING_RETENTION_DAYS (395).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Remove visitor data (visitor ids, IP, user agent, referrer) older than the retention."""
    result = purge(get_store(ctx), load_settings(ctx.find_root().obj.db), now=utc_now(),
                   older_than_days=older_than)
    if json_out:
        emit_json(result.as_json())
    else:
        typer.echo(f"purged visitor data before {result.cutoff:%Y-%m-%d %H:%M}: "
                   f"{result.events} events stripped, {result.visitors} visitors deleted")


@app.command("erase")
def erase_cmd(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The person's email address.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Erase a person: their personal data gone everywhere, anonymous counts kept, logged."""
    result = erase(get_store(ctx), load_settings(ctx.find_root().obj.db), email, now=utc_now())
    if json_out:
        emit_json(result.as_json())
    else:
        typer.echo(f"erased: contact, {result.events} events stripped, {result.visitors} "
                   f"visitor links, {result.leads} leads pseudonymised, {result.deals} deals "
                   f"unlinked (logged as {result.email_hash[:16]}…)")
