"""a treatment is its own use of the lot: the "use" movement rows go

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

Every treatment had a second row, a "use" movement of minus its vials on its date, voided
with it. At a million treatments those rows and their indexes were a third of the file.
The ledger now reads a treatment's use from the treatment itself (`ledger.counted_uses`).

Before deleting them, each use row is checked against its treatment (same lot, same date,
minus its vials, void exactly when the treatment is) and every treatment must have one:
otherwise stock on hand would change, so the migration stops, naming them, and nothing is
changed. Stock counts get a treatment watermark beside the movement one; an open count's
movement watermark is lowered to the newest movement left below it, so that the ids SQLite
gives new movements stay above it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from exodesk.db import DatabaseRefused

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_SHOWN = 5

# Use rows that do not say what their treatment says, and treatments without a use row.
_MISMATCHED = """
SELECT t.ref FROM movement m JOIN treatment t ON t.id = m.treatment_id
WHERE m.kind = 'use' AND (
    m.lot_id != t.lot_id OR m.date != t.date OR m.quantity != -t.vials
    OR (m.void_on IS NULL) != (t.void_on IS NULL)
)
UNION ALL
SELECT t.ref FROM treatment t
WHERE NOT EXISTS (SELECT 1 FROM movement m WHERE m.treatment_id = t.id AND m.kind = 'use')
UNION ALL
SELECT 'use movement ' || m.id FROM movement m
WHERE m.kind = 'use' AND m.treatment_id IS NULL
"""


def upgrade() -> None:
    bind = op.get_bind()
    wrong = [row[0] for row in bind.execute(sa.text(_MISMATCHED))]
    if wrong:
        shown = ", ".join(str(w) for w in wrong[:_SHOWN])
        more = f" and {len(wrong) - _SHOWN} more" if len(wrong) > _SHOWN else ""
        raise DatabaseRefused(
            f"{len(wrong)} treatment(s) and their stock use disagree ({shown}{more}): "
            "the database was changed outside ExoDesk. Restore a backup; nothing was changed"
        )
    with op.batch_alter_table("stock_count", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("treatment_watermark", sa.Integer(), nullable=False, server_default="0")
        )
    bind.execute(
        sa.text(
            "UPDATE stock_count SET treatment_watermark = COALESCE((SELECT MAX(m.treatment_id) "
            "FROM movement m WHERE m.kind = 'use' AND m.id <= stock_count.movement_watermark), 0)"
        )
    )
    bind.execute(sa.text("DELETE FROM movement WHERE kind = 'use'"))
    bind.execute(
        sa.text(
            "UPDATE stock_count SET movement_watermark = COALESCE((SELECT MAX(m.id) "
            "FROM movement m WHERE m.id <= stock_count.movement_watermark), 0)"
        )
    )
    with op.batch_alter_table("movement", schema=None) as batch_op:
        batch_op.drop_constraint("uq_movement_treatment_id", type_="unique")
        batch_op.drop_constraint("fk_movement_treatment_id_treatment", type_="foreignkey")
        batch_op.drop_column("treatment_id")


def downgrade() -> None:
    with op.batch_alter_table("movement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("treatment_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_movement_treatment_id", ["treatment_id"])
        batch_op.create_foreign_key(
            "fk_movement_treatment_id_treatment",
            "treatment",
            ["treatment_id"],
            ["id"],
            ondelete="CASCADE",
        )
    op.get_bind().execute(
        sa.text(
            "INSERT INTO movement (lot_id, date, kind, quantity, treatment_id, recorded_at, "
            "recorded_by, void_on, void_by, void_reason) "
            "SELECT lot_id, date, 'use', -vials, id, recorded_at, recorded_by, void_on, "
            "void_by, void_reason FROM treatment ORDER BY id"
        )
    )
    with op.batch_alter_table("stock_count", schema=None) as batch_op:
        batch_op.drop_column("treatment_watermark")
