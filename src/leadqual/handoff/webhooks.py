"""Webhook payloads and their signatures. Pure: bytes and a secret in, headers out.

Every request carries three headers:

- ``X-Leadqual-Event-Id``: the notification's id — the same on every retry, so a receiver that
  records the ids it has handled processes each stage change once;
- ``X-Leadqual-Timestamp``: Unix seconds when this attempt was signed;
- ``X-Leadqual-Signature``: ``v1=`` + hex HMAC-SHA256 of ``"{timestamp}.{body}"`` with the
  subscription's secret.

A receiver verifies with ``verify_signature`` (or the same four lines in any language): recompute
the HMAC over the timestamp and the raw body, compare in constant time, and refuse timestamps
older than a few minutes so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

__all__ = [
    "EVENTS",
    "EVENT_ID_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "backoff_seconds",
    "body_bytes",
    "sign",
    "signed_headers",
    "slack_payload",
    "verify_signature",
]

EVENTS = ("mql", "sql", "rejected", "recycled")
EVENT_ID_HEADER = "X-Leadqual-Event-Id"
TIMESTAMP_HEADER = "X-Leadqual-Timestamp"
SIGNATURE_HEADER = "X-Leadqual-Signature"


def body_bytes(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON with sorted keys."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value.

    >>> sign("s3cret", 1767225600, b'{"a":1}')[:15]
    'v1=7d4120fcebf4'
    """
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signed_headers(secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header of one delivery attempt."""
    return {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: str,
    signature: str,
    *,
    now: float,
    tolerance_seconds: float = 300,
) -> bool:
    """Whether a received request is authentic and fresh. Use the raw body, not re-encoded JSON.

    >>> body = b'{"event":"mql"}'
    >>> verify_signature("k", body, "1000", sign("k", 1000, body), now=1010)
    True
    >>> verify_signature("k", body, "1000", sign("k", 1000, body), now=2000)  # too old
    False
    >>> verify_signature("other", body, "1000", sign("k", 1000, body), now=1010)
    False
    """
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(now - ts) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def backoff_seconds(attempts: int, *, base: float = 30.0, cap: float = 6 * 3600) -> float:
    """The wait before the next try after ``attempts`` failed ones: doubling from ``base``.

    >>> [backoff_seconds(n) for n in (1, 2, 3)]
    [30.0, 60.0, 120.0]
    """
    return float(min(cap, base * 2 ** max(attempts - 1, 0)))


def slack_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook body (``text``) describing the same stage change.

    >>> slack_payload({"event": "mql", "lead": {"key": "a@b.co"}, "reason": "fit"})["text"]
    'leadqual: a@b.co is now an MQL — fit'
    """
    words = {
        "mql": "now an MQL",
        "sql": "now an SQL",
        "rejected": "rejected by sales",
        "recycled": "back to nurture",
    }
    lead = payload.get("lead") or {}
    what = words.get(str(payload.get("event")), str(payload.get("event")))
    text = f"leadqual: {lead.get('key')} is {what}"
    if payload.get("reason"):
        text += f" — {payload['reason']}"
    return {"text": text}
