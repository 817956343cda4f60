"""The tracker's routes: ``POST /collect`` (and its CORS preflight) and ``GET /t.js``.

Plain Starlette routes, no pydantic model per event: the hot path is read the body, call
``TrackingService.collect``, send its reply. Mount them into any Starlette/FastAPI app:

>>> # app = Starlette(routes=collect_routes(store))   # or app.router.routes.extend(...)
"""

from __future__ import annotations

import gzip
import hashlib
import ipaddress
import json
from importlib import resources

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from leadqual.services.tracking import CollectReply, TrackingService
from leadqual.settings import Settings
from leadqual.store.database import Store

__all__ = ["accepts_gzip", "collect_routes", "tracker_script"]

PREFLIGHT_MAX_AGE = "86400"
SCRIPT_CACHE = "public, max-age=3600"  # a new release reaches the sites within the hour


def tracker_script() -> bytes:
    """The tracker, as shipped in the package (``leadqual/tracking/t.js``)."""
    return resources.files("leadqual.tracking").joinpath("t.js").read_bytes()


def _client_ip(request: Request, trust_forwarded: bool) -> str | None:
    """The visitor's address, or ``None`` when there is none that parses (a unix socket, a test
    client, a proxy header with garbage): the visit is then stored unidentified, not refused."""
    # The last X-Forwarded-For entry is the one our own proxy appended; the earlier ones come
    # from the client and can say anything (a visitor could pass for any company).
    host = request.client.host if request.client else None
    if trust_forwarded:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded and (last := forwarded.rsplit(",", 1)[-1].strip()):
            host = last
    try:
        return None if host is None else str(ipaddress.ip_address(host))
    except ValueError:
        return None


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


def _response(reply: CollectReply) -> Response:
    headers = {"Vary": "Origin", "Cache-Control": "no-store"}
    if reply.allow_origin:
        headers["Access-Control-Allow-Origin"] = reply.allow_origin
    return Response(json.dumps(reply.body).encode(), reply.status, headers,
                    media_type="application/json")


def collect_routes(store: Store, settings: Settings | None = None, *,
                   service: TrackingService | None = None) -> list[BaseRoute]:
    """The ``/collect`` and ``/t.js`` routes over ``store`` (one ``TrackingService`` each)."""
    svc = service or TrackingService(store, settings)
    trust = svc.settings.tracking_trust_forwarded
    limit = svc.settings.tracking_max_body_bytes
    script = tracker_script()
    digest = hashlib.sha256(script).hexdigest()[:16]
    # Compressed once, at start: t.js is ~2 KB gzipped instead of ~5 KB. Each encoding has its
    # own ETag, as HTTP wants for different bytes.
    variants = {False: (script, f'"{digest}"'), True: (gzip.compress(script, 9, mtime=0),
                                                      f'"{digest}-gz"')}

    async def collect(request: Request) -> Response:
        origin = request.headers.get("origin")
        if request.method == "OPTIONS":
            allowed = svc.preflight(origin)
            if allowed is None:
                return Response(status_code=403, headers={"Vary": "Origin"})
            return Response(status_code=204, headers={
                "Access-Control-Allow-Origin": allowed,
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type",
                "Access-Control-Max-Age": PREFLIGHT_MAX_AGE, "Vary": "Origin"})
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return _response(CollectReply(413, {"error": {
                "code": "payload_too_large", "field": None,
                "message": f"body over {limit} bytes; send smaller batches"}},
                svc.preflight(origin)))
        body = await request.body()
        reply = await svc.collect(body, ip=_client_ip(request, trust),
                                  user_agent=request.headers.get("user-agent"), origin=origin)
        return _response(reply)

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

    return [Route("/collect", collect, methods=["POST", "OPTIONS"]),
            Route("/t.js", tracker, methods=["GET", "HEAD"])]
