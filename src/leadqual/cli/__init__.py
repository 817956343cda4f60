"""The `leadqual` command line: a thin adapter over the services.

Each sub-module adds its commands to ``app``; errors leadqual raises on purpose are printed as one
clear message with the error's exit code, never as a traceback.
"""

from __future__ import annotations

import sys

from rich.console import Console

from leadqual.cli.common import app
from leadqual.errors import LeadqualError

__all__ = ["app", "main"]

# Importing the command modules registers their commands on `app`.
from leadqual.cli import backtest as _backtest  # noqa: F401
from leadqual.cli import contract as _contract  # noqa: F401
from leadqual.cli import demo as _demo  # noqa: F401
from leadqual.cli import discover as _discover  # noqa: F401
from leadqual.cli import imports as _imports  # noqa: F401
from leadqual.cli import qualify as _qualify  # noqa: F401
from leadqual.cli import score as _score  # noqa: F401
from leadqual.cli import simulate as _simulate  # noqa: F401
from leadqual.cli import train as _train  # noqa: F401


def main() -> None:
    # Standalone mode: click reports its own usage errors (exit 2) and handles Exit/Abort; our
    # errors propagate to here and become one clear line with their exit code.
    try:
        app()
    except LeadqualError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc.message}", highlight=False)
        sys.exit(exc.exit_code)
