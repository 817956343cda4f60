"""Users and keys in a real store: keys are shown once and kept only as a hash."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from leadqual.errors import Conflict, InvalidInput, NotFound
from leadqual.services.auth import (
    Unauthorized,
    add_user,
    authenticate,
    create_key,
    hash_key,
    list_keys,
    revoke_key,
)
from leadqual.store.database import Store
from leadqual.store.tables_auth import ApiKey
from tests.api.conftest import NOW


def test_keys_are_stored_hashed_and_revocable(store: Store) -> None:
    add_user(store, "bo", role="sales", now=NOW)
    new = create_key(store, "bo", now=NOW)
    assert new.key.startswith("lq_") and len(new.key) > 40
    with store.session() as s:
        stored = s.scalars(select(ApiKey.key_hash)).all()
    assert stored == [hash_key(new.key)] and new.key not in stored
    assert authenticate(store, new.key).role == "sales"
    assert "key" not in list_keys(store)[0].as_json()
    revoke_key(store, new.info.id, now=NOW)
    with pytest.raises(Unauthorized):
        authenticate(store, new.key)


def test_users_and_keys_refuse_bad_input(store: Store) -> None:
    add_user(store, "ana", role="marketing", now=NOW)
    with pytest.raises(Conflict):
        add_user(store, "ana", role="viewer", now=NOW)
    with pytest.raises(InvalidInput, match="did you mean 'sales'"):
        add_user(store, "cy", role="sale", now=NOW)
    with pytest.raises(NotFound):
        create_key(store, "nobody", now=NOW)
    with pytest.raises(NotFound):
        revoke_key(store, 999, now=NOW)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(guess=st.text(max_size=80))
def test_no_other_text_authenticates(sqlite_store: Store, guess: str) -> None:
    if not list_keys(sqlite_store):
        add_user(sqlite_store, "dee", role="admin", now=NOW)
        create_key(sqlite_store, "dee", now=NOW)
    with pytest.raises(Unauthorized):
        authenticate(sqlite_store, guess)
