"""Backups of a SQLite database file through SQLite's online backup API (safe while other
workstations have it open), checked before they are kept; daily rotation.

A backup is one SQLite file: the database, plus the documents' stored files (certificate
PDFs, scans) in a table of their own, so a backup kept off the machine keeps them too.
Restoring is in `restore.py`."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from exodesk import file_check
from exodesk.db_identity import APPLICATION_ID
from exodesk.files import (
    copy_atomically,
    move_into_place,
    sqlite_read_only_query,
    temporary_beside,
)
from exodesk.models.enums import BackupKind

KEEP_DAILY = 14
KEEP_MONTHLY = 12
DOCUMENT_FILES = "exodesk_backup_document_file"  # the documents' files inside a backup
# A stored file's place in the store: <first two hex digits>/<sha256><suffix>
STORED_FILE = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}(\.[a-z0-9]{1,8})?")


class BackupError(Exception):
    """A backup or restore could not be made safely; nothing was replaced."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    taken: dt.datetime
    documents: int = 0  # document files packed into the backup
    missing_documents: tuple[str, ...] = ()  # recorded on a document, absent from the store


def backups_dir(db_file: Path) -> Path:
    """Backups live beside the database, in `<name>-backups/`."""
    return db_file.parent / f"{db_file.stem}-backups"


