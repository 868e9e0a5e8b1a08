"""The audit trail's append-only guards: database triggers that refuse UPDATE and DELETE of
audit events. Someone with the file can drop them; opening the database puts them back and
writes an audit event saying so, which `audit verify` reports from then on."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from exodesk.models import AuditAction
from exodesk.services.audit.trail import Change, write_audit

# The same statements as migration 0004 (which must stay frozen): name -> definition.
SQLITE_GUARDS = {
    "audit_event_no_update": (
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END"
    ),
    "audit_event_no_delete": (
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END"
    ),
}
POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP; END; "
    "$$ LANGUAGE plpgsql"
)
POSTGRES_TRIGGER = (
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
)
GUARD_RECORD = "audit_trail"
GUARD_KEY = "append-only guards"
GUARD_FIELD = "guards"


def _normal(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip().rstrip(";").lower()


def missing_guards(connection: Connection) -> list[str]:
    """The guards that are missing or no longer do what they should, by name."""
    if connection.dialect.name == "postgresql":
        row = connection.execute(
            text(
                "SELECT t.tgenabled, p.prosrc FROM pg_trigger t "
                "JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE t.tgname = 'audit_event_append_only' "
                "AND t.tgrelid = 'audit_event'::regclass"
            )
        ).first()
        if row is None or row[0] != "O" or "append-only" not in (row[1] or ""):
            return ["audit_event_append_only"]
        return []
    stored: dict[str, str] = dict(
        connection.execute(
            text(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = 'audit_event'"
            )
        ).all()
    )
    return [
        name
        for name, definition in SQLITE_GUARDS.items()
        if _normal(stored.get(name)) != _normal(definition)
    ]


def put_back_guards(connection: Connection) -> bool:
    """Put back any guard that is missing or altered, and record in the audit trail that it
    was (in the connection's transaction; the caller commits). True if any was put back.
    Call only on a database opened for writing."""
    missing = missing_guards(connection)
    if not missing:
        return False
    if connection.dialect.name == "postgresql":
        connection.execute(text("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event"))
        connection.execute(text(POSTGRES_FUNCTION))
        connection.execute(text(POSTGRES_TRIGGER))
    else:
        for name in missing:
            connection.execute(text(f'DROP TRIGGER IF EXISTS "{name}"'))
            connection.execute(text(SQLITE_GUARDS[name]))
    session = Session(bind=connection)
    try:
        write_audit(
            session,
            [
                Change(
                    GUARD_RECORD,
                    GUARD_KEY,
                    AuditAction.UPDATE,
                    field=GUARD_FIELD,
                    old={"missing": missing},
                    new="put back",
                )
            ],
            user=None,
            reason=(
                "the audit trail's append-only guards were missing or altered when the "
                "database was opened (changed outside ExoDesk); ExoDesk put them back"
            ),
        )
        session.flush()
    finally:
        session.close()
    return True
