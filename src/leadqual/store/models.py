"""Storage models (SQLAlchemy 2). Every timestamp is naive UTC.

Natural keys are unique in the database so that re-imports upsert and retries never double-count:
accounts by normalised domain, contacts by normalised email, events by event id, deals by their
CRM id. ``stage_history`` is append-only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Account",
    "BantAnswer",
    "Base",
    "Contact",
    "ContractVersion",
    "Deal",
    "Event",
    "Lead",
    "LeadScore",
    "Model",
    "StageChange",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(255))
    industry: Mapped[str | None] = mapped_column(String(100))
    employees: Mapped[int | None] = mapped_column(Integer)
    annual_revenue: Mapped[float | None] = mapped_column(Float)
    country: Mapped[str | None] = mapped_column(String(100))
    technologies: Mapped[list[str]] = mapped_column(JSON, default=list)
    monthly_visits: Mapped[int | None] = mapped_column(Integer)
    ad_spend: Mapped[float | None] = mapped_column(Float)
    department_sizes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    job_title: Mapped[str | None] = mapped_column(String(255))
    consent_email: Mapped[bool | None] = mapped_column(Boolean)
    consent_tracking: Mapped[bool | None] = mapped_column(Boolean)
    external_id: Mapped[str | None] = mapped_column(String(255), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class Lead(Base):
    """What gets qualified: a contact at an account, or an account alone.

    ``key`` is the contact's email for a person lead and the account's domain for an account lead.
    When somebody at an account-only lead identifies themselves, that lead gains the contact (and
    the email as its key) and keeps its events and history.
    """

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(320), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), unique=True)
    stage: Mapped[str] = mapped_column(String(20), default="lead", index=True)
    stage_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    fit: Mapped[float | None] = mapped_column(Float)
    intent: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    qualified_at: Mapped[datetime | None] = mapped_column(DateTime)
    owner: Mapped[str | None] = mapped_column(String(255), index=True)
    source: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Event(Base):
    """A page view, a form submission (with its kind), an email open/click or a meeting held."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_lead_occurred", "lead_id", "occurred_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), unique=True)
    type: Mapped[str] = mapped_column(String(30))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    visitor_id: Mapped[str | None] = mapped_column(String(100), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(Text)
    page_type: Mapped[str | None] = mapped_column(String(30))
    referrer: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    dwell_ms: Mapped[int | None] = mapped_column(Integer)
    form_kind: Mapped[str | None] = mapped_column(String(30))
    properties: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str | None] = mapped_column(String(50))
    # Website tracking (services/tracking.py): the site, the visit's network data as stored
    # (``ip`` truncated, keyed-hashed or full per settings; ``ua_hash`` a keyed hash of the user
    # agent) and the identification of the visit's organisation with its source and confidence.
    site_id: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(64))
    ua_hash: Mapped[str | None] = mapped_column(String(32))
    org: Mapped[str | None] = mapped_column(String(255))
    ident_kind: Mapped[str | None] = mapped_column(String(20))
    ident_source: Mapped[str | None] = mapped_column(String(100))
    ident_confidence: Mapped[float | None] = mapped_column(Float)


class Deal(Base):
    __tablename__ = "deals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    amount: Mapped[float | None] = mapped_column(Float)
    stage: Mapped[str] = mapped_column(String(10))  # open | won | lost
    created_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ContractVersion(Base):
    __tablename__ = "contract_versions"
    __table_args__ = (
        # At most one active contract, enforced by the database on both engines.
        Index(
            "uq_contract_versions_one_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    author: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=False)


class StageChange(Base):
    """Append-only stage history: every move of a lead, with why and by whom."""

    __tablename__ = "stage_history"
    __table_args__ = (Index("ix_stage_history_lead_at", "lead_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"))
    from_stage: Mapped[str] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text)
    rule: Mapped[str | None] = mapped_column(String(255))
    contract_version: Mapped[int | None] = mapped_column(Integer)
    by_user: Mapped[str | None] = mapped_column(String(255))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class BantAnswer(Base):
    """One BANT criterion as confirmed (or refuted) by sales. The latest answer per criterion
    counts; earlier ones stay as history."""

    __tablename__ = "bant_answers"
    __table_args__ = (UniqueConstraint("lead_id", "criterion", "confirmed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(20))  # budget | authority | need | timing
    confirmed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str] = mapped_column(String(255))
    confirmed_at: Mapped[datetime] = mapped_column(DateTime)


class Model(Base):
    """A trained scoring model, versioned: its metadata (feature list, training window, horizon,
    target, held-out metrics, library versions) and the serialised model itself."""

    __tablename__ = "models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    blob: Mapped[bytes] = mapped_column(LargeBinary)


class LeadScore(Base):
    """A lead's predicted probability under one model version, with its top reasons. Scoring
    appends rows; the latest row of a lead (highest id) is its current score."""

    __tablename__ = "lead_scores"
    __table_args__ = (Index("ix_lead_scores_lead_id_id", "lead_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"))
    model_version: Mapped[int] = mapped_column(Integer, index=True)
    p_win: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    scored_at: Mapped[datetime] = mapped_column(DateTime)


def _register_more_tables() -> None:
    """Tables of other features live in ``store/tables_*.py`` modules on the same ``Base``;
    importing them here puts them in ``Base.metadata`` wherever the models are imported."""
    import importlib
    import pkgutil

    from leadqual import store

    for module in pkgutil.iter_modules(store.__path__):
        if module.name.startswith("tables_"):
            importlib.import_module(f"leadqual.store.{module.name}")


_register_more_tables()
