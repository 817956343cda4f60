"""Reading an import file as a stream of numbered rows: CSV (with a header) or JSON lines.

The file is read line by line in binary and decoded here, so a byte that is not UTF-8 is reported
with its line and position instead of failing somewhere inside a buffer. A UTF-8 byte-order mark
(Excel writes one) is accepted.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from functools import partial
from itertools import islice
from pathlib import Path
from typing import IO, Any

from leadqual.errors import ImportRowError

__all__ = ["Source", "detect_syntax"]

_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_BLOCK_BYTES = 1 << 16  # lines are read and decoded about 64 KiB at a time
_REENCODE = "re-save the file as UTF-8 (in Excel: File → Save As → 'CSV UTF-8')"


def detect_syntax(path: Path, first_line: str) -> str:
    """``csv`` or ``jsonl``: by extension, else by content (a line starting with ``{``).

    >>> detect_syntax(Path("x.ndjson"), "")
    'jsonl'
    >>> detect_syntax(Path("export.txt"), '{"a": 1}')
    'jsonl'
    """
    by_suffix = _SUFFIXES.get(path.suffix.lower())
    if by_suffix:
        return by_suffix
    return "jsonl" if first_line.lstrip().startswith("{") else "csv"


class Source:
    """An open import file. ``columns`` is the header (CSV) or the first object's keys (JSONL);
    ``rows()`` yields ``(line_number, row)`` with a list per CSV row or a dict per JSON line.

    >>> # with Source(Path("accounts.csv")) as src: print(src.columns)
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = str(path)
        self.bytes_read = 0
        self._fh: IO[bytes] | None = None
        self._first: str | None = None
        self._first_obj: dict[str, Any] | None = None
        self.syntax = "csv"
        self.columns: tuple[str, ...] = ()

    def __enter__(self) -> Source:
        try:
            self._fh = self.path.open("rb")
        except OSError as exc:
            raise ImportRowError(
                self.name, None, None, f"cannot read the file: {exc.strerror}",
                "check the path and its permissions",
            ) from exc
        try:
            self._read_header()
        except BaseException:
            self._fh.close()
            raise
        return self

    def _read_header(self) -> None:
        self._lines = self._decoded()
        first = next((ln for ln in self._lines if ln.strip()), None)
        if first is None:
            raise ImportRowError(
                self.name, None, None, "the file is empty",
                "export it again with a header row and at least one row",
            )
        self._first = first
        self.syntax = detect_syntax(self.path, first)
        if self.syntax == "csv":
            header = next(csv.reader([first]))
            self.columns = tuple(c.strip() for c in header)
            if not any(self.columns):
                raise ImportRowError(self.name, 1, None, "the header row has no column names")
        else:
            self._first_line_no = self._line_no
            self._first_obj = self._parse_json(first, self._line_no)
            self.columns = tuple(self._first_obj)

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.close()

    def _decoded(self) -> Iterator[str]:
        """The file's lines, decoded a block at a time; ``_line_no`` is the last one's number."""
        assert self._fh is not None
        self._line_no = 0
        for block in iter(partial(self._fh.readlines, _BLOCK_BYTES), []):
            self.bytes_read += sum(map(len, block))
            lines: Iterator[str] | list[str]
            try:
                text = b"".join(block).decode("utf-8")
            except UnicodeDecodeError:
                lines = self._decode_each(block)  # raises at the bad line, after the good ones
            else:
                if self._line_no == 0 and text.startswith("\ufeff"):
                    text = text[1:]
                # "\n" is one byte in UTF-8, so splitting the text matches the byte lines.
                parts = text.split("\n")
                lines = [p + "\n" for p in parts[:-1]]
                if parts[-1]:
                    lines.append(parts[-1])
            for line in lines:
                self._line_no += 1
                yield line

    def _decode_each(self, block: list[bytes]) -> Iterator[str]:
        """The lines of a block that holds a byte that is not UTF-8, up to that line's error."""
        number = self._line_no
        for raw in block:
            number += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportRowError(
                    self.name, number, None,
                    f"the file is not UTF-8: byte {exc.start + 1} of this line "
                    f"(0x{raw[exc.start]:02x}) is not valid UTF-8",
                    _REENCODE,
                ) from exc
            yield text[1:] if number == 1 and text.startswith("\ufeff") else text

    def _parse_json(self, line: str, number: int) -> dict[str, Any]:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportRowError(
                self.name, number, None, f"not valid JSON: {exc.msg} at character {exc.colno}",
                "write one JSON object per line",
            ) from exc
        if not isinstance(obj, dict):
            raise ImportRowError(
                self.name, number, None, f"a JSON line must be an object, not {type(obj).__name__}",
                'write one object per line, e.g. {"domain": "acme.com"}',
            )
        return obj

    def batches(self, size: int) -> Iterator[tuple[list[int], list[Any]]]:
        """The data rows ``size`` at a time: their line numbers and the rows (as ``rows()``).

        >>> # for lines, rows in src.batches(20_000): ...
        """
        if self.syntax == "jsonl":
            pairs = self.rows()
            while chunk := list(islice(pairs, size)):
                yield [line for line, _ in chunk], [row for _, row in chunk]
            return
        width = len(self.columns)
        reader = csv.reader(self._lines)
        header_lines = self._line_no
        lines: list[int] = []
        rows: list[list[str]] = []
        for row in reader:
            if len(row) != width:
                fitted = self._fit(row, reader.line_num + header_lines, width)
                if fitted is None:
                    continue  # a blank line
                row = fitted
            lines.append(reader.line_num + header_lines)
            rows.append(row)
            if len(rows) == size:
                yield lines, rows
                lines, rows = [], []
        if rows:
            yield lines, rows

    def _fit(self, row: list[str], line: int, width: int) -> list[str] | None:
        """A row of the wrong width padded with empty cells, or ``None`` for a blank line."""
        if not row or not any(c.strip() for c in row):
            return None
        if len(row) < width:
            return row + [""] * (width - len(row))
        raise ImportRowError(
            self.name, line, None,
            f"this row has {len(row)} cells but the header has {width} columns",
            "quote cells that contain commas",
        )

    def rows(self) -> Iterator[tuple[int, Any]]:
        """The data rows, each with its 1-based line number (the CSV header is line 1)."""
        if self.syntax == "jsonl":
            assert self._first_obj is not None
            yield self._first_line_no, self._first_obj
            for text in self._lines:
                if text.strip():
                    yield self._line_no, self._parse_json(text, self._line_no)
            return
        width = len(self.columns)
        reader = csv.reader(self._lines)
        header_lines = self._line_no
        for row in reader:
            line = reader.line_num + header_lines
            if len(row) != width:
                fitted = self._fit(row, line, width)
                if fitted is None:
                    continue  # a blank line
                row = fitted
            yield line, row
