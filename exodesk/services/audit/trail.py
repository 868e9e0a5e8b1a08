"""The append-only audit trail, written inside the caller's transaction. Each event carries a
SHA-256 chained over the one before it, so a row changed behind ExoDesk's back is caught."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from exodesk.models import AuditAction, AuditEvent

AUDIT_TABLE = AuditEvent.metadata.tables[AuditEvent.__tablename__]
GENESIS = "0" * 64
HASHED_FIELDS = (
    "id",
    "at",
    "user",
    "action",
    "record",
    "record_key",
    "field",
    "old",
    "new",
    "reason",
)


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


def event_hash(previous: str, row: dict[str, Any]) -> str:
    """SHA-256 over the previous event's hash and this event's fields, in a fixed form."""
    parts = []
    for name in HASHED_FIELDS:
        value = row[name]
        if isinstance(value, dt.datetime):
            value = value.isoformat(timespec="microseconds")
        elif isinstance(value, AuditAction):
            value = value.value
        parts.append("\x00" if value is None else str(value))
    payload = previous + "\x1e" + "\x1f".join(parts)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _chain_head(session: Session) -> tuple[int, str]:
    """The last event's id and hash. Writers hold the database's write lock (BEGIN IMMEDIATE
    on SQLite, an advisory lock on a server), so nobody else extends the chain meanwhile."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7357001)"))
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return (0, GENESIS) if last is None else (last[0], last[1])


def write_audit(
    session: Session,
    changes: Iterable[Change],
    *,
    user: str | None,
    reason: str | None,
    at: dt.datetime | None = None,
) -> int:
    when = at or utc_now()
    changes = list(changes)
    if not changes:
        return 0
    last_id, previous = _chain_head(session)
    rows = []
    for offset, c in enumerate(changes, start=1):
        row = {
            "id": last_id + offset,
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
        previous = row["hash"] = event_hash(previous, row)
        rows.append(row)
    session.execute(AUDIT_TABLE.insert(), rows)
    return len(rows)


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


def _events(session: Session, batch: int = 5000) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        rows = (
            session.execute(
                select(AUDIT_TABLE)
                .where(AUDIT_TABLE.c.id > last)
                .order_by(AUDIT_TABLE.c.id)
                .limit(batch)
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        for row in rows:
            yield dict(row)
        last = rows[-1]["id"]


def verify_chain(session: Session) -> tuple[int, ChainBreak | None]:
    """How many events were checked, and the first that does not match its chain."""
    previous, checked, expected_id = GENESIS, 0, 1
    for row in _events(session):
        checked += 1
        if row["id"] != expected_id:
            return checked, ChainBreak(
                row["id"], f"events {expected_id}–{row['id'] - 1} are missing (deleted)"
            )
        if row["hash"] != event_hash(previous, row):
            return checked, ChainBreak(
                row["id"],
                "its content or its place in the chain was changed after it was written",
            )
        previous, expected_id = row["hash"], row["id"] + 1
    return checked, None
