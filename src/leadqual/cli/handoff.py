"""CLI commands of the hand-off to sales: assign, sla, touch, accept, reject, bant, webhooks,
export, report alignment, feedback simulate. Thin: each calls one service."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from leadqual.cli.common import app, emit_json, get_store, parse_time, who_acts
from leadqual.clock import utc_now
from leadqual.errors import InvalidInput
from leadqual.handoff.alignment import AlignmentReport, Group
from leadqual.handoff.feedback import REASONS
from leadqual.handoff.webhooks import EVENTS
from leadqual.services.alignment import alignment
from leadqual.services.assignments import Assignment, assign, overdue
from leadqual.services.export import DEFAULT_STAGES, export_leads
from leadqual.services.feedback_sim import simulate_feedback
from leadqual.services.handoff import StageMove, accept, first_touch, record_bant, reject
from leadqual.services.webhooks import (
    add_subscription,
    deliver,
    delivery_log,
    list_subscriptions,
    outbox_status,
    remove_subscription,
)

__all__ = ["feedback_app", "print_alignment", "report_app", "webhooks_app"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
KeyArg = Annotated[str, typer.Argument(help="The lead's key: its email, or its account's domain.")]
ByOpt = Annotated[
    str | None, typer.Option("--by", help="Who records it (default: the login name).")
]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A free-text note kept with it.")]

webhooks_app = typer.Typer(
    help="Webhooks on stage changes: subscribe, deliver, log.", no_args_is_help=True
)
report_app = typer.Typer(help="Reports for marketing and sales.", no_args_is_help=True)
feedback_app = typer.Typer(
    help="Sales feedback tools (a simulation for the demo).", no_args_is_help=True
)
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(report_app, name="report")
app.add_typer(feedback_app, name="feedback")



def _move_line(m: StageMove) -> str:
    return f"{m.key}: {m.from_stage} → {m.to_stage} ({m.reason}; contract v{m.contract_version})"


def _assignment_line(a: Assignment) -> str:
    due = f"due {a.due_at:%Y-%m-%d %H:%M}" if a.due_at else "no deadline"
    late = f", {a.overdue_hours:g} working h overdue" if a.overdue_hours else ""
    return f"{a.key} · {a.stage} · {a.owner} · {due}{late}"


@app.command("assign")
def assign_cmd(
    ctx: typer.Context,
    owner: Annotated[
        list[str] | None,
        typer.Option(
            "--owner",
            help="Round-robin owner (repeat), when the contract has no `routing:` section.",
        ),
    ] = None,
    sla_hours: Annotated[
        float | None,
        typer.Option(
            "--sla-hours",
            min=0.1,
            help="First-touch deadline in working hours, when the contract has no `sla:` section.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Give every MQL without an owner a sales owner and a first-touch deadline."""
    result = assign(
        get_store(ctx), now=utc_now(), owners=owner or None, first_touch_hours=sla_hours
    )
    if as_json:
        emit_json(result.as_dict())
        return
    typer.echo(f"assigned {result.assigned} MQL(s)")
    for name, n in sorted(result.by_owner.items()):
        typer.echo(f"  {name}: {n}")


