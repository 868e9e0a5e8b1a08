"""When opening a SQLite file may skip its full integrity check: the file is exactly as
ExoDesk last left it.

The check (`PRAGMA quick_check`) reads every page, seconds on a clinic group's file, before
every command. It finds damage done to the file, and damage comes from outside ExoDesk's own
writes (a disk, a copy cut short, another program, a restore by hand). So each time ExoDesk
leaves the file (a write committed, the database closed, a full check passed), it notes the
file's identity: device, inode, size and modification and change times to the nanosecond.
A file that still matches its note has not been touched since; anything else (no note, a
note from another file, a file written, copied, truncated or put back since) gets the full
check. A database that needs migrating always gets it, and every backup copy is checked in
full before it is kept (`backup.check_copy`).

The notes live in the user's data folder, one small file per database (the database file
itself cannot hold it: writing it would change what it describes). Losing them costs one
full check, nothing else."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from exodesk.settings import data_dir

_found_damaged: set[Path] = set()
_FIELDS = ("st_dev", "st_ino", "st_size", "st_mtime_ns", "st_ctime_ns")


def _note_path(path: Path) -> Path:
    key = hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return data_dir() / "checked" / f"{key[:32]}.json"


def _identity(path: Path) -> list[int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [int(getattr(stat, field)) for field in _FIELDS]


def unchanged_since_noted(path: Path) -> bool:
    """True when the file is exactly as ExoDesk last noted it."""
    identity = _identity(path)
    if identity is None:
        return False
    try:
        note = json.loads(_note_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(note, dict) and note.get("identity") == identity


def note_as_left(path: Path) -> None:
    """Note the file as ExoDesk leaves it now. Best effort: a note that cannot be written
    only means the next open checks the file in full. Never for a file this process found
    damaged."""
    if path.resolve() in _found_damaged:
        return
    identity = _identity(path)
    if identity is None:
        return
    note = _note_path(path)
    temporary = note.with_name(f"{note.name}.{os.getpid()}.tmp")
    try:
        note.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(
            json.dumps({"file": str(path.resolve()), "identity": identity}), encoding="utf-8"
        )
        os.replace(temporary, note)
    except OSError:
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass


def found_damaged(path: Path) -> None:
    """SQLite met damage in the file: no note for it from this process, and the next open
    checks it in full."""
    _found_damaged.add(path.resolve())
    forget(path)


def forget(path: Path) -> None:
    """Check the file in full next time it is opened."""
    try:
        _note_path(path).unlink(missing_ok=True)
    except OSError:
        pass
