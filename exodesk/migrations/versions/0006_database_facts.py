"""database facts: the database's identity, and since when it has had accounts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

`database_id` names the database for the audit trail's anchors kept outside it. A database
that already has accounts (or whose trail records one being made) gets `accounts_since`, so
it can never fall back to "no accounts, everyone may do everything".
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    facts = op.create_table(
        "database_fact",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_database_fact")),
    )
    bind = op.get_bind()
    rows = [{"name": "database_id", "value": secrets.token_hex(16)}]
    users = sa.table("user_account", sa.column("created_at"))
    events = sa.table("audit_event", sa.column("at"), sa.column("record"))
    first = bind.execute(sa.select(sa.func.min(users.c.created_at))).scalar()
    if first is None:
        first = bind.execute(
            sa.select(sa.func.min(events.c.at)).where(events.c.record == "user")
        ).scalar()
    if first is not None:
        when = first if isinstance(first, dt.datetime) else dt.datetime.fromisoformat(str(first))
        rows.append({"name": "accounts_since", "value": when.isoformat(timespec="seconds")})
    op.bulk_insert(facts, rows)


def downgrade() -> None:
    op.drop_table("database_fact")
