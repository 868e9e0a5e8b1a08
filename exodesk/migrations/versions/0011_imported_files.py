"""imported files kept with the audit trail

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

An import writes one audit event (the file's SHA-256 and what it added) instead of one event
holding a full copy of every record, and keeps the file itself, compressed, in
`imported_file`, so `audit verify` can re-read it and a backup carries it. Events written
before stay as they are; the replay reads both.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imported_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("compression", sa.String(length=16), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_file")),
    )
    op.create_index(op.f("ix_imported_file_sha256"), "imported_file", ["sha256"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_imported_file_sha256"), table_name="imported_file")
    op.drop_table("imported_file")
