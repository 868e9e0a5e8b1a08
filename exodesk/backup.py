"""Backups of a SQLite database file through SQLite's online backup API (safe while other
workstations have it open), checked before they are kept; restore; daily rotation."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from exodesk.files import copy_atomically, move_into_place, temporary_beside

KEEP_DAILY = 14
KEEP_MONTHLY = 12


class BackupError(Exception):
    """A backup or restore could not be made safely; nothing was replaced."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    taken: dt.datetime


def backups_dir(db_file: Path) -> Path:
    """Backups live beside the database, in `<name>-backups/`."""
    return db_file.parent / f"{db_file.stem}-backups"


def _check_copy(path: Path) -> None:
    """A copy must be a sound ExoDesk database before it is kept or restored."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot be opened ({exc})") from exc
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupError(f"{path}: the copy is damaged ({'; '.join(result[:3])})")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in tables:
            raise BackupError(f"{path}: not an ExoDesk database")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not an ExoDesk database ({exc})") from exc
    finally:
        conn.close()


def _copy_database(source: Path, target: Path) -> None:
    """Page-by-page online copy into a temporary file, checked, then renamed into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with temporary_beside(target.parent, f".{target.name}.") as tmp:
        _online_copy(source, tmp)
        _check_copy(tmp)
        move_into_place(tmp, target)


def _online_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=1024)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy {source}: {exc}") from exc
    finally:
        src.close()


def backup(db_file: Path, dest: Path, *, now: dt.datetime | None = None) -> BackupInfo:
    """Back up to `dest` (a file, or a folder that gets a time-stamped file)."""
    taken = now or dt.datetime.now()
    if dest.is_dir():
        dest = dest / f"{db_file.stem}-{taken:%Y%m%d-%H%M%S}.sqlite"
    if dest.resolve() == db_file.resolve():
        raise BackupError(f"{dest}: that is the database itself")
    try:
        _copy_database(db_file, dest)
    except OSError as exc:
        raise BackupError(f"{dest}: cannot write the backup ({exc.strerror})") from exc
    return BackupInfo(dest, dest.stat().st_size, taken)


def restore(db_file: Path, source: Path, *, now: dt.datetime | None = None) -> Path:
    """Replace the database with a checked copy of `source`. The current file (and its WAL)
    is first set aside as `<name>.before-restore-<time>`; its path is returned."""
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    _check_copy(source)
    stamp = f"{(now or dt.datetime.now()):%Y%m%d-%H%M%S}"
    aside = db_file.with_name(f"{db_file.name}.before-restore-{stamp}")
    with temporary_beside(db_file.parent, f".{db_file.name}.restoring.") as incoming:
        _online_copy(source, incoming)
        _check_copy(incoming)
        if db_file.exists():
            _set_aside(db_file, aside)
        move_into_place(incoming, db_file)
    return aside


def _set_aside(db_file: Path, aside: Path) -> None:
    """Fold the WAL into the file, then rename it (and drop its WAL and shared memory)."""
    conn = sqlite3.connect(db_file, timeout=30)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        raise BackupError(f"{db_file}: in use and cannot be set aside ({exc})") from exc
    finally:
        conn.close()
    os.replace(db_file, aside)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)


def latest_backup(db_file: Path) -> Path | None:
    folder = backups_dir(db_file)
    if not folder.is_dir():
        return None
    copies = [p for p in folder.rglob("*.sqlite") if p.is_file()]
    return max(copies, key=lambda p: p.stat().st_mtime, default=None)


def newest_copy(db_file: Path) -> Path | None:
    """The newest copy of the database anywhere ExoDesk keeps them: `<name>-backups/`
    (daily, monthly, before-migration, …) or a `<file>.before-restore-<time>` set aside
    beside it. None when there is none."""
    folder = backups_dir(db_file)
    copies = [p for p in folder.rglob("*.sqlite")] if folder.is_dir() else []
    copies += db_file.parent.glob(f"{db_file.name}.before-restore-*")
    kept = [
        p
        for p in copies
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith(_SIDE_FILES)
    ]
    return max(kept, key=lambda p: p.stat().st_mtime, default=None)


_SIDE_FILES = ("-wal", "-shm", "-journal")


def daily_backup(db_file: Path, today: dt.date) -> BackupInfo | None:
    """The first start of a day takes a daily copy (and the month's first, a monthly one);
    keeps the newest 14 daily and 12 monthly copies. None if today's copy exists."""
    folder = backups_dir(db_file)
    daily = folder / "daily" / f"{db_file.stem}-{today:%Y-%m-%d}.sqlite"
    if daily.exists() or not db_file.exists():
        return None
    info = backup(db_file, daily)
    monthly = folder / "monthly" / f"{db_file.stem}-{today:%Y-%m}.sqlite"
    if not monthly.exists():
        monthly.parent.mkdir(parents=True, exist_ok=True)
        copy_atomically(daily, monthly)
    _prune(folder / "daily", KEEP_DAILY)
    _prune(folder / "monthly", KEEP_MONTHLY)
    return info


def _prune(folder: Path, keep: int) -> None:
    copies = sorted(folder.glob("*.sqlite"))
    for old in copies[:-keep] if len(copies) > keep else []:
        old.unlink()


def pre_migration_backup(db_file: Path, revision: str) -> BackupInfo:
    folder = backups_dir(db_file) / "before-migration"
    return backup(
        db_file, folder / f"{db_file.stem}-rev{revision}-{dt.datetime.now():%Y%m%d-%H%M%S}.sqlite"
    )
