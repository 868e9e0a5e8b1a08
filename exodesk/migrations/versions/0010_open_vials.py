"""open (reconstituted) vials

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

A lyophilised vial, once reconstituted, is usable only for its product's window. The vial is
kept from "Reconstitute a vial" until a treatment uses it or it is discarded (as waste), so
the open vials survive a restart of the program.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open_vial",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=100), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("reconstituted_at", sa.DateTime(), nullable=False),
        sa.Column("reconstituted_by", sa.String(length=200), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("treatment_id", sa.Integer(), nullable=True),
        sa.Column("movement_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lot.id"], name=op.f("fk_open_vial_lot_id_lot")),
        sa.ForeignKeyConstraint(
            ["movement_id"], ["movement.id"], name=op.f("fk_open_vial_movement_id_movement")
        ),
        sa.ForeignKeyConstraint(
            ["treatment_id"], ["treatment.id"], name=op.f("fk_open_vial_treatment_id_treatment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_vial")),
        sa.UniqueConstraint("ref", name=op.f("uq_open_vial_ref")),
    )
    op.create_index(op.f("ix_open_vial_lot_id"), "open_vial", ["lot_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_open_vial_lot_id"), table_name="open_vial")
    op.drop_table("open_vial")
