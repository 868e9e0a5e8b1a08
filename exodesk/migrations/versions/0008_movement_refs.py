"""every stock movement of the file's kinds has a reference

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

A waste, adjustment, status change or transfer is voided by its reference (`exodesk void
movement REF`) and exported by it. Any such movement written without one gets the next free
`M-000123` reference, in the order it was recorded. Receipts and uses need none: they are
voided with their lot and their treatment. Downgrading keeps the references (0007 allows them).
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FILE_KINDS = ("waste", "adjustment", "status_change", "transfer")
_NUMBERED = re.compile(r"^M-(\d+)$")


def upgrade() -> None:
    conn = op.get_bind()
    movement = sa.table(
        "movement",
        sa.column("id", sa.Integer),
        sa.column("ref", sa.String),
        sa.column("kind", sa.String),
    )
    missing = list(
        conn.execute(
            sa.select(movement.c.id)
            .where(movement.c.ref.is_(None), movement.c.kind.in_(FILE_KINDS))
            .order_by(movement.c.id)
        ).scalars()
    )
    if not missing:
        return
    taken = set(
        conn.execute(sa.select(movement.c.ref).where(movement.c.ref.is_not(None))).scalars()
    )
    highest = max(
        (int(m.group(1)) for ref in taken if (m := _NUMBERED.match(ref or ""))), default=0
    )
    number = highest
    for movement_id in missing:
        number += 1
        while f"M-{number:06d}" in taken:
            number += 1
        conn.execute(
            movement.update().where(movement.c.id == movement_id).values(ref=f"M-{number:06d}")
        )


def downgrade() -> None:
    """Nothing to undo: the references stay (a movement may have one under 0007 too)."""
