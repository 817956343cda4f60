"""CLI commands: `leadqual users add|list` and `leadqual keys create|list|revoke`.

`keys create --role ROLE [--name N]` makes the user and the key in one go; `users add NAME --role
R` then `keys create --user NAME` is the same in two steps."""

from __future__ import annotations

from typing import Annotated

import typer

from leadqual.cli.common import app, emit_json, get_store
from leadqual.clock import utc_now
from leadqual.errors import InvalidInput
from leadqual.services.auth import (
    ROLES,
    ApiKeyInfo,
    add_user,
    create_key,
    create_role_key,
    list_keys,
    list_users,
)
from leadqual.services.auth import revoke_key as revoke_api_key

__all__ = ["keys_app", "users_app"]

users_app = typer.Typer(help="API users and their roles.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(keys_app, name="keys")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]



def _key_line(k: ApiKeyInfo) -> str:
    state = "active" if k.revoked_at is None else f"revoked {k.revoked_at:%Y-%m-%d %H:%M}"
    return (
        f"{k.id}\t{k.prefix}…\t{k.user} ({k.role})\tcreated {k.created_at:%Y-%m-%d %H:%M}\t{state}"
    )


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user's name (e.g. an email).")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    as_json: JsonOption = False,
) -> None:
    """Add an API user with a role."""
    user = add_user(get_store(ctx), name, role=role, now=utc_now())
    if as_json:
        emit_json(user.as_json())
    else:
        typer.echo(f"added {user.name} ({user.role}); `leadqual keys create --name {user.name}`")


@users_app.command("list")
def users_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the API users and their roles."""
    users = list_users(get_store(ctx))
    if as_json:
        emit_json([u.as_json() for u in users])
    elif not users:
        typer.echo("no users yet; `leadqual users add NAME --role ROLE`")
    else:
        for u in users:
            typer.echo(f"{u.name}\t{u.role}")


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help=f"The key's role ({', '.join(ROLES)}): the user is added with it if new; "
            "without --name, a service user ROLE-key-N is made.",
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--name",
            "--user",
            help="Whose key: an existing user (`leadqual users list`), or a new one with --role.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API key and print it once: only its hash is stored, it cannot be shown again.

    `keys create --role sales --name crm-sync` (the user is added if new), or `keys create --user
    ana` for a user added with `leadqual users add`."""
    store = get_store(ctx)
    if role is not None:
        new = create_role_key(store, role=role, name=user, now=utc_now())
    elif user is not None:
        new = create_key(store, user, now=utc_now())
    else:
        raise InvalidInput(
            "say whose key it is: `--role ROLE [--name N]`, or `--user NAME` for an existing user",
            field="role",
        )
    if as_json:
        emit_json(new.as_json())
        return
    typer.echo(new.key)
    typer.echo(
        f"key {new.info.id} for {new.info.user} ({new.info.role}); store it now, it is not "
        "shown again. Send it as `Authorization: Bearer KEY`.",
        err=True,
    )


@keys_app.command("list")
def keys_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List the API keys (id, first characters, user, role, state), never the keys themselves."""
    keys = list_keys(get_store(ctx))
    if as_json:
        emit_json([k.as_json() for k in keys])
    elif not keys:
        typer.echo("no API keys yet; `leadqual keys create --role ROLE [--name N]`")
    else:
        for k in keys:
            typer.echo(_key_line(k))


@keys_app.command("revoke")
def keys_revoke(
    ctx: typer.Context,
    key_id: Annotated[int, typer.Argument(help="The key's id (`leadqual keys list`).")],
    as_json: JsonOption = False,
) -> None:
    """Revoke an API key: requests with it are refused from now on."""
    info = revoke_api_key(get_store(ctx), key_id, now=utc_now())
    if as_json:
        emit_json(info.as_json())
    else:
        typer.echo(f"revoked: {_key_line(info)}")
