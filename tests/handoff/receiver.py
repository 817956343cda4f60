"""A real webhook receiver on loopback (http.server in a thread) for the delivery tests.

It records every request it gets, verifies its signature, can answer 500 to the first N requests,
and can hold a request open until released (to kill the sender mid-delivery).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from leadqual.handoff.webhooks import (
    EVENT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)


@dataclass
class Received:
    event_id: str
    body: bytes
    signature_ok: bool


@dataclass
class Receiver:
    secret: str
    fail_first: int = 0
    hold: threading.Event | None = None  # when set: wait for it before answering
    got: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def unique_ids(self) -> set[str]:
        """What a receiver that dedupes by event id processes."""
        return {r.event_id for r in self.got if r.signature_ok}


@contextmanager
def running_receiver(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ok = verify_signature(
                receiver.secret,
                body,
                self.headers.get(TIMESTAMP_HEADER, ""),
                self.headers.get(SIGNATURE_HEADER, ""),
                # The tests sign with a fixed `now`; accept any age, check the MAC.
                now=float(self.headers.get(TIMESTAMP_HEADER, "0") or 0),
            )
            with receiver.lock:
                receiver.got.append(Received(self.headers.get(EVENT_ID_HEADER, ""), body, ok))
                failing = len(receiver.got) <= receiver.fail_first
            receiver.arrived.set()
            if receiver.hold is not None:
                receiver.hold.wait(30)
            self.send_response(500 if failing else 204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield receiver
    finally:
        if receiver.hold is not None:
            receiver.hold.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
        time.sleep(0)
