"""The tracker's routes: ``POST /collect`` (and its CORS preflight) and ``GET /t.js``.

``/collect`` is a bare ASGI app under a Starlette route, no pydantic model per event: the hot
path is read four headers and the body, call ``TrackingService.collect``, send its reply. Mount
them into any Starlette/FastAPI app:

>>> # app = Starlette(routes=collect_routes(store))   # or app.router.routes.extend(...)
"""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from leadqual.services.tracking import CollectReply, TrackingService
from leadqual.settings import Settings
from leadqual.store.database import Store
from leadqual.tracking.keys import canonical_ip

__all__ = ["accepts_gzip", "collect_routes", "tracker_script"]

PREFLIGHT_MAX_AGE = "86400"
SCRIPT_CACHE = "public, max-age=3600"  # a new release reaches the sites within the hour


def tracker_script() -> bytes:
    """The tracker, as shipped in the package (``leadqual/tracking/t.js``)."""
    return resources.files("leadqual.tracking").joinpath("t.js").read_bytes()


def _client_ip(client: tuple[str, int] | None, forwarded: str | None,
               trust_forwarded: bool) -> str | None:
    """The visitor's address, or ``None`` when there is none that parses (a unix socket, a test
    client, a proxy header with garbage): the visit is then stored unidentified, not refused."""
    # The last X-Forwarded-For entry is the one our own proxy appended; the earlier ones come
    # from the client and can say anything (a visitor could pass for any company).
    host = client[0] if client else None
    if trust_forwarded and forwarded and (last := forwarded.rsplit(",", 1)[-1].strip()):
        host = last
    return None if host is None else canonical_ip(host)


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header admits gzip (``gzip;q=0`` refuses it).

    >>> accepts_gzip("gzip, deflate, br"), accepts_gzip("br;q=1, gzip;q=0"), accepts_gzip(None)
    (True, False, False)
    """
    for part in (accept_encoding or "").lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip().removeprefix("q=").strip()
            try:
                return not q or float(q) > 0
            except ValueError:
                return False
    return False


_JSON = (b"content-type", b"application/json")
_NO_STORE = ((b"vary", b"Origin"), (b"cache-control", b"no-store"))


class _Collect:
    """``POST /collect`` and its CORS preflight as a bare ASGI app: the hot path of the tracker
    reads four headers and the body straight off the ASGI scope and sends its reply, without
    building a Starlette ``Request`` and ``Response`` per hit (~15 µs of a ~100 µs request,
    measured by ``bench.collector``). Starlette's ``Route`` still matches the path and the
    methods."""

    def __init__(self, svc: TrackingService) -> None:
        self.svc = svc
        self.trust = svc.settings.tracking_trust_forwarded
        self.limit = svc.settings.tracking_max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = user_agent = forwarded = length = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"user-agent":
                user_agent = value.decode("latin-1")
            elif name == b"x-forwarded-for":
                forwarded = value.decode("latin-1")
            elif name == b"content-length":
                length = value
        svc = self.svc
        if scope["method"] == "OPTIONS":
            allowed = svc.preflight(origin)
            if allowed is None:
                await _send(send, 403, ((b"vary", b"Origin"),), b"")
                return
            await _send(send, 204, (
                (b"access-control-allow-origin", allowed.encode("latin-1")),
                (b"access-control-allow-methods", b"POST, OPTIONS"),
                (b"access-control-allow-headers", b"Content-Type"),
                (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
                (b"vary", b"Origin")), b"")
            return
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _reply(send, _too_large(self.limit, svc.preflight(origin)))
            return
        try:
            body = await _body(receive, self.limit)
        except _TooLarge:  # sent without a Content-Length (chunked), more than the limit
            await _reply(send, _too_large(self.limit, svc.preflight(origin)))
            return
        if body is None:  # the client went away: nobody to answer
            return
        reply = await svc.collect(body, ip=_client_ip(scope.get("client"), forwarded, self.trust),
                                  user_agent=user_agent, origin=origin)
        await _reply(send, reply)


def _too_large(limit: int, allow_origin: str | None) -> CollectReply:
    return CollectReply(413, {"error": {
        "code": "payload_too_large", "field": None,
        "message": f"body over {limit} bytes; send smaller batches"}}, allow_origin)


class _TooLarge(Exception):
    pass


async def _body(receive: Receive, limit: int) -> bytes | None:
    """The request body (``None`` if the client disconnected); ``_TooLarge`` past ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def _reply(send: Send, reply: CollectReply) -> None:
    headers: tuple[tuple[bytes, bytes], ...] = _NO_STORE
    if reply.allow_origin:
        headers = (*headers, (b"access-control-allow-origin",
                              reply.allow_origin.encode("latin-1")))
    await _send(send, reply.status, (*headers, _JSON), orjson.dumps(reply.body))


async def _send(send: Send, status: int, headers: tuple[tuple[bytes, bytes], ...],
                body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def collect_routes(store: Store, settings: Settings | None = None, *,
                   service: TrackingService | None = None) -> list[BaseRoute]:
    """The ``/collect`` and ``/t.js`` routes over ``store`` (one ``TrackingService`` each)."""
    svc = service or TrackingService(store, settings)
    script = tracker_script()
    digest = hashlib.sha256(script).hexdigest()[:16]
    # Compressed once, at start: t.js is ~2 KB gzipped instead of ~5 KB. Each encoding has its
    # own ETag, as HTTP wants for different bytes.
    variants = {False: (script, f'"{digest}"'), True: (gzip.compress(script, 9, mtime=0),
                                                      f'"{digest}-gz"')}

    async def tracker(request: Request) -> Response:
        zipped = accepts_gzip(request.headers.get("accept-encoding"))
        content, etag = variants[zipped]
        headers = {"Cache-Control": SCRIPT_CACHE, "ETag": etag, "Vary": "Accept-Encoding",
                   "Access-Control-Allow-Origin": "*"}
        if etag in (t.strip() for t in request.headers.get("if-none-match", "").split(",")):
            return Response(status_code=304, headers=headers)
        if zipped:
            headers["Content-Encoding"] = "gzip"
        return Response(content, media_type="application/javascript", headers=headers)

    return [Route("/collect", _Collect(svc), methods=["POST", "OPTIONS"]),
            Route("/t.js", tracker, methods=["GET", "HEAD"])]
