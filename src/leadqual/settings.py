"""Typed settings, read from the environment (prefix ``LEADQUAL_``) by a factory, not at import."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "load_settings", "sqlite_url"]


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of a SQLite file.

    >>> sqlite_url("/tmp/x.db")
    'sqlite:////tmp/x.db'
    """
    return f"sqlite:///{Path(path)}"


class Settings(BaseSettings):
    """Everything leadqual reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="LEADQUAL_", extra="ignore")

    database_url: str = Field(
        default_factory=lambda: sqlite_url(Path.cwd() / "leadqual.db"),
        description="SQLAlchemy URL of the store; default: a SQLite file in the current directory.",
    )
    import_chunk_rows: int = Field(default=20_000, ge=100, description="Rows per import batch.")


def load_settings(database_url: str | None = None) -> Settings:
    """Build settings from the environment, letting an explicit ``--db`` win."""
    if database_url is None:
        return Settings()
    return Settings(database_url=database_url)
