from __future__ import annotations

from pathlib import Path

import pytest

from leadqual.errors import ImportRowError
from leadqual.ingest.source import Source


def test_csv_rows_carry_their_file_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b'\xef\xbb\xbfdomain,name\r\nacme.com,"Acme\r\nInc"\r\n\r\nglobex.com,\r\n')
    with Source(path) as src:
        assert src.columns == ("domain", "name")
        rows = list(src.rows())
    assert rows == [(3, ["acme.com", "Acme\r\nInc"]), (5, ["globex.com", ""])]


def test_not_utf8_names_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("domain,name\nacme.com,Acme\nmuller.de,Müller\n".encode("latin-1"))
    with pytest.raises(ImportRowError) as err, Source(path) as src:
        list(src.rows())
    assert err.value.row == 3
    assert "byte 12" in str(err.value) and "UTF-8" in str(err.value)


@pytest.mark.parametrize("content", [b"", b"\n\n  \n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(content)
    with pytest.raises(ImportRowError, match="the file is empty"), Source(path):
        pass


def test_jsonl_by_content_and_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "events.txt"
    path.write_text('{"event_id": "e1"}\n\n{"event_id": "e2"}\n[1]\n', encoding="utf-8")
    with pytest.raises(ImportRowError) as err, Source(path) as src:
        assert src.syntax == "jsonl"
        assert src.columns == ("event_id",)
        seen = []
        for line, row in src.rows():
            seen.append((line, row["event_id"]))
    assert seen == [(1, "e1"), (3, "e2")]
    assert err.value.row == 4


def test_too_many_cells(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("domain,name\nacme.com,Acme,Inc\n", encoding="utf-8")
    with pytest.raises(ImportRowError, match="3 cells but the header has 2"), Source(path) as src:
        list(src.rows())


def test_batches_hold_the_same_rows_as_rows(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    body = "".join(f"d{i}.com,\"N\r\n{i}\"\r\n" + ("\r\n" if i % 7 == 0 else "") for i in range(40))
    path.write_text("domain,name,employees\r\n" + body + "short.com\r\n", encoding="utf-8")
    with Source(path) as src:
        expected = list(src.rows())
    with Source(path) as src:
        batches = list(src.batches(6))
    assert [len(lines) for lines, _ in batches] == [6] * 6 + [5]
    assert [(n, row) for lines, rows in batches for n, row in zip(lines, rows, strict=True)] == (
        expected)
    assert expected[-1] == (2 + 40 * 2 + 6, ["short.com", "", ""])


def test_not_utf8_far_into_the_file_names_its_line(tmp_path: Path) -> None:
    # past the first block that is decoded at once (64 KiB)
    good = "".join(f"d{i}.example.com,Name {i}\n" for i in range(5_000))
    path = tmp_path / "a.csv"
    path.write_bytes(b"domain,name\n" + good.encode() + "x.de,Müller\n".encode("latin-1"))
    with pytest.raises(ImportRowError) as err, Source(path) as src:
        rows = []
        for lines, batch in src.batches(1_000):
            rows.extend(zip(lines, batch, strict=True))
    assert err.value.row == 5_002
    assert "byte 7" in str(err.value)
    assert len(rows) == 5_000  # every good row before it was read
