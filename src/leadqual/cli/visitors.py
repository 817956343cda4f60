"""CLI command: visitors — the companies seen on the website lately, for sales."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from leadqual.cli.common import app, emit_json, get_store, parse_time
from leadqual.clock import utc_now
from leadqual.services.visitors import VisitingCompany, parse_since, visitor_feed

__all__ = ["print_feed"]


def _num(x: float | None, fmt: str) -> str:
    return "" if x is None else format(x, fmt)


def print_feed(feed: list[VisitingCompany], console: Console, title: str) -> None:
    if not feed:
        console.print(f"{title}: no identified company visited in this window.")
        return
    table = Table(title=title)
    cols = (
        "company",
        "identified",
        "fit",
        "intent",
        "stage",
        "views",
        "visits",
        "looked at",
        "who",
        "last",
    )
    for col in cols:
        table.add_column(col, overflow="fold")
    for c in feed:
        looked = ", ".join(f"{k} {n}" for k, n in c.categories.items())
        pages = ", ".join(p for p, _ in c.top_pages[:3])
        who = ", ".join(
            p.email + (f" ({p.job_title})" if p.job_title else "") for p in c.people[:3]
        )
        if c.domain is None:
            company = f"{c.name} (network)"
        else:
            company = c.domain if not c.name else f"{c.name} ({c.domain})"
        identified = (
            f"{c.source} {c.confidence:.2f}" if c.source and c.confidence is not None else ""
        )
        table.add_row(
            company,
            identified,
            _num(c.fit, "g"),
            _num(c.intent, ".1f"),
            c.stage or "",
            str(c.page_views),
            str(c.visits),
            f"{looked}\n{pages}" if pages else looked,
            who,
            f"{c.last_seen:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@app.command("visitors")
def visitors_cmd(
    ctx: typer.Context,
    since: Annotated[
        str, typer.Option("--since", help="Window: 30m, 24h, 7d, 2w (default 7d).")
    ] = "7d",
    limit: Annotated[int, typer.Option("--limit", help="At most N companies.")] = 50,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="End of the window (ISO-8601); default: now.")
    ] = None,
    min_confidence: Annotated[
        float | None,
        typer.Option(
            "--min-confidence",
            help="Leave out visits identified more weakly (0-1; e.g. 0.5 drops shared or fuzzy "
            "network matches).",
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON (docs/intent.md).")] = False,
) -> None:
    """The companies identified on the website: fit, intent, what they looked at, who, when."""
    span = parse_since(since)
    now = parse_time(as_of, "--as-of") if as_of else utc_now()
    feed = visitor_feed(
        get_store(ctx), now=now, since=span, limit=limit, min_confidence=min_confidence
    )
    if json_out:
        emit_json([c.as_json() for c in feed])
    else:
        print_feed(feed, Console(), f"Companies on the website since {now - span:%Y-%m-%d %H:%M}")
