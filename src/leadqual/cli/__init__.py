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

# Importing the command modules registers their commands on `app`: every module of this package
# except the shared helpers.
def _register_commands() -> None:
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        if module.name != "common":
            importlib.import_module(f"{__name__}.{module.name}")


_register_commands()

def main() -> None:
    # Standalone mode: click reports its own usage errors (exit 2) and handles Exit/Abort; our
    # errors propagate to here and become one clear line with their exit code.
    try:
        app()
    except LeadqualError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc.message}", highlight=False)
        sys.exit(exc.exit_code)
