"""The funnel page's filters (by week or month, source, segment) and time in stage, through the
in-process client, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from leadqual.store.models import Lead, StageChange
from tests.factories import make_account, make_lead
from tests.web.conftest import Site


def _chart(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="funnel-data">(.*?)</script>', html)
    assert found, "no chart data on the page"
    return dict(json.loads(found.group(1)))


def _history(site: Site) -> None:
    """Two more leads moved to MQL in February, one from a webinar at a 5,000-person retailer."""
    with site.store.session() as s:
        big = make_account(s, domain="big.example", employees=5_000, industry="retail")
        a = make_lead(s, big, created_at=datetime(2026, 1, 20), source="webinar")
        b = make_lead(s, created_at=datetime(2026, 1, 26), source="web")
        for lead, at in ((a, datetime(2026, 2, 3)), (b, datetime(2026, 2, 11))):
            s.add(StageChange(lead_id=lead.id, from_stage="lead", to_stage="mql", at=at,
                              reason="t", recorded_at=at))  # fmt: skip
        s.query(Lead).filter(Lead.source.is_(None)).update({"source": "import"})


def test_the_funnel_slices_by_period_source_and_segment(site: Site) -> None:
    _history(site)
    site.login("viewer")
    by_month = _chart(site.client.get("/app/funnel").text)
    assert by_month["labels"][-2:] == ["2026-01", "2026-02"]
    mql = next(d for d in by_month["datasets"] if d["label"] == "MQL")
    assert mql["data"][-1] == 2
    page = site.client.get("/app/funnel?by=week").text
    by_week = _chart(page)
    assert by_week["labels"][-1] == "2026-02-09" and "Week (from Monday)" in page
    webinar = site.client.get("/app/funnel?source=webinar").text
    assert '<option value="webinar" selected>' in webinar
    assert sum(next(d for d in _chart(webinar)["datasets"] if d["label"] == "MQL")["data"]) == 1
    big = site.client.get("/app/funnel?segment=employees:1000%2B").text
    assert '<option value="employees:1000+" selected>' in big
    assert '<option value="industry:retail">retail</option>' in big
    assert _chart(big)["labels"] == ["2026-01", "2026-02"]


def test_time_in_stage_is_shown_from_the_history(site: Site) -> None:
    _history(site)
    site.login("viewer")
    page = site.client.get("/app/funnel").text
    assert 'id="stage-chart"' in page
    row = re.search(r"<tr><th scope=\"row\">lead</th><td class=\"n\">([\d.]+)</td>", page)
    assert row and float(row.group(1)) == 15.0  # 14 and 16 days from creation to MQL


def test_a_bad_funnel_filter_gets_a_page_saying_what_to_type(site: Site) -> None:
    site.login("viewer")
    bad = site.client.get("/app/funnel?segment=size:big")
    assert bad.status_code == 422 and "employees:BAND" in bad.text and "<html" in bad.text
    assert site.client.get("/app/funnel?by=day").status_code == 422
