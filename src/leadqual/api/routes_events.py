"""Writing events: the same validation and deduplication as `leadqual import events`.

The posted events become a JSONL file handed to the import service, so the API cannot drift from
the importer (one place validates, one place deduplicates by event id).
"""

from __future__ import annotations

import json
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from leadqual.api.auth import get_store, require
from leadqual.api.routes_meta import ERRORS
from leadqual.api.schemas import EventsIn, EventsWritten
from leadqual.clock import utc_now
from leadqual.errors import ImportRowError, InvalidInput
from leadqual.services.auth import Principal
from leadqual.services.imports import import_file

__all__ = ["router", "write_events"]

router = APIRouter(tags=["events"], responses=ERRORS)


def _as_jsonl(events: list[dict[str, Any]]) -> str:
    # The importer takes a JSONL file's columns from its first line: give every line every key.
    keys = list(dict.fromkeys(k for e in events for k in e))
    return "".join(json.dumps({k: e.get(k) for k in keys}) + "\n" for e in events)


def write_events(request: Request, body: EventsIn, now: datetime) -> EventsWritten:
    """Import ``body.events`` through the import service; a bad event is a 422 naming it."""
    events = [e.model_dump() for e in body.events]
    with tempfile.TemporaryDirectory(prefix="leadqual-api-") as tmp:
        path = Path(tmp) / "events.jsonl"
        path.write_text(_as_jsonl(events), encoding="utf-8")
        try:
            result = import_file(get_store(request), "events", path, fmt="canonical", now=now)
        except ImportRowError as exc:
            where = "events" if exc.row is None else f"events[{exc.row - 1}]"
            if exc.column:
                where += f".{exc.column}"
            raise InvalidInput(
                f"{where}: {exc.reason}; nothing was stored, fix it and send the events again",
                field=where,
            ) from exc
    return EventsWritten(
        received=len(events),
        inserted=result.inserted,
        duplicates=result.unchanged,
        leads_created=result.leads_created,
        accounts_created=result.accounts_created,
        contacts_created=result.contacts_created,
    )


@router.post(
    "/events",
    response_model=EventsWritten,
    summary="Write events (page views, form submissions, email engagement, meetings)",
    description="Up to 1,000 events in the canonical format; event ids already stored are "
    "ignored (counted as duplicates). One bad event refuses the whole request (422).",
)
def post_events(
    request: Request,
    body: EventsIn,
    _principal: Annotated[Principal, Depends(require("events.write"))],
) -> EventsWritten:
    return write_events(request, body, utc_now())
