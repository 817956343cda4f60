"""Webhooks on stage changes, through a transactional outbox.

1. **Write**: whoever records a stage change (qualify, accept/reject, BANT) calls
   ``write_outbox`` with the same connection, inside the same transaction. The change and its
   notification commit together or not at all: none is lost, none is invented.
2. **Fan out**: ``deliver`` turns each new outbox row into one delivery per active subscription
   that wants that event (and existed when the change happened).
3. **Deliver**: a delivery is claimed with a lease (a conditional UPDATE, atomic on SQLite and
   PostgreSQL), POSTed with httpx, then marked delivered. A failure is retried with exponential
   backoff; after ``max_attempts`` it is given up (and stays visible in the log).

A process killed after the receiver got a request but before ``delivered_at`` was committed sends
it again once the lease expires — with the same ``X-Leadqual-Event-Id``, so the receiver keeps
the first and ignores the repeat: each stage change is *processed* exactly once. A delivery marked
delivered is never sent again (at most one successful delivery per outbox row × subscription).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Connection, Table, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from leadqual.errors import InvalidInput, NotFound
from leadqual.handoff.webhooks import (
    EVENTS,
    backoff_seconds,
    body_bytes,
    signed_headers,
    slack_payload,
)
from leadqual.store.database import Store
from leadqual.store.models import Lead
from leadqual.store.tables_handoff import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookOutbox,
    WebhookSubscription,
)

__all__ = [
    "AttemptInfo",
    "DeliveryResult",
    "OutboxMove",
    "SubscriptionInfo",
    "add_subscription",
    "deliver",
    "delivery_log",
    "event_for_move",
    "list_subscriptions",
    "outbox_status",
    "remove_subscription",
    "write_outbox",
]

_OUTBOX: Table = WebhookOutbox.__table__  # type: ignore[assignment]
_DELIVERIES: Table = WebhookDelivery.__table__  # type: ignore[assignment]
_ATTEMPTS: Table = WebhookAttempt.__table__  # type: ignore[assignment]
_LEADS: Table = Lead.__table__  # type: ignore[assignment]
_FORMATS = ("json", "slack")


@dataclass(frozen=True)
class OutboxMove:
    """One stage change to announce (what ``write_outbox`` needs)."""

    lead_id: int
    event: str  # mql | sql | rejected | recycled
    from_stage: str
    to_stage: str
    at: datetime
    reason: str
    rule: str | None = None
    contract_version: int | None = None
    by_user: str | None = None


def event_for_move(from_stage: str, to_stage: str, *, rejected: bool = False) -> str | None:
    """The webhook event of a stage change, or None when it is not announced.

    >>> event_for_move("lead", "mql"), event_for_move("mql", "sal")
    ('mql', None)
    >>> event_for_move("mql", "recycled", rejected=True)
    'rejected'
    """
    if rejected:
        return "rejected"
    return to_stage if to_stage in ("mql", "sql", "recycled") else None


def write_outbox(conn: Connection, moves: Sequence[OutboxMove], *, now: datetime) -> int:
    """Append one outbox row per move, on ``conn`` — call it inside the transaction that records
    the stage changes. Returns the number of rows written."""
    if not moves:
        return 0
    keys: dict[int, str] = {}
    ids = sorted({m.lead_id for m in moves})
    for i in range(0, len(ids), 1000):
        chunk = ids[i : i + 1000]
        found = conn.execute(select(_LEADS.c.id, _LEADS.c.key).where(_LEADS.c.id.in_(chunk)))
        keys.update((row.id, row.key) for row in found)
    rows = []
    for m in moves:
        event_id = uuid.uuid4().hex
        payload = {
            "id": event_id,
            "event": m.event,
            "occurred_at": m.at.isoformat(),
            "lead": {"id": m.lead_id, "key": keys.get(m.lead_id), "stage": m.to_stage},
            "from_stage": m.from_stage,
            "to_stage": m.to_stage,
            "reason": m.reason,
            "rule": m.rule,
            "contract_version": m.contract_version,
            "by": m.by_user,
        }
        rows.append(
            {
                "event_id": event_id,
                "event": m.event,
                "lead_id": m.lead_id,
                "payload": payload,
                "created_at": now,
                "fanned_out": False,
            }
        )
    conn.execute(insert(_OUTBOX), rows)
    return len(rows)


# -- subscriptions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionInfo:
    """A subscription, without its secret."""

    id: int
    url: str
    events: list[str]
    format: str
    active: bool
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _sub_info(row: WebhookSubscription) -> SubscriptionInfo:
    return SubscriptionInfo(
        row.id, row.url, list(row.events), row.format, bool(row.active), row.created_at
    )


def add_subscription(
    store: Store,
    url: str,
    secret: str,
    *,
    now: datetime,
    events: Iterable[str] = EVENTS,
    format: str = "json",
) -> SubscriptionInfo:
    """Subscribe ``url`` to ``events`` (every event by default). ``secret`` (16+ characters)
    signs each request; ``format`` is ``json`` (our payload) or ``slack`` (``{"text": …}`` for a
    Slack incoming webhook). Only changes recorded from now on are sent to it.

    >>> add_subscription(store, "https://crm.example/hooks", "a-long-shared-secret",
    ...                  now=datetime(2026, 3, 1))  # doctest: +SKIP
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            f"webhook URL {url!r} must start with http:// or https:// and name a host",
            field="url",
        )
    if len(secret) < 16:
        raise InvalidInput(
            "the webhook secret must have at least 16 characters (e.g. from `openssl rand -hex "
            "32`); receivers use it to verify signatures",
            field="secret",
        )
    wanted = list(dict.fromkeys(events))
    unknown = [e for e in wanted if e not in EVENTS]
    if unknown or not wanted:
        raise InvalidInput(
            f"unknown webhook event(s) {', '.join(unknown) or '(none given)'}; events are "
            f"{', '.join(EVENTS)}",
            field="events",
        )
    if format not in _FORMATS:
        raise InvalidInput(
            f"unknown webhook format {format!r}; formats are {', '.join(_FORMATS)}",
            field="format",
        )
    with store.session() as s:
        row = WebhookSubscription(
            url=url, secret=secret, events=wanted, format=format, active=True, created_at=now
        )
        s.add(row)
        s.flush()
        return _sub_info(row)


