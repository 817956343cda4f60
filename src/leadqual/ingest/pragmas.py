"""SQLite settings for the length of one bulk import.

An event import updates several B-tree indexes of a table that outgrows SQLite's default page
cache (2 MB) early; with the default, every chunk re-reads and spills index pages. A larger cache
for the import's connection keeps the hot index pages in memory. The previous size is restored
before the connection goes back to the pool. PostgreSQL needs nothing here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

__all__ = ["IMPORT_CACHE_KIB", "bulk_import_cache"]

# Negative cache_size is in KiB: 128 MiB, well inside the import's 500 MB memory budget.
IMPORT_CACHE_KIB = 131_072


@contextmanager
def bulk_import_cache(session: Session, kib: int | None = None) -> Iterator[None]:
    """A larger SQLite page cache on the session's connection while the block runs.

    >>> # with store.session() as session, bulk_import_cache(session): write(...)
    """
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    size = -abs(int(kib if kib is not None else IMPORT_CACHE_KIB))
    # PRAGMA takes no bound parameters; the values are ints, never text from outside.
    conn.exec_driver_sql(f"PRAGMA cache_size = {size}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")
