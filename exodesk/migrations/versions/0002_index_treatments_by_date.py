"""index treatments by date

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:22:55.879038
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("treatment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_treatment_date"), ["date"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("treatment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_date"))
