"""Shared fixtures: a real, fresh store per test — a SQLite file in tmp_path, and the same suite on
PostgreSQL (a schema of its own per test) when LEADQUAL_TEST_POSTGRES_URL is set.

Under CI (CI=true) a skipped test fails the run: every suite must really run there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from leadqual.settings import sqlite_url
from leadqual.store.database import Store, open_store

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("LEADQUAL_TEST_POSTGRES_URL")


def shared_data(relative: str) -> Path:
    """A file from ../shared/data; skipped when absent (a user's clone), a failure under CI."""
    path = SHARED_DATA / relative
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing; CI must have ../shared/data")
        pytest.skip(f"{path} is absent (the shared real data sits beside the repository)")
    return path


@pytest.fixture
def sqlite_db_url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "leadqual.db")


@pytest.fixture
def postgres_db_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    if not PG_URL:
        if IN_CI:
            pytest.fail("LEADQUAL_TEST_POSTGRES_URL is not set under CI")
        pytest.skip("set LEADQUAL_TEST_POSTGRES_URL to run the store suite on PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """The store suite's URL: every test using it runs on SQLite and on PostgreSQL."""
    name = "sqlite_db_url" if request.param == "sqlite" else "postgres_db_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url)
    yield s
    s.dispose()


@pytest.fixture
def sqlite_store(sqlite_db_url: str) -> Iterator[Store]:
    s = open_store(sqlite_db_url)
    yield s
    s.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if IN_CI and skipped:
        terminalreporter.write_line(
            f"CI: {len(skipped)} test(s) skipped; under CI=true every suite must run", red=True
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if IN_CI and reporter is not None and reporter.stats.get("skipped"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
