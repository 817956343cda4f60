"""What every command shares: the root app, the store option, JSON output."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

import typer

from leadqual.settings import load_settings
from leadqual.store.database import Store, open_store

__all__ = ["AppState", "app", "emit_json", "get_store", "parse_time", "who_acts"]

app = typer.Typer(
    name="leadqual",
    help="Self-hosted lead qualification: one signed MQL/SQL contract, scored with reasons.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@dataclass
class AppState:
    db: str | None = None
    _store: Store | None = field(default=None, repr=False)

    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(load_settings(self.db).database_url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.dispose()
            self._store = None


@app.callback()
def _root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Store URL (sqlite:///PATH or postgresql+psycopg://…); "
            "default: $LEADQUAL_DATABASE_URL, else ./leadqual.db.",
        ),
    ] = None,
) -> None:
    ctx.obj = AppState(db=db)


def get_store(ctx: typer.Context) -> Store:
    """The store named by --db / LEADQUAL_DATABASE_URL, opened and migrated once per command."""
    root = ctx.find_root()
    state = root.obj
    assert isinstance(state, AppState)
    if state._store is None:
        root.call_on_close(state.close)
    return state.store()


def _default(o: Any) -> Any:
    if isinstance(o, datetime | date):
        return o.isoformat()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def emit_json(payload: Any) -> None:
    """Print ``payload`` as JSON on stdout (the stable, documented machine output)."""
    typer.echo(json.dumps(payload, default=_default, indent=2, ensure_ascii=False))


def parse_time(text: str, option: str) -> datetime:
    """An ISO-8601 time from the command line, as naive UTC."""
    from datetime import UTC

    from leadqual.errors import InvalidInput

    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(
            f"{option}: {text!r} is not an ISO-8601 time (e.g. 2026-03-31 or 2026-03-31T18:00)",
            field=option,
        ) from exc
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def who_acts(by: str | None) -> str:
    """The user a command acts as: ``--by``, else the login name of whoever runs it."""
    import getpass

    return by or getpass.getuser()
