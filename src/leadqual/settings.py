"""Typed settings, read from the environment (prefix ``LEADQUAL_``) by a factory, not at import."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    # Website tracking (docs/tracking.md).
    tracking_ip_storage: Literal["truncate", "hash", "full"] = Field(
        default="truncate",
        description="How a visit's IP address is stored: truncate (IPv4 /24, IPv6 /48), hash "
        "(keyed HMAC) or full. Identification always uses the full address, in memory only.",
    )
    privacy_key: str = Field(
        default="",
        description="Key of the keyed hashes (IP in hash mode, user agent, the erasure log); "
        "default: a random key generated once and kept in the store.",
    )
    tracking_retention_days: int = Field(
        default=395, ge=1, description="`leadqual purge` removes visitor data older than this."
    )
    tracking_max_body_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest /collect body accepted (413 above)."
    )
    tracking_max_events: int = Field(
        default=100, ge=1, description="Most events in one /collect request."
    )
    tracking_crawler_list: Path | None = Field(
        default=None,
        description="A crawler-user-agents.json file of bot patterns, added to the built-in list.",
    )
    free_email_lists: list[Path] = Field(
        default_factory=list,
        description="Free-mail domain lists (text, one a line, or a JSON list), JSON-encoded.",
    )
    disposable_email_lists: list[Path] = Field(
        default_factory=list, description="Disposable email domain lists, JSON-encoded."
    )
    tracking_trust_forwarded: bool = Field(
        default=False,
        description="Take the visitor's IP from X-Forwarded-For (only behind your own proxy).",
    )


def load_settings(database_url: str | None = None) -> Settings:
    """Build settings from the environment, letting an explicit ``--db`` win."""
    if database_url is None:
        return Settings()
    return Settings(database_url=database_url)
