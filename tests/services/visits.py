"""Website visits written through the real collector (``tracking.collector.Collector``) with a
real resolver over small IP data files: the fixture of the visitor-feed and privacy tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leadqual.identify.ipformats import parse_file
from leadqual.identify.resolve import IpResolver, LoadedData
from leadqual.settings import Settings
from leadqual.store.database import Store
from leadqual.tracking.collector import Collector, Outcome
from leadqual.tracking.payload import parse_payload

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari"
ACME_IP = "203.0.113.9"  # in the own CIDR list → acme.com
NORTHWIND_IP = "5.10.1.2"  # a company's own network, no domain (AS64500)
WEAK_IP = "5.20.1.2"  # a shared-looking network name (confidence 0.3)
CABLE_IP = "6.20.1.2"  # an ISP
CLOUD_IP = "7.30.1.2"  # a hosting range


def resolver(tmp: Path) -> IpResolver:
    own = tmp / "own.csv"
    own.write_text("cidr,domain,company\n203.0.113.0/24,acme.com,Acme\n", encoding="utf-8")
    nets = tmp / "ip2asn.tsv"
    nets.write_text(
        "5.10.0.0\t5.10.255.255\t64500\tGB\tNORTHWIND - Northwind Traders Ltd, GB\n"
        "5.20.0.0\t5.20.255.255\t64502\tGB\tTAILSPIN - Tailspin Group Holding, GB\n"
        "6.20.0.0\t6.20.255.255\t64501\tUS\tBIGCABLE - Big Cable Broadband, US\n",
        encoding="utf-8",
    )
    hosting = tmp / "hosting.csv"
    hosting.write_text("7.30.0.0,7.30.255.255,Example Cloud,http://cloud.example\n")
    return IpResolver([LoadedData(p.name, p.name, parse_file(p)) for p in (own, hosting, nets)])


def collector(store: Store, tmp: Path, settings: Settings | None = None) -> Collector:
    return Collector(store, settings or Settings(), key="test-key", resolver=resolver(tmp))


def page(path: str, at: datetime, visitor: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "page_view",
        "ts": at.replace(tzinfo=UTC).timestamp(),
        "url": f"https://oursite.example{path}",
        "visitor": visitor,
        **extra,
    }


def form(at: datetime, visitor: str, email: str, kind: str = "demo_request") -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "form_submit",
        "ts": at.replace(tzinfo=UTC).timestamp(),
        "url": "https://oursite.example/demo?utm_source=mail",
        "visitor": visitor,
        "form": {"kind": kind, "email": email},
    }


def send(c: Collector, ip: str, events: Sequence[dict[str, Any]], now: datetime) -> Outcome:
    """One /collect request from ``ip`` received at ``now`` (naive UTC)."""
    body = json.dumps({"site": "site-key", "events": list(events)}).encode()
    prepared = c.prepare(parse_payload(body), 1, ip, UA, now.replace(tzinfo=UTC).timestamp())
    (outcome,) = c.write([prepared])
    return outcome
