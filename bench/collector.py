"""The collector under load (issue 5): one uvicorn worker serving the real app — by default the
collector-only app of ``leadqual serve --collector`` (``leadqual.api.app:create_collector_app``),
with ``--app full`` the whole API and dashboard (``create_app``) — on a fresh SQLite store with a
registered site and the shared IP data loaded, driven from a separate client process over
loopback (keep-alive, 64 concurrent connections, each phase bounded in time and in count). The
load generator is a minimal asyncio HTTP/1.1 client: httpx costs ~0.8 ms of client CPU per request
here, which caps it near the worker's own rate, so it would measure the client (``--client
httpx`` runs it anyway).

Phases, all against the same worker in one run:

- **ceiling** — the app's cheapest routes: the CORS preflight ``OPTIONS /collect`` (answered by
  the same bare ASGI app as ``POST /collect``, under Starlette's router) and ``GET /health`` (an
  empty async Starlette endpoint in the collector app, a sync FastAPI route in the full one); the
  faster is the ceiling;
- **single** — one event per ``POST /collect`` (validation, bot filter, identification of the
  visitor's ``X-Forwarded-For`` address, dedup by event id and the SQLite commit included);
- **batch** — 100 events per ``POST /collect``.

With ``--breakdown``, two more workers (one after the other, each with its own preflight as its
ceiling) serve ``/collect`` with parts taken away (``bench/collector_parts.py``): HTTP only (the
body read and a reply sent) and everything but the store (validation, bot filter, guard) — where
a single event's time goes.

Afterwards a sample of events is sent again with the same ids, and the store must hold exactly
the events acknowledged (nothing lost, nothing twice). The worker's RSS is sampled throughout.
The worker's and the client's CPU use per phase are printed: a phase where the worker is well
under 100 % was bound by something else (the client, or other jobs on a shared machine).

    python -m bench.collector [--quick] [--app collector|full] [--seconds S] [--connections N]
                              [--breakdown]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.report import emit

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ip-to-asn-org"
IP_FILES = (DATA / "ipasn_20140513.dat.gz", DATA / "asnames.json.gz")
ORIGIN = "https://www.bench.example"
UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)
PATHS = ("/", "/pricing", "/product/tour", "/docs/getting-started", "/blog/why-intent", "/careers")
BATCH = 100
VIEWS_PER_VISITOR = 4
RSS_GOAL_MB = 200.0
SEED = 5


# -------------------------------------------------------------------- the client (its own process)
def _event(phase: str, worker: int, i: int, now: float) -> dict[str, Any]:
    path = PATHS[i % len(PATHS)]
    return {
        "id": f"{phase}-{worker}-{i:010d}",
        "type": "page_view",
        "ts": now - (i % VIEWS_PER_VISITOR) * 20,
        "url": f"https://www.bench.example{path}?utm_source=bench",
        "referrer": "https://www.google.com/",
        "title": f"Bench page {path}",
        "visitor": f"{phase}v{worker}-{i // VIEWS_PER_VISITOR}",
        "dwell_ms": 1000 + i % 50_000,
    }


def _ip(worker: int, visitor: int) -> str:
    """A public-looking address per visitor (spread over the IPv4 space, stable per visitor)."""
    x = (visitor * 2_654_435_761 + worker * 40_503) % (2**32)
    a = 1 + (x >> 24) % 222  # 1…222: mostly public unicast
    return f"{a}.{(x >> 16) & 255}.{(x >> 8) & 255}.{x & 255}"


@dataclass
class LoadResult:
    requests: int = 0
    ok: int = 0
    events: int = 0  # events in acknowledged requests
    stored: int = 0  # as the replies tell
    dropped: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    client_cpu: float = 0.0


class _Connection:
    """A minimal HTTP/1.1 keep-alive client connection: one request at a time, the reply read by
    its Content-Length. A load generator that costs far less CPU per request than httpx, so the
    worker, not the client, is what a phase measures (``--client httpx`` uses httpx instead)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> _Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length) if length else b""

    def close(self) -> None:
        self.writer.close()