def list_subscriptions(store: Store) -> list[SubscriptionInfo]:
    """Every subscription, oldest first (secrets are never returned)."""
    with store.session() as s:
        rows = s.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)).all()
        return [_sub_info(r) for r in rows]


def remove_subscription(store: Store, subscription_id: int) -> SubscriptionInfo:
    """Deactivate a subscription: nothing more is sent to it; its log stays."""
    with store.session() as s:
        row = s.get(WebhookSubscription, subscription_id)
        if row is None:
            raise NotFound(
                f"there is no webhook subscription {subscription_id}; `leadqual webhooks list` "
                "shows them",
                field="id",
            )
        row.active = False
        s.flush()
        return _sub_info(row)


# -- delivery --------------------------------------------------------------------------------


@dataclass
class DeliveryResult:
    fanned_out: int = 0
    attempted: int = 0
    delivered: int = 0
    failed: int = 0
    gave_up: int = 0
    pending: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _FanOutRaced(Exception):
    pass


def _fan_out(store: Store, now: datetime, batch: int) -> int:
    made = 0
    with store.session() as s:
        conn = s.connection()
        subs = s.scalars(select(WebhookSubscription).where(WebhookSubscription.active)).all()
        outbox = conn.execute(
            select(_OUTBOX.c.id, _OUTBOX.c.event, _OUTBOX.c.created_at)
            .where(_OUTBOX.c.fanned_out.is_(False))
            .order_by(_OUTBOX.c.id)
            .limit(batch)
        ).all()
        if not outbox:
            return 0
        rows = [
            {
                "outbox_id": o.id,
                "subscription_id": sub.id,
                "attempts": 0,
                "next_attempt_at": now,
            }
            for o in outbox
            for sub in subs
            if o.event in sub.events and sub.created_at <= o.created_at
        ]
        if rows:
            conn.execute(insert(_DELIVERIES), rows)
        done = (
            update(_OUTBOX)
            .where(_OUTBOX.c.id.in_([o.id for o in outbox]), _OUTBOX.c.fanned_out.is_(False))
            .values(fanned_out=True)
        )
        if conn.execute(done).rowcount != len(outbox):
            # Another worker fanned some of them out meanwhile: roll ours back, theirs stands.
            raise _FanOutRaced
        made = len(rows)
    return made


def _claim(store: Store, delivery_id: int, now: datetime, lease: timedelta) -> bool:
    with store.session() as s:
        claimed = s.connection().execute(
            update(_DELIVERIES)
            .where(
                _DELIVERIES.c.id == delivery_id,
                _DELIVERIES.c.delivered_at.is_(None),
                _DELIVERIES.c.gave_up_at.is_(None),
                or_(_DELIVERIES.c.locked_until.is_(None), _DELIVERIES.c.locked_until <= now),
            )
            .values(locked_until=now + lease)
        )
        return claimed.rowcount == 1


