"""Loaded IP data (the table behind ``services/ipdata.py``): one row per added file, holding the
file's compiled ranges as a compressed blob, so every collector worker on the same store shares
them. ``sha256`` is unique: adding the same file twice changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from leadqual.store.models import Base

__all__ = ["IpDataset"]


class IpDataset(Base):
    """One IP data file: its kind (own, hosting, network, asn_names), detected format, file name,
    content hash, rows read, when it was loaded, and the compiled ranges (``refdata`` blob)."""

    __tablename__ = "ip_datasets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    format: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(255))
    source_file: Mapped[str] = mapped_column(String(1024))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    rows: Mapped[int] = mapped_column(Integer)
    ranges: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[datetime] = mapped_column(DateTime)
    blob: Mapped[bytes] = mapped_column(LargeBinary)
