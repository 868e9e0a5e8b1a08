"""the clinic's rows of the register of notified bodies

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

The register ExoDesk ships is a data file in the package; the clinic's additions and
corrections (`exodesk bodies import`, the file's `bodies`, the window) are kept here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notified_body",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("mdr", sa.Boolean(), nullable=False),
        sa.Column("uk_approved", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notified_body")),
        sa.UniqueConstraint("number", name=op.f("uq_notified_body_number")),
    )


def downgrade() -> None:
    op.drop_table("notified_body")
