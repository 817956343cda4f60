"""The trade-off chart: a PNG, and a self-contained HTML page (the PNG inline, plus the table).

Drawn with matplotlib's Agg canvas directly — no pyplot, no global backend, no display — and the
HTML loads nothing from the network.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from leadqual.backtest.tradeoff import Tradeoff
from leadqual.errors import InvalidInput

__all__ = ["render_png", "write_chart"]


def render_png(t: Tradeoff) -> bytes:
    """The chart as PNG bytes: MQL volume (bars, left axis), precision and recall (lines,
    right axis) per threshold; a dashed line marks the contract's current value."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    xs = [p.threshold for p in t.points]
    width = (max(xs) - min(xs)) / max(len(xs), 2) * 0.8 or 0.8
    fig = Figure(figsize=(9, 5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.bar(xs, [p.mql for p in t.points], width=width, color="#c7d7ec", label="MQLs (volume)")
    ax.set_xlabel(f"{t.field} threshold ({t.field} {t.op} x)")
    ax.set_ylabel("MQLs over the replay")
    rates = ax.twinx()
    rates.plot(
        xs,
        [p.precision or 0.0 for p in t.points],
        color="#c0392b",
        marker="o",
        markersize=3,
        label="precision",
    )
    rates.plot(
        xs,
        [p.recall or 0.0 for p in t.points],
        color="#27864a",
        marker="o",
        markersize=3,
        label="recall",
    )
    rates.set_ylim(0, 1.05)
    rates.set_ylabel("precision / recall")
    ax.axvline(t.current, color="#333333", linestyle="--", linewidth=1)
    cur = t.current_point
    ax.annotate(
        f"current: {t.field} {t.op} {t.current:g}\n{cur.mql} MQLs",
        xy=(t.current, 0),
        xytext=(4, 6),
        textcoords="offset points",
        fontsize=8,
    )
    handles = ax.get_legend_handles_labels()
    more = rates.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper right", fontsize=8)
    ax.set_title(
        f"{t.contract}: volume, precision and recall as the {t.field} threshold varies", fontsize=10
    )
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x:.1%}"


def _html(t: Tradeoff, png: bytes) -> str:
    rows = []
    for p in t.points:
        mark = ' class="current"' if p.threshold == t.current else ""
        rows.append(
            f"<tr{mark}><td>{p.threshold:g}</td><td>{p.mql}</td><td>{p.won}</td>"
            f"<td>{_pct(p.precision)}</td><td>{_pct(p.recall)}</td></tr>"
        )
    title = html.escape(f"{t.contract} — trade-off of the {t.field} threshold")
    data = base64.b64encode(png).decode("ascii")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; }} td, th {{ padding: 4px 10px; text-align: right; }}
th {{ border-bottom: 1px solid #999; }} tr.current {{ background: #fff3c4; font-weight: bold; }}
</style></head><body>
<h1>{title}</h1>
<p>MQL rule: <code>{html.escape(t.rule)}</code>. Current value: <b>{t.field} {html.escape(t.op)}
{t.current:g}</b> (highlighted). Customers judged in the window: {t.customers}.</p>
<p>Volume is the number of leads that would have become MQLs over the replayed months;
precision the share of them that then became customers; recall the share of customers that were
MQLs before their deal was created.</p>
<img alt="volume, precision and recall per threshold" src="data:image/png;base64,{data}">
<table id="tradeoff">
<thead><tr><th>{t.field} threshold</th><th>MQLs</th><th>won</th><th>precision</th>
<th>recall</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
</body></html>
"""


def write_chart(t: Tradeoff, out_dir: Path) -> dict[str, Path]:
    """Write ``tradeoff-<field>.png`` and ``tradeoff-<field>.html`` into ``out_dir`` (created
    if needed); returns their paths by kind.

    >>> # write_chart(tradeoff(store, contract, now=now), Path("charts"))["html"]
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(f"{out_dir} is a file; pass a directory to --chart", field="chart")
    out_dir.mkdir(parents=True, exist_ok=True)
    png = render_png(t)
    stem = f"tradeoff-{t.field}"
    paths = {"png": out_dir / f"{stem}.png", "html": out_dir / f"{stem}.html"}
    paths["png"].write_bytes(png)
    paths["html"].write_text(_html(t, png), encoding="utf-8")
    return paths
