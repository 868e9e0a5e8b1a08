"""Restoring a backup over the database, so that nothing is ever lost on the way.

- Everything that can be refused is refused before anything changes: a missing, foreign,
  damaged or newer backup; another program's file, or a newer ExoDesk's, at the database's
  place; a backup from before accounts over a database that has accounts (it would open the
  clinic to everyone).
- The backup is copied, migrated to this version's schema and checked beside the database;
  the documents' files packed in it go back into the document store.
- Restores are serialised by a lock file; the database must be closed everywhere else (a
  reader still holding it could hold committed work in its -wal, which is never dropped).
- The current file is copied aside (`<file>.before-restore-<time>`) while it is locked, then
  the new file is renamed over it in one step: a kill at any point leaves the old file or
  the new one, never none.
The caller checks who may restore (an admin, once the database has accounts)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from filelock import FileLock, Timeout

from exodesk.backup import (
    DOCUMENT_FILES,
    STORED_FILE,
    BackupError,
    check_copy,
    online_copy,
)
from exodesk.db import Database, make_engine, upgrade
from exodesk.db_identity import APPLICATION_ID, our_revisions
from exodesk.files import move_into_place, temporary_beside
from exodesk.services.audit.anchors import RESTORE, record_anchor
from exodesk.services.restoring import record_restore

LOCK_WAIT_SECONDS = 60.0


class Current(StrEnum):
    """What is at the database's place before a restore."""

    MISSING = "missing"
    OURS = "ours"  # a sound ExoDesk database this version can open
    DAMAGED = "damaged"  # ExoDesk's, but cannot be read whole
    FOREIGN = "foreign"  # another program's file
    NEWER = "newer"  # made by a newer ExoDesk


@dataclass(frozen=True)
class Restored:
    database: Path
    source: Path
    set_aside: Path | None  # the previous file, copied aside; None if there was none
    documents: int  # document files put back into the store
    warning: str | None = None  # the audit trail's anchor could not be recorded


def lock_path(db_file: Path) -> Path:
    """The lock file that serialises restores of `db_file` (kept, hidden, beside it)."""
    return db_file.with_name(f".{db_file.name}.restore-lock")


def current_state(db_file: Path, known_revisions: frozenset[str]) -> Current:
    """What is at `db_file` (read-only look; nothing is changed)."""
    if not db_file.exists():
        return Current.MISSING
    try:
        conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return Current.DAMAGED
    try:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if application_id not in (0, APPLICATION_ID) or "alembic_version" not in tables:
            return Current.FOREIGN if application_id != APPLICATION_ID else Current.DAMAGED
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is not None and revision[0] not in known_revisions:
            return Current.NEWER
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            return Current.DAMAGED
        return Current.OURS
    except sqlite3.DatabaseError:
        return Current.DAMAGED
    finally:
        conn.close()


