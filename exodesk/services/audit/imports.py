"""One audit event per import instead of a full copy of every record: the event holds the
file's SHA-256 and what it added, and the file itself is kept, compressed, in
`imported_file` (so a backup carries it). The replay re-reads the file, checked against the
SHA-256 in the (hash-chained) event, to know every record the import wrote."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import and_, insert, not_, or_, select
from sqlalchemy.orm import Session

from exodesk.models import AuditAction, AuditEvent, ImportedFile
from exodesk.models.enums import RecordKind
from exodesk.services.audit.trail import Change

IMPORT_RECORD = RecordKind.IMPORT.value
COMPRESSION = "zlib"
ZLIB_LEVEL = 6


def file_sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


class PackedFile:
    """An imported file's SHA-256, and the file compressed for keeping. A large file is
    compressed on a thread of its own, started here (zlib lets go of the interpreter while it
    works), so the other core does it while the file is read and checked."""

    IN_BACKGROUND_FROM = 1 << 20  # bytes

    def __init__(self, raw: bytes, sha256: str | None = None) -> None:
        self.size = len(raw)
        self.sha256 = sha256 or file_sha256(raw)
        self._packing: Future[bytes] | None = None
        self._raw: bytes | None = raw
        if self.size >= self.IN_BACKGROUND_FROM:
            # the thread holds the bytes until it is done with them, and then lets them go
            pool = ThreadPoolExecutor(1, thread_name_prefix="compress")
            self._packing = pool.submit(zlib.compress, raw, ZLIB_LEVEL)
            pool.shutdown(wait=False)
            self._raw = None

    def content(self) -> bytes:
        if self._packing is not None:
            return self._packing.result()
        assert self._raw is not None
        return zlib.compress(self._raw, ZLIB_LEVEL)


def keep_file(session: Session, file: PackedFile, *, name: str, at: dt.datetime) -> str:
    """Store the imported file compressed; return its SHA-256 (for the import's event)."""
    session.execute(
        insert(ImportedFile),
        {
            "sha256": file.sha256,
            "name": name[:300],
            "size": file.size,
            "compression": COMPRESSION,
            "content": file.content(),
            "imported_at": at,
        },
    )
    return file.sha256


def import_change(
    name: str, sha: str, size: int, added: dict[str, int], records: dict[str, int]
) -> Change:
    """The import's one event: which file (its SHA-256), how many records of each kind it
    added and held; the records themselves are the file's."""
    return Change(
        IMPORT_RECORD,
        f"{name} ({sha[:12]})",
        AuditAction.CREATE,
        new={"file": name, "sha256": sha, "size": size, "added": added, "records": records},
    )


# Events that change no record an earlier import wrote
_HARMLESS = or_(
    AuditEvent.record == IMPORT_RECORD,
    and_(
        AuditEvent.record == RecordKind.USER.value,
        AuditEvent.action.in_((AuditAction.SIGNED_IN, AuditAction.SIGN_IN_FAILED)),
    ),
)


def records_unchanged_since(session: Session, sha: str) -> dict[str, int] | None:
    """When this very file (its SHA-256) was imported before and nothing since has changed a
    record (no event after that import's but other imports and sign-ins): how many records
    of each kind it holds, all of them stored as they are in it. Otherwise None."""
    last = None
    for event_id, at, reason, new in session.execute(
        select(AuditEvent.id, AuditEvent.at, AuditEvent.reason, AuditEvent.new)
        .where(AuditEvent.record == IMPORT_RECORD, AuditEvent.record_key.like(f"% ({sha[:12]})"))
        .order_by(AuditEvent.id.desc())
    ):
        facts = import_facts(new)
        if facts.get("sha256") == sha and isinstance(facts.get("records"), dict):
            last = (event_id, at, reason, facts["records"])
            break
    if last is None:
        return None
    event_id, at, reason, records = last
    same_write = and_(AuditEvent.at == at, AuditEvent.reason == reason)
    changed = session.scalar(
        select(AuditEvent.id)
        .where(AuditEvent.id > event_id, not_(or_(_HARMLESS, same_write)))
        .limit(1)
    )
    if changed is not None:
        return None
    if not all(isinstance(n, int) for n in records.values()):
        return None
    return {str(k): int(n) for k, n in records.items()}


def import_facts(new: str | None) -> dict[str, Any]:
    """An import event's `new` as written (empty if it cannot be read)."""
    try:
        value = json.loads(new or "")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def stored_file(session: Session, sha: str) -> bytes | str:
    """The imported file whose SHA-256 is `sha`, or why it cannot be had (in words)."""
    rows = session.execute(
        select(ImportedFile.compression, ImportedFile.content).where(ImportedFile.sha256 == sha)
    ).all()
    if not rows:
        return "is missing from the database"
    for compression, content in rows:
        try:
            raw = zlib.decompress(content) if compression == COMPRESSION else None
        except zlib.error:
            raw = None
        if raw is not None and file_sha256(raw) == sha:
            return raw
    return "was changed after it was imported (its SHA-256 no longer matches)"
