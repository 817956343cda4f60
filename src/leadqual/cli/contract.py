"""CLI commands: `leadqual contract check|apply|show|versions|starter`, and the sign-off:
`propose|approve|rollback|proposals|history`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leadqual.cli.common import app, emit_json, get_store, who_acts
from leadqual.clock import utc_now
from leadqual.contract.loader import starter_contract_text
from leadqual.contract.model import Contract
from leadqual.errors import ContractError
from leadqual.services.contracts import (
    TEAMS,
    ContractVersionInfo,
    ProposalInfo,
    apply_contract,
    approve_contract,
    check_contract,
    contract_history,
    get_contract_version,
    list_contract_versions,
    list_proposals,
    propose_contract,
    rollback_contract,
)

__all__ = ["contract_app"]

contract_app = typer.Typer(
    help="The qualification contract: check, apply, show and version it.",
    no_args_is_help=True,
)
app.add_typer(contract_app, name="contract")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
FileArgument = Annotated[Path, typer.Argument(help="The contract file (YAML).")]


def _refuse(exc: ContractError, as_json: bool) -> SystemExit:
    """Print every problem and return the exit to raise (code 2).

    SystemExit rather than typer.Exit: `leadqual.cli.main` runs click with
    ``standalone_mode=False``, where a typer.Exit's code is returned, not used as the exit code.
    """
    if as_json:
        emit_json({"ok": False, "source": exc.source, "problems": exc.problems})
    else:
        typer.echo(
            f"{exc.source}: {len(exc.problems)} problem(s); the contract was not accepted:",
            err=True,
        )
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
    return SystemExit(exc.exit_code)


def _summary(contract: Contract) -> str:
    rules = contract.stages
    return "\n".join(
        [
            f"{contract.name}: {len(contract.fit)} fit criteria (max fit {contract.max_fit:g}), "
            f"{len(contract.intent.signals)} intent signals, "
            f"{len(rules.disqualify)} disqualify rule(s)",
            f"  MQL when: {rules.mql.source}",
            f"  SQL when: {rules.sql.source}",
            f"  recycle an MQL when intent < {rules.recycle.intent_below:g} "
            f"for {rules.recycle.for_days:g} days",
            f"  sha256 {contract.sha256}",
        ]
    )


def _version_line(info: ContractVersionInfo) -> str:
    by = f" by {info.author}" if info.author else ""
    state = "active" if info.active else "inactive"
    return (
        f"version {info.version} · {info.name} · applied {info.created_at:%Y-%m-%d %H:%M}{by} "
        f"· {state}"
    )


@contract_app.command("check")
def check_cmd(file: FileArgument, as_json: JsonOption = False) -> None:
    """Validate a contract file and print every problem with its line (exit code 2 if any)."""
    try:
        contract = check_contract(file)
    except ContractError as exc:
        raise _refuse(exc, as_json) from None
    if as_json:
        emit_json({"ok": True, "source": str(file), "contract": contract.as_dict()})
    else:
        typer.echo(f"ok: {file}\n{_summary(contract)}")


@contract_app.command("apply")
def apply_cmd(
    ctx: typer.Context,
    file: FileArgument,
    author: Annotated[
        str | None, typer.Option("--author", help="Who applies it (kept with the version).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Validate a contract file and make it the active contract (a new version; applying the
    active text again changes nothing)."""
    try:
        text = check_contract(file).text
        info = apply_contract(
            get_store(ctx),
            text,
            source=str(file),
            author=author,
            now=utc_now(),
        )
    except ContractError as exc:
        raise _refuse(exc, as_json) from None
    if as_json:
        emit_json(info.as_dict())
    else:
        typer.echo(f"active contract: {_version_line(info)}")


