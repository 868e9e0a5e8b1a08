"""the vials each lot's treatments take, readable from one index

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

Stock on hand sums every lot's treatments. The index on `treatment.lot_id` alone sent each
of a million rows back to the table for its vials and whether it is void; the index on
(lot_id, void_on, vials) holds both, so the sums are read from the index alone, in lot
order. It serves every lookup by lot the old one did, which it replaces.
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_treatment_lot_use", "treatment", ["lot_id", "void_on", "vials"])
    op.drop_index("ix_treatment_lot_id", table_name="treatment")


def downgrade() -> None:
    op.create_index("ix_treatment_lot_id", "treatment", ["lot_id"])
    op.drop_index("ix_treatment_lot_use", table_name="treatment")
