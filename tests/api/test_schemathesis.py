"""Property-based fuzzing of the whole OpenAPI spec as admin: no input a client can send may give
a server error (5xx). On SQLite, with a bounded number of examples per operation."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from leadqual.api.app import create_app
from leadqual.services.auth import add_user, create_key
from leadqual.settings import sqlite_url
from leadqual.store.database import open_store
from tests.api.conftest import NOW, seed

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # see conftest: starlette's test client on httpx
    import schemathesis
    from schemathesis.checks import not_a_server_error


def _world(tmp: Path) -> tuple[object, str]:
    store = open_store(sqlite_url(tmp / "fuzz.db"))
    seed(store)
    add_user(store, "root", role="admin", now=NOW)
    return create_app(store), create_key(store, "root", now=NOW).key


_TMP = Path(__import__("tempfile").mkdtemp(prefix="leadqual-fuzz-"))
APP, KEY = _world(_TMP)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


FAST = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
# A backtest replays the history month by month (about a second per request here): fewer examples.
SLOW = settings(FAST, max_examples=6)


@schema.exclude(path="/contract/backtest").parametrize()
@FAST
def test_no_server_errors(case: schemathesis.Case) -> None:
    _check(case)


@schema.include(path="/contract/backtest").parametrize()
@SLOW
def test_no_server_errors_in_backtests(case: schemathesis.Case) -> None:
    _check(case)


def _check(case: schemathesis.Case) -> None:
    response = case.call(headers={"Authorization": f"Bearer {KEY}"})
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
