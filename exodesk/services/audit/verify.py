"""`audit verify`, everything it checks in one pass over the trail: the hash chain (every
event, not only up to the first break), the append-only guards, the replay against the
tables (replay.py), the anchors kept outside the database (anchors.py) and, if given, the
chain head of backup copies."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from exodesk.models import DATABASE_ID
from exodesk.services.audit.anchors import compare_anchors, copy_head, read_anchors
from exodesk.services.audit.guards import missing_guards
from exodesk.services.audit.imports import stored_file
from exodesk.services.audit.replay import Finding, Replay
from exodesk.services.audit.trail import GENESIS, ChainBreak, _events, event_hash
from exodesk.services.facts import fact

MAX_BREAKS = 20


@dataclass(frozen=True)
class Verification:
    checked: int
    last_id: int
    breaks: tuple[ChainBreak, ...]
    findings: tuple[Finding, ...]

    @property
    def intact(self) -> bool:
        return not self.breaks and not any(f.serious for f in self.findings)


def verify_trail(
    session: Session, *, use_anchors: bool = True, copies: Sequence[Path] = ()
) -> Verification:
    database_id = fact(session, DATABASE_ID)
    log = read_anchors(database_id) if use_anchors else None
    wanted = {a.event_id for a in log.anchors} if log else set()
    copy_heads: list[tuple[Path, tuple[int, str, str] | None | str]] = []
    for path in copies:
        try:
            copy_heads.append((path, copy_head(path)))
        except sqlite3.Error as exc:
            copy_heads.append((path, f"cannot be read as an ExoDesk database ({exc})"))
    for _, head in copy_heads:
        if isinstance(head, tuple):
            wanted.add(head[0])
    hashes: dict[int, str] = {}
    breaks: list[ChainBreak] = []
    more_breaks = 0
    replay = Replay(files=lambda sha: stored_file(session, sha))
    previous, checked, expected_id, last_id = GENESIS, 0, 1, 0
    for row in _events(session):
        checked += 1
        found: ChainBreak | None = None
        if row["id"] != expected_id:
            found = ChainBreak(
                row["id"], f"events {expected_id}–{row['id'] - 1} are missing (deleted)"
            )
        elif row["hash"] != event_hash(previous, row):
            found = ChainBreak(
                row["id"],
                "its content or its place in the chain was changed after it was written",
            )
        if found is not None:
            if len(breaks) < MAX_BREAKS:
                breaks.append(found)
            else:
                more_breaks += 1
        previous, expected_id, last_id = row["hash"], row["id"] + 1, row["id"]
        if last_id in wanted:
            hashes[last_id] = row["hash"]
        replay.feed(row)
    findings: list[Finding] = []
    if more_breaks:
        findings.append(Finding(f"… and {more_breaks} more events that do not match the chain"))
    findings += [
        Finding(
            f"the audit trail's append-only guard {name} is missing or altered: someone changed "
            "the database outside ExoDesk (ExoDesk puts it back when it next opens the "
            "database for writing)"
        )
        for name in missing_guards(session.connection())
    ]
    findings += replay.guard_events
    if log is not None:
        findings += [Finding(t, s) for t, s in compare_anchors(log, last_id, hashes)]
    for path, head in copy_heads:
        findings += _compare_copy(path, head, last_id, hashes, log.restored_at if log else None)
    findings += replay.compare(session)
    return Verification(checked, last_id, tuple(breaks), tuple(findings))


def _compare_copy(
    path: Path,
    head: tuple[int, str, str] | None | str,
    last_id: int,
    hashes: dict[int, str],
    restored_at: str | None,
) -> list[Finding]:
    if isinstance(head, str):
        return [Finding(f"the copy {path} {head}")]
    if head is None:
        return [Finding(f"the copy {path} has an empty audit trail", serious=False)]
    event_id, copy_hash, at = head
    if hashes.get(event_id) == copy_hash:
        return []
    if restored_at is not None and restored_at.replace("T", " ") > at:
        return [
            Finding(
                f"the copy {path} was made before the restore of "
                f"{restored_at.replace('T', ' ')} UTC; its trail is not comparable",
                serious=False,
            )
        ]
    if event_id > last_id:
        return [
            Finding(
                f"the copy {path} holds the trail up to event {event_id}, but the database's "
                f"trail ends at event {last_id}: the newest events were deleted"
            )
        ]
    return [
        Finding(
            f"event {event_id} is not the same in the copy {path}: the trail (of the database "
            "or of the copy) was forged or recomputed"
        )
    ]
