"""Reading the audit trail: events newest first, filtered by record, key, user and time, a
page at a time (the trail can hold hundreds of thousands of events), and as CSV."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from exodesk import csvcells
from exodesk.models import AuditAction, AuditEvent
from exodesk.services.search import contains_text

CSV_HEADERS = (
    "event",
    "at_utc",
    "user",
    "action",
    "record",
    "record_key",
    "field",
    "old",
    "new",
    "reason",
)


@dataclass(frozen=True)
class AuditFilter:
    """Which events to show. `since`/`until` are UTC times, `until` excluded; `user` is an
    exact name, "" for events with no user recorded; `key_contains` ignores case."""

    record: str | None = None
    key_contains: str = ""
    user: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: dt.datetime  # UTC
    user: str | None
    action: AuditAction
    record: str
    record_key: str
    field: str | None
    old: str | None
    new: str | None
    reason: str | None

    def csv_row(self) -> list[str]:
        return [
            str(self.id),
            self.at.isoformat(sep=" ", timespec="seconds"),
            self.user or "",
            self.action.value,
            self.record,
            self.record_key,
            self.field or "",
            self.old or "",
            self.new or "",
            self.reason or "",
        ]


# The columns of a listed event, read as plain rows (not ORM objects: a page is read on a
# worker thread while the window paints, and plain rows hold the interpreter less)
_COLUMNS = (
    AuditEvent.id,
    AuditEvent.at,
    AuditEvent.user,
    AuditEvent.action,
    AuditEvent.record,
    AuditEvent.record_key,
    AuditEvent.field,
    AuditEvent.old,
    AuditEvent.new,
    AuditEvent.reason,
)


def _query(flt: AuditFilter) -> Select[*tuple[Any, ...]]:
    query = select(*_COLUMNS)
    if flt.record:
        query = query.where(AuditEvent.record == flt.record)
    if flt.key_contains.strip():
        query = query.where(contains_text(AuditEvent.record_key, flt.key_contains.strip()))
    if flt.user is not None:
        query = query.where(
            AuditEvent.user.is_(None) if flt.user == "" else AuditEvent.user == flt.user
        )
    if flt.since is not None:
        query = query.where(AuditEvent.at >= flt.since)
    if flt.until is not None:
        query = query.where(AuditEvent.at < flt.until)
    return query


def _row(e: Any) -> AuditRow:
    return AuditRow(
        e.id,
        e.at,
        e.user,
        AuditAction(e.action),
        e.record,
        e.record_key,
        e.field,
        e.old,
        e.new,
        e.reason,
    )


def list_events(
    session: Session, flt: AuditFilter, *, limit: int, before_id: int | None = None
) -> list[AuditRow]:
    """Up to `limit` events matching `flt`, newest first; `before_id` continues after the
    last event of the previous page (keyset paging: as fast on page 200 as on page 1)."""
    query = _query(flt)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    return [_row(e) for e in session.execute(query.order_by(AuditEvent.id.desc()).limit(limit))]


def is_listed(session: Session, flt: AuditFilter, event_id: int) -> bool:
    """Whether event `event_id` exists and `flt` selects it."""
    query = _query(flt).with_only_columns(AuditEvent.id).where(AuditEvent.id == event_id)
    return session.scalar(query) is not None


def count_events(session: Session, flt: AuditFilter) -> int:
    query = _query(flt).with_only_columns(func.count(AuditEvent.id))
    return int(session.scalar(query) or 0)


def iter_events(session: Session, flt: AuditFilter, batch: int = 5000) -> Iterator[AuditRow]:
    """Every matching event, newest first, read a batch at a time."""
    before: int | None = None
    while True:
        rows = list_events(session, flt, limit=batch, before_id=before)
        yield from rows
        if len(rows) < batch:
            return
        before = rows[-1].id


def record_types(session: Session) -> list[str]:
    """The kinds of record the trail holds events about (product, lot, treatment …)."""
    return sorted(session.scalars(select(AuditEvent.record).distinct()))


def audit_users(session: Session) -> list[str]:
    """Every user named in the trail (events with no user left out)."""
    return sorted(
        session.scalars(select(AuditEvent.user).where(AuditEvent.user.is_not(None)).distinct()),
        key=str.lower,
    )


def events_csv(rows: Sequence[AuditRow] | Iterator[AuditRow]) -> str:
    out = io.StringIO()
    writer = csvcells.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADERS)
    for row in rows:
        writer.writerow(row.csv_row())
    return out.getvalue()