def _post(
    client: httpx.Client, sub: Any, payload: dict[str, Any], now: datetime
) -> tuple[int | None, str | None]:
    body = body_bytes(slack_payload(payload) if sub.format == "slack" else payload)
    ts = int(now.replace(tzinfo=UTC).timestamp())
    headers = signed_headers(sub.secret, payload["id"], ts, body)
    try:
        response = client.post(sub.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def deliver(
    store: Store,
    *,
    now: datetime,
    client: httpx.Client | None = None,
    batch: int = 500,
    max_attempts: int = 8,
    lease_seconds: float = 60.0,
    timeout_seconds: float = 10.0,
) -> DeliveryResult:
    """Fan out new outbox rows and send every delivery that is due at ``now`` (once each).

    Safe to run from several processes at once and to kill at any point: see the module
    docstring. ``client`` lets a caller reuse (or a test configure) the HTTP client.

    >>> deliver(store, now=datetime.now(UTC).replace(tzinfo=None))  # doctest: +SKIP
    DeliveryResult(fanned_out=2, attempted=2, delivered=2, ...)
    """
    result = DeliveryResult()
    while True:
        try:
            made = _fan_out(store, now, batch)
        except (IntegrityError, _FanOutRaced):
            break  # another worker is fanning out; the next run picks up what is left
        result.fanned_out += made
        with store.session() as s:
            left = s.scalar(
                select(func.count()).select_from(_OUTBOX).where(_OUTBOX.c.fanned_out.is_(False))
            )
        if not left:
            break
    with store.session() as s:
        due = (
            s.connection()
            .execute(
                select(_DELIVERIES.c.id)
                .where(
                    _DELIVERIES.c.delivered_at.is_(None),
                    _DELIVERIES.c.gave_up_at.is_(None),
                    _DELIVERIES.c.next_attempt_at <= now,
                    or_(_DELIVERIES.c.locked_until.is_(None), _DELIVERIES.c.locked_until <= now),
                )
                .order_by(_DELIVERIES.c.id)
            )
            .scalars()
            .all()
        )
    own = client is None
    http = httpx.Client(timeout=timeout_seconds) if client is None else client
    lease = timedelta(seconds=lease_seconds)
    try:
        for delivery_id in due:
            if not _claim(store, delivery_id, now, lease):
                continue
            with store.session() as s:
                d = s.get(WebhookDelivery, delivery_id)
                assert d is not None
                sub = s.get(WebhookSubscription, d.subscription_id)
                outbox = s.get(WebhookOutbox, d.outbox_id)
                assert sub is not None and outbox is not None
                payload, attempts = dict(outbox.payload), d.attempts
            result.attempted += 1
            status, error = _post(http, sub, payload, now)
            _record_attempt(store, delivery_id, attempts + 1, status, error, now, max_attempts)
            if error is None:
                result.delivered += 1
            else:
                result.failed += 1
                result.gave_up += attempts + 1 >= max_attempts
                result.errors.append(f"{sub.url}: {error}")
    finally:
        if own:
            http.close()
    with store.session() as s:
        result.pending = int(
            s.scalar(
                select(func.count())
                .select_from(_DELIVERIES)
                .where(_DELIVERIES.c.delivered_at.is_(None), _DELIVERIES.c.gave_up_at.is_(None))
            )
            or 0
        )
    return result


def _record_attempt(
    store: Store,
    delivery_id: int,
    attempts: int,
    status: int | None,
    error: str | None,
    now: datetime,
    max_attempts: int,
) -> None:
    with store.session() as s:
        conn = s.connection()
        conn.execute(
            insert(_ATTEMPTS).values(
                delivery_id=delivery_id, at=now, status_code=status, error=error, ok=error is None
            )
        )
        if error is None:
            values: dict[str, Any] = {"delivered_at": now, "attempts": attempts}
        else:
            values = {
                "attempts": attempts,
                "last_error": error,
                "next_attempt_at": now + timedelta(seconds=backoff_seconds(attempts)),
                "gave_up_at": now if attempts >= max_attempts else None,
            }
        conn.execute(
            update(_DELIVERIES)
            .where(_DELIVERIES.c.id == delivery_id, _DELIVERIES.c.delivered_at.is_(None))
            .values(locked_until=None, **values)
        )


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptInfo:
    at: datetime
    event_id: str
    event: str
    url: str
    status_code: int | None
    ok: bool
    error: str | None
    attempt: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def delivery_log(store: Store, *, limit: int = 50) -> list[AttemptInfo]:
    """The latest delivery attempts, newest first (the delivery log)."""
    a, d, o, sub = _ATTEMPTS, _DELIVERIES, _OUTBOX, WebhookSubscription.__table__
    earlier = _ATTEMPTS.alias("earlier")
    rank = (
        select(func.count())
        .select_from(earlier)
        .where(and_(earlier.c.delivery_id == a.c.delivery_id, earlier.c.id <= a.c.id))
        .scalar_subquery()
    )
    stmt = (
        select(a.c.at, o.c.event_id, o.c.event, sub.c.url, a.c.status_code, a.c.ok, a.c.error, rank)
        .join(d, d.c.id == a.c.delivery_id)
        .join(o, o.c.id == d.c.outbox_id)
        .join(sub, sub.c.id == d.c.subscription_id)
        .order_by(a.c.id.desc())
        .limit(limit)
    )
    with store.session() as s:
        return [AttemptInfo(*row) for row in s.connection().execute(stmt)]


def outbox_status(store: Store) -> dict[str, int]:
    """Counts: outbox rows, deliveries delivered / pending / given up, attempts."""
    d = _DELIVERIES
    with store.session() as s:

        def count(table: Table, *where: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(table).where(*where)) or 0)

        return {
            "outbox": count(_OUTBOX),
            "delivered": count(d, d.c.delivered_at.is_not(None)),
            "pending": count(d, d.c.delivered_at.is_(None), d.c.gave_up_at.is_(None)),
            "gave_up": count(d, d.c.gave_up_at.is_not(None)),
            "attempts": count(_ATTEMPTS),
        }