@contract_app.command("show")
def show_cmd(
    ctx: typer.Context,
    version: Annotated[
        int | None, typer.Option("--version", help="A stored version; default: the active one.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Print a stored contract's YAML (the active one by default), after its version info."""
    info, contract = get_contract_version(get_store(ctx), version)
    if as_json:
        emit_json({**info.as_dict(), "text": contract.text, "contract": contract.as_dict()})
        return
    # The header is a YAML comment, so `show > contract.yaml` gives a file to edit and apply.
    typer.echo(f"# {_version_line(info)}\n# sha256 {info.sha256}")
    typer.echo(contract.text, nl=not contract.text.endswith("\n"))


@contract_app.command("versions")
def versions_cmd(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List every applied contract version, newest first."""
    versions = list_contract_versions(get_store(ctx))
    if as_json:
        emit_json([v.as_dict() for v in versions])
    elif not versions:
        typer.echo("no contract applied yet; run `leadqual contract apply FILE`")
    else:
        for v in versions:
            typer.echo(_version_line(v))


@contract_app.command("starter")
def starter_cmd() -> None:
    """Print the starter contract (commented YAML): `leadqual contract starter > contract.yaml`."""
    typer.echo(starter_contract_text(), nl=False)


# -- sign-off ----------------------------------------------------------------------------------

ByOption = Annotated[str | None, typer.Option("--by", help="Who (default: the login name).")]
VersionArgument = Annotated[int, typer.Argument(help="A contract version number.")]



def _proposal_line(p: ProposalInfo) -> str:
    signed = ", ".join(f"{team}: {who}" for team, who in p.approvals.items()) or "no approval yet"
    if p.activated_at is not None:
        state = f"active since {p.activated_at:%Y-%m-%d %H:%M}"
    else:
        state = "waiting for " + " and ".join(p.missing)
    return f"{p.kind} version {p.version} by {p.proposed_by} · {signed} · {state}"


@contract_app.command("propose")
def propose_cmd(
    ctx: typer.Context,
    file: FileArgument,
    by: ByOption = None,
    note: Annotated[str | None, typer.Option("--note", help="Why this change.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Store a contract as a new version waiting for the marketing and the sales approval."""
    try:
        text = check_contract(file).text
        p = propose_contract(
            get_store(ctx),
            text,
            source=str(file),
            proposed_by=who_acts(by),
            now=utc_now(),
            note=note,
        )
    except ContractError as exc:
        raise _refuse(exc, as_json) from None
    if as_json:
        emit_json(p.as_dict())
    else:
        typer.echo(_proposal_line(p))


@contract_app.command("approve")
def approve_cmd(
    ctx: typer.Context,
    version: VersionArgument,
    team: Annotated[str, typer.Option("--team", help=" or ".join(TEAMS))],
    by: ByOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sign a proposed version for your team; the second team's approval activates it."""
    p = approve_contract(get_store(ctx), version, team=team, by_user=who_acts(by), now=utc_now())
    if as_json:
        emit_json(p.as_dict())
    else:
        typer.echo(_proposal_line(p))


@contract_app.command("rollback")
def rollback_cmd(
    ctx: typer.Context,
    version: VersionArgument,
    by: ByOption = None,
    note: Annotated[str | None, typer.Option("--note", help="Why roll back.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Propose re-activating an earlier version (it needs the same two approvals)."""
    store = get_store(ctx)
    p = rollback_contract(store, version, proposed_by=who_acts(by), now=utc_now(), note=note)
    if as_json:
        emit_json(p.as_dict())
    else:
        typer.echo(_proposal_line(p))


@contract_app.command("proposals")
def proposals_cmd(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="Only those still waiting.")] = False,
    as_json: JsonOption = False,
) -> None:
    """List contract proposals and their approvals, newest first."""
    proposals = list_proposals(get_store(ctx), open_only=open_only)
    if as_json:
        emit_json([p.as_dict() for p in proposals])
    elif not proposals:
        typer.echo("no proposal")
    else:
        for p in proposals:
            typer.echo(_proposal_line(p))


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


@contract_app.command("history")
def history_cmd(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Compare versions as releases: sign-off, MQL volume, acceptance, MQL→SQL, MQL→won."""
    history = contract_history(get_store(ctx))
    if as_json:
        emit_json([v.as_dict() for v in history])
        return
    if not history:
        typer.echo("no contract yet; run `leadqual contract propose FILE`")
    for v in history:
        d = v.as_dict()
        typer.echo(_version_line(v.info))
        for p in v.proposals:
            typer.echo(f"  {_proposal_line(p)}")
        typer.echo(
            f"  MQLs {d['mqls']} · accepted {_rate(d['acceptance_rate'])} · MQL→SQL "
            f"{_rate(d['mql_to_sql'])} · MQL→won {_rate(d['mql_to_won'])} ({d['won']} won)"
        )