class _HttpxConnection:
    """The same interface over a shared ``httpx.AsyncClient`` (keep-alive pool)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        resp = await self.client.request(method, path, headers=headers, content=body or None)
        return resp.status_code, resp.content

    def close(self) -> None:
        pass


async def _drive(
    url: str,
    key: str,
    kind: str,
    connections: int,
    seconds: float,
    max_requests: int,
    first: int,
    client_kind: str,
) -> LoadResult:
    import httpx

    result = LoadResult()
    host, port = url.removeprefix("http://").split(":")
    headers = {"Content-Type": "application/json", "User-Agent": UA, "Origin": ORIGIN}
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0) as pool:
        conns: list[Any] = (
            [await _Connection.open(host, int(port)) for _ in range(connections)]
            if client_kind == "raw"
            else [_HttpxConnection(pool)] * connections
        )
        deadline = time.perf_counter() + seconds
        budget = [max_requests]

        async def worker(w: int) -> None:
            conn = conns[w]
            i = first
            while budget[0] > 0 and time.perf_counter() < deadline:
                budget[0] -= 1
                n = 0
                if kind == "preflight":
                    status, body = await conn.request("OPTIONS", "/collect", preflight)
                elif kind == "health":
                    status, body = await conn.request("GET", "/health", {})
                else:
                    n = 1 if kind.startswith("single") else BATCH
                    now = time.time()
                    events = [_event(kind, w, i + j, now) for j in range(n)]
                    payload = json.dumps({"site": key, "sent_at": now, "events": events})
                    fwd = _ip(w, i // VIEWS_PER_VISITOR)
                    status, body = await conn.request(
                        "POST", "/collect", {**headers, "X-Forwarded-For": fwd}, payload.encode()
                    )
                    i += n
                result.requests += 1
                if status in (200, 204):
                    result.ok += 1
                    result.events += n
                    if n:
                        reply = json.loads(body)
                        result.stored += reply["stored"]
                        for reason, count in reply["dropped"].items():
                            result.dropped[reason] = result.dropped.get(reason, 0) + count
                else:
                    code = f"{status} {body[:80]!r}"
                    result.errors[code] = result.errors.get(code, 0) + 1

        cpu, t = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(connections)))
        result.seconds = time.perf_counter() - t
        result.client_cpu = time.process_time() - cpu
        for conn in conns:
            conn.close()
    return result


def _client(queue: Any, *args: Any) -> None:
    queue.put(asyncio.run(_drive(*args)))


def run_client(
    url: str,
    key: str,
    kind: str,
    connections: int,
    seconds: float,
    max_requests: int,
    first: int = 0,
    client: str = "raw",
) -> LoadResult:
    """One load phase from a fresh client process."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(
        target=_client,
        args=(queue, url, key, kind, connections, seconds, max_requests, first, client),
    )
    proc.start()
    result: LoadResult = queue.get()
    proc.join()
    return result


# -------------------------------------------------------------------- the server and its store
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_store(db: Path, *, ip_data: bool) -> str:
    """A migrated store with one site (its public key returned) and, if asked, the IP data."""
    from leadqual.services.ipdata import add_files
    from leadqual.services.tracking import add_site
    from leadqual.settings import sqlite_url
    from leadqual.store.database import open_store

    store = open_store(sqlite_url(db))
    now = datetime.now(UTC).replace(tzinfo=None)
    site = add_site(store, "bench.example", None, now)
    if ip_data:
        add_files(store, list(IP_FILES), now=now)
    store.dispose()
    return site.public_key


APP_FACTORIES = {
    "collector": "leadqual.api.app:create_collector_app",
    "full": "leadqual.api.app:create_app",
}
# --breakdown: the collector app with a part of /collect taken away (bench/collector_parts.py).
PART_FACTORIES = {
    "drain": "bench.collector_parts:drain_app",
    "unstored": "bench.collector_parts:unstored_app",
}
PART_LABELS = {
    "drain": "HTTP only: the body read, a reply sent",
    "unstored": "+ validation, bot filter, guard",
    "single": "+ identification, dedup, store",
}


