"""The trade-off chart: a valid PNG and a self-contained HTML page holding the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadqual.backtest.chart import write_chart
from leadqual.backtest.tradeoff import Tradeoff, TradeoffPoint
from leadqual.errors import InvalidInput

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _tradeoff() -> Tradeoff:
    points = tuple(
        TradeoffPoint(
            float(t), 100 - t, max(0, 20 - t // 5), None if t == 100 else 0.2, (100 - t) / 100
        )
        for t in range(0, 101, 20)
    )
    return Tradeoff(
        contract="Test <contract>",
        rule="fit >= 40 and intent >= 30",
        field="fit",
        op=">=",
        current=40.0,
        customers=20,
        points=points,
    )


def test_chart_files_exist_png_is_valid_html_holds_the_table(tmp_path: Path) -> None:
    paths = write_chart(_tradeoff(), tmp_path / "charts")
    assert set(paths) == {"png", "html"} and all(p.exists() for p in paths.values())
    png = paths["png"].read_bytes()
    assert png.startswith(PNG_SIGNATURE) and png[12:16] == b"IHDR"
    page = paths["html"].read_text(encoding="utf-8")
    assert '<table id="tradeoff">' in page and page.count("<tr") == 1 + 6
    assert '<tr class="current"><td>40</td><td>60</td>' in page
    assert "data:image/png;base64," in page
    assert "http://" not in page and "https://" not in page  # nothing fetched from a network
    assert "Test &lt;contract&gt;" in page


def test_chart_refuses_a_file_as_directory(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(InvalidInput, match="is a file"):
        write_chart(_tradeoff(), target)
