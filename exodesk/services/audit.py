"""Writing the append-only audit trail, always inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from exodesk.models import AuditAction, AuditEvent

AUDIT_TABLE = AuditEvent.metadata.tables[AuditEvent.__tablename__]


def utc_now() -> dt.datetime:
    """UTC wall time, stored naive (every stored timestamp in ExoDesk is UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Change:
    record: str
    record_key: str
    action: AuditAction
    field: str | None = None
    old: Any = None
    new: Any = None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def write_audit(
    session: Session,
    changes: Iterable[Change],
    *,
    user: str | None,
    reason: str | None,
    at: dt.datetime | None = None,
) -> int:
    when = at or utc_now()
    rows = [
        {
            "at": when,
            "user": user,
            "action": c.action,
            "record": c.record,
            "record_key": c.record_key,
            "field": c.field,
            "old": _text(c.old),
            "new": _text(c.new),
            "reason": reason,
        }
        for c in changes
    ]
    if rows:
        session.execute(AUDIT_TABLE.insert(), rows)
    return len(rows)
