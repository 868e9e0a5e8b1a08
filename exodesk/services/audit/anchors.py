"""Anchors: the audit trail's head (last event id and hash, event count) written at moments
that matter (a backup, an export, a count report, the day's start, a restore) to a log
OUTSIDE the database, in the per-user data folder, one file per database identity. Each
line carries an HMAC-SHA256 made with a per-installation key kept in the per-user config
folder, and the MAC of the line before it, so the log itself cannot be edited unnoticed by
someone who has not also read the key.

`audit verify` compares the chain with the anchors of the current era (since the newest
`restore` anchor: a restore legitimately rewinds the chain)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_config_path
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exodesk.models import DATABASE_ID, AuditEvent
from exodesk.services.facts import fact
from exodesk.settings import APP_NAME, data_dir

RESTORE = "restore"
# The moments that record the chain's head (RESTORE starts a new era)
ANCHOR_BACKUP = "backup"
ANCHOR_EXPORT = "export"
ANCHOR_COUNT_REPORT = "count report"
ANCHOR_WINDOW_START = "window start"
KEY_FILE = "audit-anchor.key"
FIELDS = ("v", "kind", "where", "at", "database_id", "event_id", "hash", "events", "previous")


def anchors_dir() -> Path:
    return data_dir() / "audit-anchors"


def anchor_log(database_id: str) -> Path:
    return anchors_dir() / f"{database_id}.jsonl"


def key_path() -> Path:
    return user_config_path(APP_NAME, appauthor=False) / KEY_FILE


def installation_key(create: bool = True) -> bytes | None:
    """This installation's anchor key, made (readable by this user only) on first use."""
    path = key_path()
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        if not create:
            return None
    except ValueError:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it meanwhile
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32) + "\n")
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _mac(key: bytes, line: dict[str, Any]) -> str:
    body = json.dumps({k: line.get(k) for k in FIELDS}, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def _last_mac(path: Path) -> str | None:
    if not path.exists():
        return None
    last = None
    with path.open(encoding="utf-8") as lines:
        for raw in lines:
            if raw.strip():
                last = raw
    if last is None:
        return None
    try:
        mac = json.loads(last).get("mac")
    except (ValueError, AttributeError):
        return None
    return mac if isinstance(mac, str) else None


def chain_head(session: Session) -> tuple[int, str | None, int]:
    """The last event's id and hash (0, None for an empty trail), and how many events."""
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    count = int(session.scalar(select(func.count(AuditEvent.id))) or 0)
    return (0, None, count) if last is None else (int(last[0]), str(last[1]), count)


def record_anchor(session: Session, kind: str, where: str | None = None) -> str | None:
    """Append the chain's head to this database's anchor log. Never fails the calling
    action: returns a short warning when the anchor could not be kept, else None."""
    database_id = fact(session, DATABASE_ID)
    if database_id is None:
        return "the audit trail was not anchored: this database has no identity yet"
    event_id, event_hash, events = chain_head(session)
    try:
        key = installation_key()
        if key is None:
            return f"the audit trail was not anchored: the anchor key {key_path()} is damaged"
        path = anchor_log(database_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        line: dict[str, Any] = {
            "v": 1,
            "kind": kind,
            "where": where,
            "at": dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
            "database_id": database_id,
            "event_id": event_id,
            "hash": event_hash,
            "events": events,
            "previous": _last_mac(path),
        }
        line["mac"] = _mac(key, line)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, sort_keys=True) + "\n")
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        return f"the audit trail was not anchored ({exc.strerror or exc})"
    return None


@dataclass(frozen=True)
class Anchor:
    line: int
    kind: str
    where: str | None
    at: str
    event_id: int
    hash: str | None

    def said(self) -> str:
        where = f" ({self.where})" if self.where else ""
        return f"the {self.kind} anchor of {self.at.replace('T', ' ')} UTC{where}"


@dataclass(frozen=True)
class AnchorLog:
    """The anchors of the current era, and what is wrong with the log itself."""

    anchors: tuple[Anchor, ...]
    problems: tuple[str, ...]
    notes: tuple[str, ...]
    restored_at: str | None = None


def read_anchors(database_id: str | None) -> AnchorLog:
    if database_id is None:
        return AnchorLog((), (), ("this database has no identity, so it has no anchors",))
    path = anchor_log(database_id)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return AnchorLog(
            (),
            (),
            (
                "no anchors of this database are kept on this computer, so deleted newest "
                "events or a recomputed chain could only be found by the replay",
            ),
        )
    except OSError as exc:
        return AnchorLog((), (f"the anchor log {path} cannot be read ({exc.strerror})",), ())
    key = installation_key(create=False)
    if key is None:
        return AnchorLog(
            (),
            (f"the anchor log {path} exists but this installation's anchor key is missing",),
            (),
        )
    anchors: list[Anchor] = []
    problems: list[str] = []
    previous: str | None = None
    restored_at: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
            if not isinstance(line, dict):
                raise ValueError
            anchor = Anchor(
                number,
                str(line["kind"]),
                line.get("where"),
                str(line["at"]),
                int(line["event_id"]),
                line.get("hash"),
            )
        except (ValueError, KeyError, TypeError):
            problems.append(f"line {number} of the anchor log {path} is not an anchor (edited)")
            continue
        if not hmac.compare_digest(str(line.get("mac")), _mac(key, line)):
            problems.append(
                f"line {number} of the anchor log {path} does not carry its seal: the anchor "
                "log was edited"
            )
            continue
        if line.get("previous") != previous:
            problems.append(
                f"line {number} of the anchor log {path} does not follow the line before it: "
                "anchors were removed from the log"
            )
        previous = str(line.get("mac"))
        if line.get("database_id") != database_id:
            problems.append(
                f"line {number} of the anchor log {path} is about another database "
                f"({line.get('database_id')})"
            )
            continue
        if anchor.kind == RESTORE:
            anchors, restored_at = [], anchor.at
        anchors.append(anchor)
    return AnchorLog(tuple(anchors), tuple(problems), (), restored_at)


def compare_anchors(log: AnchorLog, last_id: int, hashes: dict[int, str]) -> list[tuple[str, bool]]:
    """(text, serious) for each anchor the chain does not agree with. `hashes` holds the
    chain's hash at each anchored event id that it still has."""
    found: list[tuple[str, bool]] = [(p, True) for p in log.problems]
    found += [(n, False) for n in log.notes]
    for anchor in log.anchors:
        if anchor.event_id == 0:
            continue
        if anchor.event_id > last_id:
            found.append(
                (
                    f"{anchor.said()} saw the trail up to event {anchor.event_id}, but it now "
                    f"ends at event {last_id}: the newest events were deleted",
                    True,
                )
            )
        elif hashes.get(anchor.event_id) != anchor.hash:
            found.append(
                (
                    f"event {anchor.event_id} is not the one {anchor.said()} saw: the trail "
                    "was forged or recomputed",
                    True,
                )
            )
    return found


def copy_head(path: Path) -> tuple[int, str, str] | None:
    """The last event (id, hash, UTC time) of another ExoDesk SQLite file, read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with contextlib.closing(conn):
        row = conn.execute(
            "SELECT id, hash, at FROM audit_event ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]), str(row[2]))
