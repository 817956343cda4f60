"""DuckDB connections as leadqual uses them: in memory, quiet (no progress bar on the terminal)."""

from __future__ import annotations

import duckdb

__all__ = ["connect"]


def connect() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB connection for one analytical step."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con