def has_had_accounts(path: Path) -> bool:
    """Whether the database file has, or ever had, user accounts (read-only look; an older
    file may lack the tables that say so)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return False
    queries = (
        "SELECT 1 FROM database_fact WHERE name = 'accounts_since'",
        "SELECT 1 FROM user_account LIMIT 1",
        "SELECT 1 FROM audit_event WHERE record = 'user' AND action = 'create' LIMIT 1",
    )
    try:
        for query in queries:
            try:
                if conn.execute(query).fetchone() is not None:
                    return True
            except sqlite3.OperationalError:
                continue  # an older schema without that table
        return False
    finally:
        conn.close()


def database_id(path: Path) -> str | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return None
    try:
        row = conn.execute("SELECT value FROM database_fact WHERE name = 'database_id'").fetchone()
        return None if row is None else str(row[0])
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def restore(
    db_file: Path,
    source: Path,
    *,
    store: Path,
    known_revisions: frozenset[str],
    authorise: Callable[[Current], str | None],
    prepare: Callable[[Path, str | None, str | None], None],
    now: dt.datetime | None = None,
) -> Restored:
    """Replace `db_file` with a checked copy of the backup `source`.

    `authorise(state)` runs once the restore holds the lock: it returns who restores, or
    raises to refuse (an admin must sign in to a sound database that has accounts).
    `prepare(incoming, database_id, by)` brings the incoming copy to this version's schema
    and records the restore in its audit trail under the current database's identity.
    Raises BackupError, naming what is wrong, with nothing changed; OSError only for the
    file system failing mid-way, and even then the database is the old file or the new."""
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    if source.resolve() == db_file.resolve():
        raise BackupError(f"{source}: that is the database itself")
    lock = FileLock(lock_path(db_file), timeout=LOCK_WAIT_SECONDS)
    try:
        with lock:
            return _restore_locked(db_file, source, store, known_revisions, authorise, prepare, now)
    except Timeout:
        raise BackupError(
            f"{db_file}: another restore is under way (waited {LOCK_WAIT_SECONDS:g} s)"
        ) from None


def _restore_locked(
    db_file: Path,
    source: Path,
    store: Path,
    known_revisions: frozenset[str],
    authorise: Callable[[Current], str | None],
    prepare: Callable[[Path, str | None, str | None], None],
    now: dt.datetime | None,
) -> Restored:
    revision = check_copy(source)
    if revision not in known_revisions:
        raise BackupError(
            f"{source}: made by a newer ExoDesk (schema {revision}); update ExoDesk first"
        )
    state = current_state(db_file, known_revisions)
    if state is Current.FOREIGN:
        raise BackupError(f"{db_file}: another program's file is there, not an ExoDesk database")
    if state is Current.NEWER:
        raise BackupError(f"{db_file}: made by a newer ExoDesk; restore it with that version")
    by = authorise(state)
    if state is not Current.MISSING and has_had_accounts(db_file) and not has_had_accounts(source):
        raise BackupError(
            f"{source} is from before {db_file.name} had user accounts: restoring it would let "
            "anyone do anything. Restore a backup taken since the accounts were made"
        )
    identity = database_id(db_file) if state is Current.OURS else None
    _remove_leftovers(db_file)
    with temporary_beside(db_file.parent, f".{db_file.name}.restoring.") as incoming:
        online_copy(source, incoming)
        documents = _unpack_documents(incoming, store)
        prepare(incoming, identity, by)
        _settle(incoming)
        check_copy(incoming)
        if state is not Current.MISSING:
            os.chmod(incoming, stat.S_IMODE(db_file.stat().st_mode))  # who may read it stays
        aside = _swap(db_file, incoming, state, now or dt.datetime.now())
    return Restored(db_file, source, aside, documents)


def _remove_leftovers(db_file: Path) -> None:
    """Temporary files of a restore that was killed (none can be in use: we hold the lock)."""
    for pattern in (f".{db_file.name}.restoring.*", f".{db_file.name}.before-restore-*"):
        for leftover in db_file.parent.glob(pattern):
            leftover.unlink(missing_ok=True)


def _unpack_documents(incoming: Path, store: Path) -> int:
    """Put the documents' files packed in the backup back into the store (each checked
    against its SHA-256; a name that is not a store path is refused), then drop them from
    the incoming database."""
    conn = sqlite3.connect(incoming)
    count = 0
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if DOCUMENT_FILES not in tables:
            return 0
        for stored, sha, content in conn.execute(
            f"SELECT stored_file, sha256, content FROM {DOCUMENT_FILES}"
        ):
            if not isinstance(stored, str) or not STORED_FILE.fullmatch(stored):
                raise BackupError(f"the backup holds a document file with a bad name: {stored!r}")
            if not isinstance(content, bytes) or hashlib.sha256(content).hexdigest() != sha:
                raise BackupError(f"the backup's copy of {stored} is damaged (its hash differs)")
            _put_in_store(store, stored, content)
            count += 1
        conn.execute(f"DROP TABLE {DOCUMENT_FILES}")
        conn.commit()
        conn.execute("VACUUM")
    except sqlite3.Error as exc:
        raise BackupError(f"cannot read the documents' files in the backup: {exc}") from exc
    finally:
        conn.close()
    return count


def _put_in_store(store: Path, stored: str, content: bytes) -> None:
    target = store / stored
    if target.is_file() and hashlib.sha256(target.read_bytes()).digest() == (
        hashlib.sha256(content).digest()
    ):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with temporary_beside(target.parent, ".restoring-") as tmp:
        tmp.write_bytes(content)
        move_into_place(tmp, target)


def _settle(incoming: Path) -> None:
    """Leave the incoming file whole in itself: no -wal beside it, rollback-journal mode."""
    conn = sqlite3.connect(incoming)
    try:
        conn.execute("PRAGMA journal_mode=DELETE")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{incoming}{suffix}").unlink(missing_ok=True)


def _aside_name(db_file: Path, when: dt.datetime) -> Path:
    stamp = f"{when:%Y%m%d-%H%M%S}"
    aside = db_file.with_name(f"{db_file.name}.before-restore-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = db_file.with_name(f"{db_file.name}.before-restore-{stamp}-{n}")
    return aside


def _swap(db_file: Path, incoming: Path, state: Current, when: dt.datetime) -> Path | None:
    if state is Current.MISSING:
        move_into_place(incoming, db_file)
        return None
    aside = _aside_name(db_file, when)
    if state is Current.DAMAGED:
        # It cannot be locked or checkpointed: keep the file and its side files as they are.
        for suffix in ("-wal", "-shm", "-journal"):
            side = Path(f"{db_file}{suffix}")
            if side.exists():
                shutil.copy2(side, Path(f"{aside}{suffix}"))
        shutil.copy2(db_file, aside)
        for suffix in ("-wal", "-journal"):
            side = Path(f"{db_file}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{aside}{suffix}.moved"))
        move_into_place(incoming, db_file)
        Path(f"{db_file}-shm").unlink(missing_ok=True)
        return aside
    in_use = BackupError(
        f"{db_file} is open elsewhere (a window, or another workstation): close ExoDesk there "
        "and try again"
    )
    conn = sqlite3.connect(db_file, timeout=2, isolation_level=None)
    try:
        # Leaving WAL mode folds every committed transaction into the file itself, and is
        # refused while any other connection has the database open: then nothing changes.
        try:
            mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise in_use from exc
        if str(mode).lower() != "delete":
            raise in_use
        try:
            conn.execute("BEGIN EXCLUSIVE")  # nobody reads or writes until the swap is done
        except sqlite3.OperationalError as exc:
            raise in_use from exc
        with temporary_beside(db_file.parent, f".{aside.name}.") as tmp:
            shutil.copyfile(db_file, tmp)
            move_into_place(tmp, aside)
        move_into_place(incoming, db_file)
    finally:
        conn.close()
    return aside


def restore_database(
    db_file: Path, source: Path, *, store: Path, authorise: Callable[[Current], str | None]
) -> Restored:
    """`restore` with this version's schema and audit trail: the incoming copy is migrated
    and records, under the replaced database's identity, who restored it from what."""

    def prepare(incoming: Path, identity: str | None, by: str | None) -> None:
        db = Database(str(incoming), make_engine(str(incoming)))
        try:
            upgrade(db.engine)
            with db.write() as session:
                record_restore(
                    session, database=db_file.name, source=source.name, by=by, identity=identity
                )
        finally:
            db.close()

    restored = restore(
        db_file,
        source,
        store=store,
        known_revisions=our_revisions(),
        authorise=authorise,
        prepare=prepare,
    )
    db = Database(str(db_file), make_engine(str(db_file)))
    try:  # the new era of the trail starts here (anchors before it no longer apply)
        with db.read() as session:
            warning = record_anchor(session, RESTORE, where=str(source))
    finally:
        db.close()
    return replace(restored, warning=warning)
