"""void records, structured overrides, and the contract's second-version fields

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

Lots, treatments and movements can be voided (kept, counted nowhere). A treatment's override
keeps who gave it and which rules it overrode, besides the reason. Products get a reorder
level; documents the notified body's number, when they were last checked and by whom, and the
attached file's own name; treatments the time given and when the vial was reconstituted; the
clinic its own warning horizons.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

VOID_COLUMNS = (
    ("void_on", sa.Date()),
    ("void_by", sa.String(length=200)),
    ("void_reason", sa.Text()),
)
ADDED: dict[str, tuple[tuple[str, sa.types.TypeEngine[Any]], ...]] = {
    "lot": VOID_COLUMNS,
    "movement": VOID_COLUMNS,
    "treatment": (
        *VOID_COLUMNS,
        ("override_by", sa.String(length=200)),
        ("override_rules", sa.Text()),
        ("time", sa.Time()),
        ("reconstituted", sa.DateTime()),
    ),
    "product": (("reorder_level", sa.Integer()),),
    "document": (
        ("file_name", sa.Text()),
        ("body_number", sa.String(length=4)),
        ("verified_on", sa.Date()),
        ("verified_by", sa.String(length=200)),
    ),
    "clinic": (("certificate_warning_days", sa.Integer()), ("lot_warning_days", sa.Integer())),
}


def upgrade() -> None:
    for table, columns in ADDED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, type_ in columns:
                batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for table, columns in reversed(ADDED.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _type in reversed(columns):
                batch_op.drop_column(name)
