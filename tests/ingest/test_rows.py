"""Row validation: the fast column-wise path and the exact row-by-row path agree — on the records
and, for a bad chunk, on the first bad row, its column and the message."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadqual.errors import ImportRowError
from leadqual.ingest.fields import KINDS
from leadqual.ingest.mapping import ColumnMapping, compile_plan
from leadqual.ingest.rows import RowValidator

HEADER = ("event_id", "type", "occurred_at", "email", "account_domain", "url", "form_kind",
          "dwell_ms")


def validator() -> RowValidator:
    plan, _ = compile_plan(ColumnMapping("canonical", passthrough=True), KINDS["events"], HEADER,
                           "csv", "events.csv")
    return RowValidator(KINDS["events"], plan, "events.csv")


def outcome(chunks: list[list[list[str]]]) -> Any:
    """Each chunk's columns, or the error of the first bad row, validating chunk by chunk."""
    v = validator()
    out, line = [], 2
    try:
        for rows in chunks:
            lines = list(range(line, line + len(rows)))
            line += len(rows)
            out.append(v.validate(lines, rows))
    except ImportRowError as err:
        return (err.row, err.column, str(err))
    merged: dict[str, list[Any]] = {}
    for columns in out:
        for name, values in columns.items():
            merged.setdefault(name, []).extend(values)
    return merged


cells = st.fixed_dictionaries({
    "event_id": st.sampled_from(["e1", "e2", "e3", "e4", "e5", "e6", ""]),
    "type": st.sampled_from(["page_view", "form_submit", "Meeting", "page_veiw", ""]),
    "occurred_at": st.sampled_from(["2026-01-01", "2026-01-02T10:00:00Z", "yesterday", ""]),
    "email": st.sampled_from(["Ann@Acme.com", "bob@x.io", "not-an-email", ""]),
    "account_domain": st.sampled_from(["https://www.acme.com/x", "globex.com", "nope", ""]),
    "url": st.sampled_from(["https://acme.com/pricing?a=1", "https://acme.com", ""]),
    "form_kind": st.sampled_from(["demo_request", "webinar", "demo", ""]),
    "dwell_ms": st.sampled_from(["1200", "1,500", "1.5", "x", ""]),
})


@settings(max_examples=200, deadline=None)
@given(st.lists(cells, min_size=1, max_size=8), st.integers(min_value=1, max_value=8))
def test_chunk_size_changes_neither_records_nor_errors(rows: list[dict[str, str]],
                                                       size: int) -> None:
    raw = [[r[c] for c in HEADER] for r in rows]
    whole = outcome([raw])
    assert outcome([raw[i : i + size] for i in range(0, len(raw), size)]) == whole
    assert outcome([[r] for r in raw]) == whole


def test_page_views_get_path_and_page_type_from_the_url() -> None:
    columns = validator().validate([2, 3], [
        ["e1", "page_view", "2026-01-01", "", "", "https://acme.com/pricing?x=1", "", ""],
        ["e2", "meeting", "2026-01-01", "", "", "https://acme.com/docs", "", ""],
    ])
    assert columns["path"] == ["/pricing", None]
    assert columns["page_type"] == ["pricing", None]


def test_a_duplicate_in_a_later_chunk_names_the_first_row() -> None:
    v = validator()
    row = ["e1", "meeting", "2026-01-01", "", "", "", "", ""]
    v.validate([2], [row])
    with pytest.raises(ImportRowError) as err:
        v.validate([3, 4], [row, row])
    assert (err.value.row, err.value.column) == (3, "event_id")
    assert "row 2 has the same one" in str(err.value)
