"""Reports both teams read: alignment (how sales received the MQLs), the funnel, the model."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from leadqual.errors import InvalidInput, NotFound
from leadqual.handoff.feedback import REASONS
from leadqual.services.alignment import alignment
from leadqual.services.leads import funnel
from leadqual.services.monitoring import model_report
from leadqual.web.monthly import funnel_by_month
from leadqual.web.rendering import render
from leadqual.web.session import Viewer, current_viewer, utc_now

__all__ = ["router"]

router = APIRouter()
CurrentViewer = Annotated[Viewer, Depends(current_viewer)]
SERIES_LABELS = {"leads": "New leads", "mql": "MQL", "sql": "SQL", "customer": "Won"}


@router.get("/alignment", response_class=HTMLResponse)
def alignment_page(request: Request, viewer: CurrentViewer) -> Response:
    report = alignment(request.app.state.store, now=utc_now()).as_dict()
    reasons = report["overall"]["rejection_reasons"]
    chart = {
        "labels": [REASONS[c].label if c in REASONS else c for c in reasons],
        "values": list(reasons.values()),
    }
    return render(
        request,
        "alignment.html",
        {"report": report, "chart": chart, "active": "alignment"},
    )


@router.get("/funnel", response_class=HTMLResponse)
def funnel_page(request: Request, viewer: CurrentViewer) -> Response:
    store = request.app.state.store
    totals = funnel(store).as_json()
    monthly = funnel_by_month(store).as_json()
    chart: dict[str, Any] = {
        "labels": monthly["months"],
        "datasets": [
            {"label": SERIES_LABELS[name], "data": values}
            for name, values in monthly["series"].items()
        ],
    }
    return render(
        request,
        "funnel.html",
        {
            "funnel": totals,
            "monthly": monthly,
            "labels": SERIES_LABELS,
            "chart": chart,
            "active": "funnel",
        },
    )


@router.get("/model", response_class=HTMLResponse)
def model_page(request: Request, viewer: CurrentViewer) -> Response:
    try:
        report = model_report(request.app.state.store, now=utc_now())
    except (NotFound, InvalidInput) as exc:  # no model yet, or too little history to judge it
        note = exc.message
        return render(request, "model.html", {"report": None, "note": note, "active": "model"})
    data = report.as_json()
    drift = sorted(data["drift"]["features"].items(), key=lambda kv: -kv[1])[:10]
    charts = {
        "calibration": {
            "predicted": [b["predicted"] for b in data["calibration"]],
            "observed": [b["observed"] for b in data["calibration"]],
        },
        "auc": {
            "labels": [m["month"] for m in data["auc_by_month"]],
            "values": [m["auc"] for m in data["auc_by_month"]],
        },
    }
    return render(
        request,
        "model.html",
        {
            "report": report,
            "data": data,
            "drift": drift,
            "charts": charts,
            "note": None,
            "active": "model",
        },
    )
