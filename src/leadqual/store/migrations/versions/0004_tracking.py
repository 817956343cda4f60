"""website tracking: sites, visitors, bot drop counters, erasure log; event network columns

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-03 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENT_COLUMNS = (
    ("site_id", sa.Integer()),
    ("ip", sa.String(length=64)),
    ("ua_hash", sa.String(length=32)),
    ("org", sa.String(length=255)),
    ("ident_kind", sa.String(length=20)),
    ("ident_source", sa.String(length=100)),
    ("ident_confidence", sa.Float()),
)


def upgrade() -> None:
    op.create_table(
        "tracking_sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("origins", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_sites")),
        sa.UniqueConstraint("domain", name=op.f("uq_tracking_sites_domain")),
        sa.UniqueConstraint("public_key", name=op.f("uq_tracking_sites_public_key")),
    )
    op.create_table(
        "tracking_visitors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", sa.String(length=100), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_tracking_visitors_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_visitors")),
        sa.UniqueConstraint("visitor_id", name=op.f("uq_tracking_visitors_visitor_id")),
    )
    op.create_index(
        op.f("ix_tracking_visitors_contact_id"), "tracking_visitors", ["contact_id"], unique=False
    )
    op.create_index(
        op.f("ix_tracking_visitors_last_seen"), "tracking_visitors", ["last_seen"], unique=False
    )
    op.create_table(
        "tracking_bot_drops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.String(length=50), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_bot_drops")),
        sa.UniqueConstraint("site_id", "day", "reason", name=op.f("uq_tracking_bot_drops_site_id")),
    )
    op.create_table(
        "tracking_erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("erased_at", sa.DateTime(), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_erasures")),
    )
    op.create_index(
        op.f("ix_tracking_erasures_email_hash"), "tracking_erasures", ["email_hash"], unique=False
    )
    op.create_table(
        "tracking_privacy_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracking_privacy_keys")),
    )
    with op.batch_alter_table("events") as batch:
        for name, type_ in EVENT_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        for name, _ in reversed(EVENT_COLUMNS):
            batch.drop_column(name)
    op.drop_table("tracking_privacy_keys")
    op.drop_index(op.f("ix_tracking_erasures_email_hash"), table_name="tracking_erasures")
    op.drop_table("tracking_erasures")
    op.drop_table("tracking_bot_drops")
    op.drop_index(op.f("ix_tracking_visitors_last_seen"), table_name="tracking_visitors")
    op.drop_index(op.f("ix_tracking_visitors_contact_id"), table_name="tracking_visitors")
    op.drop_table("tracking_visitors")
