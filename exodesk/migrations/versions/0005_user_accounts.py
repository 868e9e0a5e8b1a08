"""user accounts: argon2 password hash, active flag, creation time

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Earlier ExoDesk versions never wrote user_account rows; any row found anyway gets no
password (it cannot sign in) and is left inactive, so it does not lock anyone out.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))
    table = sa.table(
        "user_account", sa.column("password_hash"), sa.column("active"), sa.column("created_at")
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.get_bind().execute(table.update().values(password_hash="", active=False, created_at=now))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("password_hash", existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column("active", existing_type=sa.Boolean(), nullable=False)
        batch_op.alter_column("created_at", existing_type=sa.DateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("created_at")
        batch_op.drop_column("active")
        batch_op.drop_column("password_hash")
