"""What a restored database records about its restore, written into it before it replaces
the current file: it keeps the identity of the database it replaces (so the audit trail's
anchors outside the database still apply) and says in its trail who restored what."""

from __future__ import annotations

from sqlalchemy.orm import Session

from exodesk.models import DATABASE_ID, AuditAction
from exodesk.models.enums import RecordKind
from exodesk.services.audit.trail import Change, write_audit
from exodesk.services.facts import database_id, set_fact


def record_restore(
    session: Session, *, database: str, source: str, by: str | None, identity: str | None
) -> None:
    if identity is not None:
        set_fact(session, DATABASE_ID, identity)
    else:
        database_id(session)
    write_audit(
        session,
        [Change(RecordKind.DATABASE.value, database, AuditAction.UPDATE, "restored", None, source)],
        user=by,
        reason=f"the database was restored from the backup {source}",
    )
