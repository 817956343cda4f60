"""Reports both teams read: alignment (how sales received the MQLs), the funnel, the model."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from leadqual.clock import utc_now
from leadqual.errors import InvalidInput, NotFound
from leadqual.handoff.feedback import REASONS
from leadqual.services.alignment import alignment
from leadqual.services.leads import funnel, funnel_options, monthly_funnel
from leadqual.services.monitoring import model_report
from leadqual.web.rendering import render
from leadqual.web.session import Viewer, current_viewer

__all__ = ["router"]

router = APIRouter()
CurrentViewer = Annotated[Viewer, Depends(current_viewer)]
SERIES_LABELS = {"leads": "New leads", "mql": "MQL", "sql": "SQL", "customer": "Won"}
PERIOD_LABELS = {"month": "Month", "week": "Week (from Monday)"}


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
def funnel_page(
    request: Request,
    viewer: CurrentViewer,
    by: Annotated[str, Query(max_length=10)] = "month",
    source: Annotated[str, Query(max_length=50)] = "",
    segment: Annotated[str, Query(max_length=120)] = "",
) -> Response:
    store = request.app.state.store
    over_time = monthly_funnel(
        store, by=by, source=source.strip() or None, segment=segment.strip() or None
    )
    chart: dict[str, Any] = {
        "labels": over_time.periods,
        "datasets": [
            {"label": SERIES_LABELS[name], "data": values}
            for name, values in over_time.series.items()
        ],
    }
    stays = over_time.time_in_stage
    stage_chart = {
        "labels": list(stays),
        "values": [t.median_days for t in stays.values()],
    }
    return render(
        request,
        "funnel.html",
        {
            "funnel": funnel(store).as_json(),
            "over_time": over_time,
            "options": funnel_options(store),
            "filters": {"by": by, "source": source, "segment": segment},
            "periods": PERIOD_LABELS,
            "labels": SERIES_LABELS,
            "chart": chart,
            "stage_chart": stage_chart,
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
