"""indexes for a lot's latest move and status change

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

The stock list shows each lot's current location and status: its latest transfer and status
change. With one "use" movement per treatment, finding them walked every movement of the
lot, for every lot (seconds at 100,000 lots). Two partial indexes hold only the transfers and
only the status changes, so each lookup reads a handful of rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_KINDS = {
    "transfer": "ix_movement_latest_transfer",
    "status_change": "ix_movement_latest_status_change",
}


def upgrade() -> None:
    for kind, name in _KINDS.items():
        where = sa.text(f"kind = '{kind}'")
        op.create_index(
            name,
            "movement",
            ["lot_id", "date", "id"],
            unique=False,
            sqlite_where=where,
            postgresql_where=where,
        )


def downgrade() -> None:
    for name in _KINDS.values():
        op.drop_index(name, table_name="movement")