def start_server(db: Path, port: int, app: str = "collector") -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LEADQUAL_DATABASE_URL": f"sqlite:///{db}",
        "LEADQUAL_TRACKING_TRUST_FORWARDED": "true",
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        APP_FACTORIES.get(app) or PART_FACTORIES[app],
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=Path(__file__).resolve().parents[1])
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the collector worker exited with code {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("the collector worker did not answer /health within 60 s")


class RssSampler(threading.Thread):
    """The worker's RSS every ``every`` seconds, and its CPU time, tagged by phase."""

    def __init__(self, pid: int, every: float = 0.25) -> None:
        import psutil

        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.every = every
        self.samples: list[tuple[float, str, float]] = []  # (t, phase, MB)
        self.phase = "start"
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            try:
                mb = self.proc.memory_info().rss / 2**20
            except Exception:  # the worker is gone: sampling ends with it
                return
            if mb <= 0:  # exiting
                return
            self.samples.append((time.monotonic(), self.phase, mb))
            self._done.wait(self.every)

    def cpu(self) -> float:
        t = self.proc.cpu_times()
        return float(t.user + t.system)

    def stop(self) -> None:
        self._done.set()
        self.join()


def stored_events(db: Path) -> tuple[int, int]:
    """(rows, distinct event ids) of tracker events in the store."""
    import sqlite3

    con = sqlite3.connect(db)
    try:
        rows, distinct = con.execute(
            "SELECT count(*), count(DISTINCT event_id) FROM events WHERE source = 'tracker'"
        ).fetchone()
    finally:
        con.close()
    return int(rows), int(distinct)


def run_part(part: str, args: argparse.Namespace, ip_data: bool) -> tuple[float, float]:
    """(preflight req/s, single-event req/s) of a worker serving the ``part`` app."""
    with tempfile.TemporaryDirectory(prefix="leadqual-collector-part-") as tmp:
        db = Path(tmp) / "bench.db"
        key = prepare_store(db, ip_data=ip_data)
        port = free_port()
        server = start_server(db, port, part)
        url = f"http://127.0.0.1:{port}"
        try:
            run_client(url, key, "single-warm", args.connections,
                       min(2.0, args.breakdown_seconds), args.max_requests, 0, args.client)
            rates = []
            for kind, seconds in (("preflight", args.ceiling_seconds),
                                  ("single", args.breakdown_seconds)):
                r = run_client(url, key, kind, args.connections, seconds, args.max_requests, 0,
                               args.client)
                if r.errors:
                    raise SystemExit(f"bench.collector --breakdown {part}: errors {r.errors}")
                rates.append(r.ok / r.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return rates[0], rates[1]


def breakdown(args: argparse.Namespace, ip_data: bool, full: tuple[float, float]
              ) -> dict[str, Any]:
    """Where a single event's time goes: each part on a worker of its own, against that
    worker's preflight (the same machine state, minutes apart)."""
    parts = {part: run_part(part, args, ip_data) for part in PART_FACTORIES}
    parts["single"] = full
    print("where a single event's time goes (each a worker of its own, 1 event a request):")
    print(f"  {'':40}{'req/s':>9}{'µs/req':>8}{'/ preflight':>13}")
    for part, (ceiling, rate) in parts.items():
        print(f"  {PART_LABELS[part]:40}{rate:9,.0f}{1e6 / rate:8.0f}{rate / ceiling:13.2f}")
    return {part: round(rate / ceiling, 3) for part, (ceiling, rate) in parts.items()}


# -------------------------------------------------------------------- the run
def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10 s of single events")
    parser.add_argument("--seconds", type=float, default=60.0, help="single-event phase")
    parser.add_argument("--ceiling-seconds", type=float, default=10.0)
    parser.add_argument("--batch-seconds", type=float, default=20.0)
    # A collector's load is many browsers, each sending now and then, over connections a load
    # balancer keeps open: 64 at once. (With 8 a group commits at most 8 requests, and the
    # per-transaction cost shows: run --connections 8 to see it.)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--max-requests", type=int, default=2_000_000, help="per phase")
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="load generator: a minimal asyncio HTTP/1.1 client, or httpx",
    )
    parser.add_argument(
        "--app",
        choices=tuple(APP_FACTORIES),
        default="collector",
        help="the collector-only app (leadqual serve --collector) or the full API and dashboard",
    )
    parser.add_argument("--no-ip-data", action="store_true", help="skip identification data")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also serve /collect without its store, and with its HTTP only (a worker each)",
    )
    parser.add_argument("--breakdown-seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.ceiling_seconds, args.batch_seconds = 10.0, 4.0, 8.0
        args.breakdown_seconds = 6.0
    ip_data = not args.no_ip_data and all(p.exists() for p in IP_FILES)
    if not args.no_ip_data and not ip_data:
        print(f"bench.collector: {DATA} is missing: running without identification data")
    print(f"bench.collector: app {args.app} ({APP_FACTORIES[args.app]})")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="leadqual-collector-") as tmp:
        db = Path(tmp) / "bench.db"
        key = prepare_store(db, ip_data=ip_data)
        port = free_port()
        server = start_server(db, port, args.app)
        url = f"http://127.0.0.1:{port}"
        sampler = RssSampler(server.pid)
        sampler.start()
        results: dict[str, LoadResult] = {}
        worker_cpu: dict[str, float] = {}
        try:
            # Warm up: the first /collect loads the bot list, the resolver and the site cache.
            results["warmup"] = run_client(url, key, "single-warm", 2, 2.0, 200, 0, args.client)
            plan = (
                ("preflight", args.ceiling_seconds),
                ("health", args.ceiling_seconds),
                ("single", args.seconds),
                ("batch", args.batch_seconds),
            )
            for kind, seconds in plan:
                sampler.phase = kind
                cpu = sampler.cpu()
                results[kind] = run_client(
                    url, key, kind, args.connections, seconds, args.max_requests, 0, args.client
                )
                worker_cpu[kind] = (sampler.cpu() - cpu) / results[kind].seconds
            # Retries: the first single events again, same ids — stored once.
            sampler.phase = "retry"
            results["retry"] = run_client(
                url,
                key,
                "single",
                args.connections,
                30.0,
                min(500, results["single"].ok // (2 * args.connections)),
                0,
                args.client,
            )
        finally:
            sampler.stop()
            server.terminate()
            server.wait(timeout=30)
        rows, distinct = stored_events(db)

    sent = sum(r.events for k, r in results.items() if k != "retry")
    failed = {k: r.errors for k, r in results.items() if r.errors}
    dropped = {k: r.dropped for k, r in results.items() if r.dropped}
    lost_or_twice = rows != sent or distinct != rows
    print(
        f"events acknowledged {sent:,} (+{results['retry'].events:,} re-sent with the same ids); "
        f"stored {rows:,} rows, {distinct:,} distinct ids"
        + ("" if not lost_or_twice else "  ← MISMATCH")
    )
    if failed or dropped:
        print(f"errors: {failed}  dropped: {dropped}")

    def rate(kind: str, events: bool) -> float:
        r = results[kind]
        return (r.events if events else r.ok) / r.seconds

    ceiling_kind = max(("preflight", "health"), key=lambda k: rate(k, False))
    ceiling = rate(ceiling_kind, False)
    single, batch = rate("single", True), rate("batch", True)
    print(f"{'phase':34}{'req/s':>10}{'events/s':>11}{'worker CPU':>12}{'client CPU':>12}")
    for kind, label in (
        ("preflight", "OPTIONS /collect (CORS preflight)"),
        ("health", "GET /health"),
        ("single", "POST /collect, 1 event"),
        ("batch", f"POST /collect, {BATCH} events"),
    ):
        r = results[kind]
        print(
            f"{label:34}{r.ok / r.seconds:10,.0f}{r.events / r.seconds:11,.0f}"
            f"{worker_cpu[kind]:11.0%}{r.client_cpu / r.seconds:11.0%}"
        )
    print(f"single events / ceiling ({ceiling_kind}): {single / ceiling:.2f} (goal >= 0.5)")
    shares = (breakdown(args, ip_data, (rate("preflight", False), rate("single", False)))
              if args.breakdown else None)

    mbs = [mb for _, phase, mb in sampler.samples if phase != "start"]
    load = [mb for _, phase, mb in sampler.samples if phase in ("single", "batch")]
    settled = [mb for _, phase, mb in sampler.samples if phase == "single"]
    head = settled[: max(1, len(settled) // 10)]
    growth = (settled[-1] - max(head)) if settled else 0.0
    peak = max(mbs) if mbs else 0.0
    print(
        f"worker RSS: {min(mbs):.0f} → {peak:.0f} MB peak over the run; during the single "
        f"phase {max(head):.0f} → {settled[-1]:.0f} MB ({growth:+.0f} MB)"
    )
    common = {
        "app": args.app,
        "connections": args.connections,
        "client": args.client,
        "ip_data": ip_data,
        "verified": not lost_or_twice and not failed,
    }
    flat = peak < RSS_GOAL_MB and growth < 20.0
    lines = [
        emit(
            "collector_single_events",
            single,
            f"ceiling: {ceiling_kind}",
            ceiling,
            unit="events/s",
            goal=">= 0.5 of the ceiling",
            met=single >= 0.5 * ceiling and not lost_or_twice,
            seconds=round(results["single"].seconds, 1),
            worker_cpu=round(worker_cpu["single"], 2),
            **({"breakdown_of_preflight": shares} if shares else {}),
            **common,
        ),
        emit(
            "collector_batch_events",
            batch,
            "goal",
            50_000.0,
            unit="events/s",
            goal=">= 50000 events/s",
            met=batch >= 50_000 and not lost_or_twice,
            batch=BATCH,
            seconds=round(results["batch"].seconds, 1),
            worker_cpu=round(worker_cpu["batch"], 2),
            **common,
        ),
        emit(
            "collector_worker_rss",
            peak,
            "goal",
            RSS_GOAL_MB,
            unit="MB",
            goal="< 200 MB and flat (< +20 MB over the single phase)",
            met=flat,
            growth_mb=round(growth, 1),
            app=args.app,
            under_load_min_mb=round(min(load or [0.0]), 1),
            seconds=round(sum(results[k].seconds for k in ("single", "batch")), 1),
        ),
    ]
    print(f"bench.collector done in {time.perf_counter() - t0:.0f} s")
    return lines


if __name__ == "__main__":
    main()
