"""IP data sets (IP → organisation identification)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ip_datasets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("source_file", sa.String(length=1024), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("ranges", sa.Integer(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ip_datasets")),
        sa.UniqueConstraint("sha256", name=op.f("uq_ip_datasets_sha256")),
    )
    op.create_index(op.f("ix_ip_datasets_kind"), "ip_datasets", ["kind"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ip_datasets_kind"), table_name="ip_datasets")
    op.drop_table("ip_datasets")
