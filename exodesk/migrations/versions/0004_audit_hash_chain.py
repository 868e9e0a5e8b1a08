"""audit events: SHA-256 hash chain, and triggers that refuse UPDATE and DELETE

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
FIELDS = ("id", "at", "user", "action", "record", "record_key", "field", "old", "new", "reason")

SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END",
)
POSTGRES_TRIGGER = (
    "CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP; END; "
    "$$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
)


def _hash(previous: str, row: dict[str, object]) -> str:
    """Frozen copy of exodesk.services.audit.trail.event_hash as of this revision."""
    parts = []
    for name in FIELDS:
        value = row[name]
        if isinstance(value, dt.datetime):
            value = value.isoformat(timespec="microseconds")
        elif isinstance(value, str) and name == "at":
            value = dt.datetime.fromisoformat(value).isoformat(timespec="microseconds")
        parts.append("\x00" if value is None else str(value))
    payload = previous + "\x1e" + "\x1f".join(parts)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    table = sa.table("audit_event", *[sa.column(n) for n in FIELDS], sa.column("hash"))
    previous = GENESIS
    rows = bind.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    for row in rows:
        previous = _hash(previous, dict(row))
        bind.execute(table.update().where(table.c.id == row["id"]).values(hash=previous))
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
    for statement in SQLITE_TRIGGERS if bind.dialect.name == "sqlite" else POSTGRES_TRIGGER:
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("hash")