@app.command("sla")
def sla_cmd(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option("--owner", help="Only this owner's leads.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="As of this time (default: now).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List open leads past their first-touch deadline, most overdue first."""
    now = parse_time(at, "--at") if at else utc_now()
    late = overdue(get_store(ctx), now=now, owner=owner)
    if as_json:
        emit_json({"as_of": now, "overdue": [a.as_dict() for a in late]})
        return
    if not late:
        typer.echo("no lead is overdue")
    for a in late:
        typer.echo(_assignment_line(a))


@app.command("touch")
def touch_cmd(ctx: typer.Context, key: KeyArg, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """Record sales' first touch of a lead (stops its SLA clock)."""
    a = first_touch(get_store(ctx), key, by_user=who_acts(by), now=utc_now())
    if as_json:
        emit_json(a.as_dict())
    else:
        typer.echo(f"{a.key}: first touched {a.first_touch_at:%Y-%m-%d %H:%M}")


@app.command("accept")
def accept_cmd(
    ctx: typer.Context,
    key: KeyArg,
    by: ByOpt = None,
    note: NoteOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Sales accepts an MQL (→ sal)."""
    move = accept(get_store(ctx), key, by_user=who_acts(by), now=utc_now(), note=note)
    if as_json:
        emit_json(move.as_dict())
    else:
        typer.echo(_move_line(move))


@app.command("reject")
def reject_cmd(
    ctx: typer.Context,
    key: KeyArg,
    reason: Annotated[str, typer.Option("--reason", help="One of: " + ", ".join(REASONS))],
    by: ByOpt = None,
    note: NoteOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Sales rejects an MQL with a reason (→ recycled or disqualified, by the reason)."""
    move = reject(get_store(ctx), key, reason, by_user=who_acts(by), now=utc_now(), note=note)
    if as_json:
        emit_json(move.as_dict())
    else:
        typer.echo(_move_line(move))


def _yes_no(value: str | None, option: str) -> bool | None:
    if value is None:
        return None
    text = value.strip().lower()
    if text in ("yes", "y", "true", "1"):
        return True
    if text in ("no", "n", "false", "0"):
        return False
    raise InvalidInput(f"{option}: expected yes or no, got {value!r}", field=option)


@app.command("bant")
def bant_cmd(
    ctx: typer.Context,
    key: KeyArg,
    budget: Annotated[str | None, typer.Option("--budget", help="yes or no")] = None,
    authority: Annotated[str | None, typer.Option("--authority", help="yes or no")] = None,
    need: Annotated[str | None, typer.Option("--need", help="yes or no")] = None,
    timing: Annotated[str | None, typer.Option("--timing", help="yes or no")] = None,
    by: ByOpt = None,
    note: NoteOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record BANT answers; the lead becomes an SQL when the contract's SQL rule passes."""
    given = {
        "budget": _yes_no(budget, "--budget"),
        "authority": _yes_no(authority, "--authority"),
        "need": _yes_no(need, "--need"),
        "timing": _yes_no(timing, "--timing"),
    }
    answers = {k: v for k, v in given.items() if v is not None}
    if not answers:
        raise InvalidInput("give at least one of --budget, --authority, --need, --timing")
    store = get_store(ctx)
    result = record_bant(store, key, answers, by_user=who_acts(by), now=utc_now(), note=note)
    if as_json:
        emit_json(result.as_dict())
        return
    marks = ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in result.answers.items())
    typer.echo(f"{result.key}: {marks}")
    typer.echo(_move_line(result.moved) if result.moved else "  stage unchanged (SQL rule not met)")


# -- webhooks --------------------------------------------------------------------------------


@webhooks_app.command("add")
def webhooks_add_cmd(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The receiver's URL (http or https).")],
    secret: Annotated[str, typer.Option("--secret", help="Shared secret (16+ characters).")],
    event: Annotated[
        list[str] | None,
        typer.Option(
            "--event", help="Event to send (repeat); default: all of " + ", ".join(EVENTS)
        ),
    ] = None,
    slack: Annotated[
        bool, typer.Option("--slack", help='Send Slack `{"text": …}` bodies.')
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Subscribe a URL to stage-change notifications."""
    sub = add_subscription(
        get_store(ctx),
        url,
        secret,
        now=utc_now(),
        events=event or EVENTS,
        format="slack" if slack else "json",
    )
    if as_json:
        emit_json(sub.as_dict())
    else:
        typer.echo(f"subscription {sub.id}: {sub.url} ({', '.join(sub.events)}, {sub.format})")


@webhooks_app.command("list")
def webhooks_list_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List subscriptions and the outbox's counts."""
    store = get_store(ctx)
    subs, status = list_subscriptions(store), outbox_status(store)
    if as_json:
        emit_json({"subscriptions": [s.as_dict() for s in subs], "outbox": status})
        return
    for s in subs:
        state = "active" if s.active else "removed"
        typer.echo(f"{s.id}: {s.url} · {', '.join(s.events)} · {s.format} · {state}")
    typer.echo(", ".join(f"{k} {v}" for k, v in status.items()))


@webhooks_app.command("remove")
def webhooks_remove_cmd(
    ctx: typer.Context,
    subscription: Annotated[int, typer.Argument(help="Subscription id.")],
    as_json: JsonOpt = False,
) -> None:
    """Stop sending to a subscription (its delivery log stays)."""
    sub = remove_subscription(get_store(ctx), subscription)
    if as_json:
        emit_json(sub.as_dict())
    else:
        typer.echo(f"subscription {sub.id} removed")


@webhooks_app.command("deliver")
def webhooks_deliver_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Send every notification that is due (retries with backoff; safe to run from cron)."""
    result = deliver(get_store(ctx), now=utc_now())
    if as_json:
        emit_json(result.as_dict())
        return
    typer.echo(
        f"attempted {result.attempted}: delivered {result.delivered}, failed {result.failed} "
        f"(gave up {result.gave_up}); {result.pending} pending"
    )
    for error in result.errors[:10]:
        typer.echo(f"  {error}", err=True)


@webhooks_app.command("log")
def webhooks_log_cmd(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many attempts.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The delivery log: the latest attempts, newest first."""
    log = delivery_log(get_store(ctx), limit=limit)
    if as_json:
        emit_json([a.as_dict() for a in log])
        return
    for a in log:
        outcome = f"HTTP {a.status_code}" if a.status_code else a.error
        typer.echo(
            f"{a.at:%Y-%m-%d %H:%M:%S} {a.event} {a.event_id} → {a.url}: "
            f"{'ok' if a.ok else 'failed'} ({outcome}), attempt {a.attempt}"
        )


# -- export and reports ----------------------------------------------------------------------


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    crm: Annotated[str, typer.Argument(help="hubspot or salesforce")],
    out: Annotated[Path, typer.Option("-o", "--out", help="The CSV file to write.")],
    stage: Annotated[
        list[str] | None,
        typer.Option(
            "--stage", help="Stage to export (repeat); default: " + ", ".join(DEFAULT_STAGES)
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write MQLs/SQLs as a HubSpot or Salesforce import CSV (their column names)."""
    text = export_leads(get_store(ctx), crm, stages=stage or DEFAULT_STAGES)
    out.write_text(text, encoding="utf-8")
    rows = max(text.count("\r\n") - 1, 0)
    if as_json:
        emit_json({"crm": crm, "file": str(out), "rows": rows})
    else:
        typer.echo(f"wrote {rows} lead(s) to {out} ({crm} import columns)")


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _group_line(name: str, g: Group) -> str:
    top = ", ".join(f"{r} {n}" for r, n in g.reasons.most_common(3))
    return (
        f"  {name}: {g.mqls} MQLs, accepted {_rate(g.acceptance_rate)} "
        f"({g.accepted}/{g.accepted + g.rejected}), SQL {g.sql}"
        + (f"; rejected for {top}" if top else "")
    )


def print_alignment(report: AlignmentReport, console: Console | None = None) -> None:
    """The report as text, on ``console`` (default: plain lines on stdout)."""

    def say(line: str) -> None:
        if console is None:
            typer.echo(line)
        else:
            console.print(line, highlight=False, markup=False)

    o = report.overall
    say(
        f"MQLs {o.mqls}: accepted {o.accepted}, rejected {o.rejected}, undecided "
        f"{o.mqls - o.accepted - o.rejected}; acceptance {_rate(o.acceptance_rate)}; SQL {o.sql}"
    )
    say("By contract criterion:")
    for name, g in report.by_criterion.items():
        say(_group_line(name, g))
    say("By source:")
    for name, g in report.by_source.items():
        say(_group_line(name, g))
    say("Rejection reasons: " + ", ".join(f"{r} {n}" for r, n in o.reasons.most_common()))
    t = report.mql_to_sql_hours
    say(f"MQL→SQL: {t['n']} lead(s), median {t['median']} h, p90 {t['p90']} h")
    sla = report.sla
    say(
        f"SLA: {sla['touched_in_time']} in time, {sla['touched_late']} late, {sla['overdue']} "
        f"overdue; compliance {_rate(sla['compliance_rate'])}"
    )


@report_app.command("alignment")
def report_alignment_cmd(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", help="Only MQLs since this time.")] = None,
    version: Annotated[
        int | None, typer.Option("--contract-version", help="Only MQLs made by this version.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Sales acceptance of MQLs overall, per criterion and source; reasons; MQL→SQL; SLA."""
    report = alignment(
        get_store(ctx),
        now=utc_now(),
        since=parse_time(since, "--since") if since else None,
        contract_version=version,
    )
    if as_json:
        emit_json(report.as_dict())
    else:
        print_alignment(report)


@feedback_app.command("simulate")
def feedback_simulate_cmd(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="When the MQLs were handed off (default: now).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Simulation seed.")] = 7,
    as_json: JsonOpt = False,
) -> None:
    """Let simulated sales accept/reject the open MQLs and record BANT (for demos)."""
    now = utc_now()
    result = simulate_feedback(
        get_store(ctx), as_of=parse_time(as_of, "--as-of") if as_of else now, now=now, seed=seed
    )
    if as_json:
        emit_json(result.as_dict())
        return
    typer.echo(
        f"assigned {result.assigned}; accepted {result.accepted}, rejected {result.rejected}; "
        f"BANT for {result.bant_recorded}; {result.sql} became SQL"
    )