def check_copy(path: Path) -> str:
    """A copy must be a sound ExoDesk database before it is kept or restored: readable,
    undamaged, and ExoDesk's (application_id, or an older unmarked file with ExoDesk's
    schema version table). Returns its schema revision; BackupError names what is wrong."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot be opened ({exc})") from exc
    try:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        if application_id not in (0, APPLICATION_ID):
            raise BackupError(f"{path}: not an ExoDesk database (another program's file)")
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as exc:
            result = [str(exc)]
        if result != ["ok"]:
            raise BackupError(f"{path}: the copy is damaged ({'; '.join(result[:3])})")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in tables:
            raise BackupError(f"{path}: not an ExoDesk database")
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None:
            raise BackupError(f"{path}: not an ExoDesk database (no schema version)")
        return str(revision[0])
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not an ExoDesk database ({exc})") from exc
    finally:
        conn.close()


def online_copy(source: Path, target: Path) -> None:
    """Page-by-page copy of a live database into `target` (a rollback-journal file)."""
    # On read-only media WAL's side files cannot be made: open it as files.py says it can.
    query = sqlite_read_only_query(source) or "mode=ro"
    src = sqlite3.connect(f"file:{source}?{query}", uri=True, timeout=30)
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


def _pack_documents(copy: Path, store: Path) -> tuple[int, tuple[str, ...]]:
    """Put each document's stored file into the copy. Returns how many were packed and the
    stored files that were missing from the store (or no longer match their hash)."""
    conn = sqlite3.connect(copy)
    packed, missing = 0, []
    try:
        rows = conn.execute(
            "SELECT DISTINCT stored_file, sha256 FROM document "
            "WHERE stored_file IS NOT NULL AND sha256 IS NOT NULL ORDER BY stored_file"
        ).fetchall()
        conn.execute(
            f"CREATE TABLE {DOCUMENT_FILES} (stored_file TEXT PRIMARY KEY, "
            "sha256 TEXT NOT NULL, content BLOB NOT NULL)"
        )
        for stored, sha in rows:
            data = _read_stored(store, stored)
            if data is None or hashlib.sha256(data).hexdigest() != sha:
                missing.append(stored)
                continue
            conn.execute(f"INSERT INTO {DOCUMENT_FILES} VALUES (?, ?, ?)", (stored, sha, data))
            packed += 1
        conn.commit()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot add the documents' files to the backup: {exc}") from exc
    finally:
        conn.close()
    return packed, tuple(missing)


def _read_stored(store: Path, stored: str) -> bytes | None:
    if not STORED_FILE.fullmatch(stored):
        return None
    try:
        return (store / stored).read_bytes()
    except OSError:
        return None


def backup(
    db_file: Path,
    dest: Path,
    *,
    store: Path | None = None,
    now: dt.datetime | None = None,
) -> BackupInfo:
    """Back up to `dest` (a file, or a folder that gets a time-stamped file); with `store`,
    the documents' files go into the backup too. The copy is checked, then renamed into
    place: `dest` is never a partial file."""
    taken = now or dt.datetime.now()
    if dest.is_dir():
        dest = dest / f"{db_file.stem}-{taken:%Y%m%d-%H%M%S}.sqlite"
    if dest.resolve() == db_file.resolve():
        raise BackupError(f"{dest}: that is the database itself")
    if not dest.parent.is_dir():
        raise BackupError(f"{dest.parent}: no such folder; nothing was written")
    packed, missing = 0, tuple[str, ...]()
    try:
        with temporary_beside(dest.parent, f".{dest.name}.") as tmp:
            online_copy(db_file, tmp)
            if store is not None:
                packed, missing = _pack_documents(tmp, store)
            try:
                check_copy(tmp)
            except BackupError:
                file_check.forget(db_file)  # the copy is the file: check it in full when opened
                raise
            move_into_place(tmp, dest)
    except OSError as exc:
        raise BackupError(f"{dest}: cannot write the backup ({_reason(exc)})") from exc
    return BackupInfo(dest, dest.stat().st_size, taken, packed, missing)


def _reason(exc: OSError) -> str:
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    return exc.strerror or str(exc)


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


def _daily_copy(db_file: Path, today: dt.date) -> Path:
    return backups_dir(db_file) / "daily" / f"{db_file.stem}-{today:%Y-%m-%d}.sqlite"


def daily_backup_exists(db_file: Path, today: dt.date) -> bool:
    return _daily_copy(db_file, today).exists()


def daily_backup(db_file: Path, today: dt.date, *, store: Path | None = None) -> BackupInfo | None:
    """The first start of a day takes a daily copy (and the month's first, a monthly one);
    keeps the newest 14 daily and 12 monthly copies. None if today's copy exists. The copy
    is checked in full (`check_copy`): the daily full check of the file itself."""
    folder = backups_dir(db_file)
    daily = _daily_copy(db_file, today)
    if daily.exists() or not db_file.exists():
        return None
    daily.parent.mkdir(parents=True, exist_ok=True)
    info = backup(db_file, daily, store=store)
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
    """The copy taken before a migration (documents' files are not at risk, so not packed)."""
    folder = backups_dir(db_file) / "before-migration"
    folder.mkdir(parents=True, exist_ok=True)
    return backup(
        db_file, folder / f"{db_file.stem}-rev{revision}-{dt.datetime.now():%Y%m%d-%H%M%S}.sqlite"
    )


@dataclass(frozen=True)
class KeptCopy:
    """One copy of the database that ExoDesk keeps: which kind, when (the file's time), how
    big, and where."""

    kind: BackupKind
    path: Path
    taken: dt.datetime
    size: int


_KIND_OF_FOLDER = {
    "daily": BackupKind.DAILY,
    "monthly": BackupKind.MONTHLY,
    "before-migration": BackupKind.BEFORE_MIGRATION,
}


def kept_copies(db_file: Path) -> list[KeptCopy]:
    """Every copy of `db_file` ExoDesk keeps, newest first: `<name>-backups/` (daily,
    monthly, before-migration, and those backed up by hand into the folder itself) and the
    `<file>.before-restore-<time>` files a restore set aside beside it."""
    found: list[tuple[BackupKind, Path]] = []
    folder = backups_dir(db_file)
    if folder.is_dir():
        for path in folder.rglob("*.sqlite"):
            where = path.parent.relative_to(folder).parts
            kind = _KIND_OF_FOLDER.get(where[0], BackupKind.BY_HAND) if where else None
            found.append((kind or BackupKind.BY_HAND, path))
    found += [
        (BackupKind.BEFORE_RESTORE, p)
        for p in db_file.parent.glob(f"{db_file.name}.before-restore-*")
    ]
    copies = []
    for kind, path in found:
        if path.name.startswith(".") or path.name.endswith(_SIDE_FILES):
            continue
        try:
            info = path.stat()
        except OSError:
            continue
        if path.is_file():
            taken = dt.datetime.fromtimestamp(info.st_mtime)
            copies.append(KeptCopy(kind, path, taken, info.st_size))
    return sorted(copies, key=lambda c: (c.taken, str(c.path)), reverse=True)
