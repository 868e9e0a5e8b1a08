"""stock counts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 04:27:57.237233
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stock_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("count_date", sa.Date(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=True),
        sa.Column("movement_watermark", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"], ["location.id"], name=op.f("fk_stock_count_location_id_location")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_count")),
    )
    op.create_table(
        "stock_count_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("count_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("expected", sa.Integer(), nullable=True),
        sa.Column("counted", sa.Integer(), nullable=True),
        sa.Column("counted_at", sa.DateTime(), nullable=True),
        sa.Column("counted_by", sa.String(length=200), nullable=True),
        sa.Column("reconciled_expected", sa.Integer(), nullable=True),
        sa.Column("adjustment", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["count_id"],
            ["stock_count.id"],
            name=op.f("fk_stock_count_line_count_id_stock_count"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lot.id"], name=op.f("fk_stock_count_line_lot_id_lot")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_count_line")),
        sa.UniqueConstraint("count_id", "lot_id", name=op.f("uq_stock_count_line_count_id_lot_id")),
    )


def downgrade() -> None:
    op.drop_table("stock_count_line")
    op.drop_table("stock_count")
