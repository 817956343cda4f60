"""Users and their API keys (the tables behind ``services/auth.py``).

A key is stored only as the SHA-256 of its text: the key itself is shown once, when created.
``prefix`` (the key's first characters, not secret enough to use) lets people tell keys apart in
``leadqual keys list`` and revoke one by it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from leadqual.store.models import Base

__all__ = ["ApiKey", "User"]


class User(Base):
    """A person (or a system) that calls the API, with one role: admin, marketing, sales, viewer."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ApiKey(Base):
    """An API key of a user; revoked keys stay (with ``revoked_at``) as an audit trail."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(20), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
