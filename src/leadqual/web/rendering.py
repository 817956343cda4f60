"""The dashboard's Jinja2 templates and the few filters they share."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from leadqual.handoff.feedback import REASONS

__all__ = ["HEADERS", "NAV", "STATIC_DIR", "render", "render_fragment"]

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
NAV = (
    ("leads", "Leads", "/app/"),
    ("alignment", "Alignment", "/app/alignment"),
    ("funnel", "Funnel", "/app/funnel"),
    ("contract", "Contract", "/app/contract"),
    ("model", "Model", "/app/model"),
)


def _pct(value: float | None, digits: int = 0) -> str:
    """0.257 → '26 %'; None → '—'."""
    return "—" if value is None else f"{value * 100:.{digits}f} %"


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _when(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M")


def _day(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d")


def _reason(code: str | None) -> str:
    found = REASONS.get(code or "")
    return found.label if found else (code or "—")


# Every page: scripts only from the dashboard itself, no framing, no sniffing.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
_templates = Jinja2Templates(directory=str(HERE / "templates"))
_templates.env.filters.update(pct=_pct, num=_num, when=_when, day=_day, reason=_reason)
_templates.env.globals.update(nav=NAV)


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """Render template ``name`` with ``context`` (plus the signed-in viewer, if any)."""
    context = {"viewer": getattr(request.state, "viewer", None), **context}
    return _templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=HEADERS
    )


def render_fragment(
    request: Request, partial: str, context: dict[str, Any], *, title: str, active: str
) -> HTMLResponse:
    """A part of a page that is slow or live (``templates/partials/PARTIAL``): alone when
    ``static/fragments.js`` asks for it (``?fragment=1``), else as a page of its own — so the
    link that loads it works without JavaScript too."""
    if request.query_params.get("fragment") == "1":
        return render(request, f"partials/{partial}", context)
    return render(
        request,
        "fragment_page.html",
        {**context, "partial": f"partials/{partial}", "title": title, "active": active},
    )
