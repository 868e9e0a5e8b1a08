"""Opening a database: a file path or SQLAlchemy URL, checked read-only before anything is
written, then migrated to the newest schema. SQLite connections get foreign keys, WAL, a busy
timeout and transactions that really begin (SQLAlchemy's documented pysqlite BEGIN fix)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from exodesk.backup import BackupError, latest_backup, newest_copy, pre_migration_backup
from exodesk.settings import default_database_path

MIGRATIONS_DIR = Path(str(files("exodesk") / "migrations"))
# `PRAGMA application_id` of every ExoDesk SQLite database: b"ExoD" as a 32-bit integer.
APPLICATION_ID = int.from_bytes(b"ExoD", "big")
BUSY_TIMEOUT_MS = int(os.environ.get("EXODESK_BUSY_TIMEOUT_MS", "10000"))
NETWORK_FILESYSTEMS = {
    "cifs",
    "smb3",
    "smbfs",
    "nfs",
    "nfs4",
    "afs",
    "fuse.sshfs",
    "9p",
    "davfs",
    "fuse.davfs2",
    "ncpfs",
}


class DatabaseRefused(Exception):
    """The database cannot be opened safely; nothing was written to it. CLI exit 3."""


def explain_operational_error(exc: OperationalError) -> str:
    """A database error in the clinic's words; the transaction was rolled back."""
    text = str(exc.orig).lower()
    if "locked" in text or "busy" in text:
        return (
            "the database is busy: another workstation is writing to it; nothing was "
            "written, try again shortly"
        )
    if "readonly" in text or "read-only" in text:
        return "the database is read-only here (file or folder permissions); nothing was written"
    if "full" in text:
        return "the disk is full; nothing was written. Free some space and try again"
    if "disk i/o" in text:
        return "the disk reported an error; nothing was written. Check the drive"
    return f"database error ({exc.orig}); nothing was written"


def explain_database_error(exc: BaseException) -> str | None:
    """A database failure in plain words (locked, disk full, read-only, lost connection), or
    None when `exc` is not one: so the window never needs to know SQLAlchemy's exceptions."""
    if isinstance(exc, OperationalError):
        return explain_operational_error(exc)
    if isinstance(exc, SQLAlchemyError):
        return (
            f"the database did not take the change ({type(exc).__name__}); nothing was "
            "written, try again"
        )
    return None


def resolve_target(target: str | None) -> str:
    """--db, then EXODESK_DB, then the per-user data folder."""
    if target:
        return target
    env = os.environ.get("EXODESK_DB")
    if env:
        return env
    return str(default_database_path())


SUPPORTED_BACKENDS = ("sqlite", "postgresql")
NOT_A_TARGET = (
    "give a database file (clinic.sqlite) or a PostgreSQL URL "
    "(postgresql+psycopg://user@server/database)"
)


def _is_url(target: str) -> bool:
    return "://" in target


def target_url(target: str) -> URL:
    if _is_url(target):
        try:
            url = make_url(target)
        except ArgumentError:
            raise DatabaseRefused(f"{target}: {NOT_A_TARGET}") from None
        if url.get_backend_name() not in SUPPORTED_BACKENDS:
            shown = url.render_as_string(hide_password=True)
            raise DatabaseRefused(
                f"{shown}: ExoDesk cannot open a {url.get_backend_name()!r} database; "
                f"{NOT_A_TARGET}"
            )
        return url
    return URL.create("sqlite+pysqlite", database=str(Path(target).expanduser().resolve()))


def _create_engine(url: URL, **options: Any) -> Engine:
    """create_engine, with a missing database driver said in plain words."""
    try:
        return create_engine(url, **options)
    except (ImportError, NoSuchModuleError):
        shown = url.render_as_string(hide_password=True)
        raise DatabaseRefused(
            f"{shown}: the database driver {url.get_driver_name()!r} is not installed; "
            "ExoDesk talks to PostgreSQL through psycopg (postgresql+psycopg://…, "
            "pip install 'exodesk[postgres]')"
        ) from None


def sqlite_file(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for a server or in-memory database."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def make_engine(target: str) -> Engine:
    url = target_url(target)
    if url.get_backend_name() != "sqlite":
        return _create_engine(url, pool_pre_ping=True)
    file_backed = sqlite_file(url) is not None
    engine = _create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below decide
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if file_backed:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock at BEGIN so two writers queue on the busy timeout
        # instead of failing with a deadlock when both upgrade from a read lock.
        mode = conn.get_execution_options().get("exodesk_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def our_revisions() -> frozenset[str]:
    """Every revision id of ExoDesk's migrations (exodesk/migrations/versions)."""
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(rev.revision for rev in script.walk_revisions())


def _not_ours(where: str, why: str) -> DatabaseRefused:
    return DatabaseRefused(f"{where}: not an ExoDesk database ({why})")


def _schema_state(conn: Connection, where: str, application_id: int | None = None) -> str | None:
    """The stored revision, None for an empty database; refuses foreign or newer ones.
    `application_id` is the SQLite file's (None for a server database): ours marks an ExoDesk
    database; 0 is a file made before the mark, accepted only with one of our revisions."""
    if application_id not in (None, 0, APPLICATION_ID):
        raise _not_ours(where, f"it belongs to another program, application id {application_id}")
    tables = set(inspect(conn).get_table_names())
    if not tables:
        return None
    if "alembic_version" not in tables:
        raise _not_ours(where, "it has tables ExoDesk did not make")
    revision = MigrationContext.configure(conn).get_current_revision()
    known = revision in our_revisions()
    if application_id == 0 and not known:
        # No ExoDesk mark and no revision of ours: another program that also uses Alembic.
        shown = f"schema {revision}" if revision else "no schema revision"
        raise _not_ours(where, f"its alembic_version ({shown}) is not ExoDesk's")
    if revision is None:
        return None
    if not known:
        raise DatabaseRefused(
            f"{where}: made by a newer ExoDesk (schema {revision}); update ExoDesk to open it"
        )
    return revision


def _with_backup_hint(path: Path, message: str) -> str:
    latest = latest_backup(path)
    if latest is None:
        return message
    return f"{message}. The latest backup is {latest}; restore it with: exodesk restore {latest}"


def network_filesystem(path: Path, mounts_text: str | None = None) -> str | None:
    """The network file system type (cifs, nfs, …) the file lives on, if any (Linux)."""
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/mounts").read_text(encoding="utf-8")
        except OSError:
            return None
    mounts = mounts_text.splitlines()
    target = str(path.resolve())
    best: tuple[int, str] | None = None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) > best[0]):
            best = (len(point), fields[2])
    return best[1] if best and best[1] in NETWORK_FILESYSTEMS else None


def _check_sqlite_file(path: Path) -> tuple[str | None, int]:
    """Read-only checks of an existing file: integrity, ExoDesk schema, known revision.
    Returns the revision (None: empty) and the file's application id (0 for no file)."""
    try:
        return _read_only_checks(path)
    except DatabaseRefused as exc:
        if "newer ExoDesk" in str(exc):
            raise
        raise DatabaseRefused(_with_backup_hint(path, str(exc))) from exc


def _read_only_checks(path: Path) -> tuple[str | None, int]:
    if not path.exists() or path.stat().st_size == 0:
        return None, 0
    if path.is_dir():
        raise DatabaseRefused(f"{path}: is a folder, not a database file")
    # With no -wal beside it, no other connection has the file open: `immutable` then reads
    # it without creating -wal/-shm files. Otherwise read-only beside the other connections.
    flags = "mode=ro" if Path(f"{path}-wal").exists() else "mode=ro&immutable=1"
    ro = create_engine(
        URL.create("sqlite+pysqlite", database=f"file:{path}?{flags}", query={"uri": "true"})
    )
    try:
        with ro.connect() as conn:
            problems = [row[0] for row in conn.exec_driver_sql("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise DatabaseRefused(
                    f"{path}: the database file is damaged ({'; '.join(problems[:3])})"
                )
            application_id = int(conn.exec_driver_sql("PRAGMA application_id").scalar_one())
            return _schema_state(conn, str(path), application_id), application_id
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", exc)
        if "not a database" in str(reason):
            raise DatabaseRefused(f"{path}: not an ExoDesk database (not a SQLite file)") from exc
        raise DatabaseRefused(f"{path}: cannot be read as a database ({reason})") from exc
    finally:
        ro.dispose()


@dataclass
class Database:
    """An open, checked and migrated database, and the sessions the caller runs work in."""

    target: str
    engine: Engine
    warnings: tuple[str, ...] = ()
    created: bool = False  # this open made the file: see discard_if_created

    def __post_init__(self) -> None:
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(exodesk_begin="IMMEDIATE"), expire_on_commit=False
        )

    @property
    def display_name(self) -> str:
        url = target_url(self.target)
        path = sqlite_file(url)
        return str(path) if path else url.render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read.begin() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One user action: commits on success, rolls everything back on any error."""
        with self._write.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied (batch mode needs foreign keys off in SQLite),
    and mark a SQLite file as ExoDesk's (`PRAGMA application_id`), in one transaction: a
    failure leaves the file as it was."""
    cfg = alembic_config()
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        raw: Any = conn.connection.driver_connection
        if sqlite:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite:
                    broken = raw.execute("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise DatabaseRefused(f"migration left broken references: {broken[:3]}")
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")


def _refuse_if_copies_exist(path: Path) -> None:
    """A missing database whose backups or set-aside copies exist was there a moment ago:
    never start an empty clinic in its place."""
    copy = newest_copy(path)
    if copy is not None:
        raise DatabaseRefused(
            f"{path}: no database file here, but copies of it exist (the newest is {copy}); "
            f"nothing was created. Restore it with: exodesk restore {copy} --db {path}"
        )


def open_database(target: str | None = None) -> Database:
    """Check, create if new, and migrate to head. Refusals raise DatabaseRefused."""
    resolved = resolve_target(target)
    url = target_url(resolved)
    path = sqlite_file(url)
    warnings: list[str] = []
    created = False
    marked = True
    if path is not None:
        revision, application_id = _check_sqlite_file(path)
        marked = application_id == APPLICATION_ID
        if not path.exists():
            _refuse_if_copies_exist(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseRefused(f"{path}: cannot create its folder ({exc.strerror})") from exc
        share = network_filesystem(path.parent)
        if share:
            warnings.append(
                f"{path} is on a network share ({share}). SQLite over a share can corrupt the "
                "database when several workstations write; a group of clinics belongs on a "
                "PostgreSQL server (--db postgresql://…)."
            )
        if revision is not None and revision != head_revision():
            try:
                pre_migration_backup(path, revision)
            except BackupError as exc:
                raise DatabaseRefused(
                    f"{path}: needs upgrading, but the backup taken first failed ({exc}); "
                    "nothing was changed"
                ) from exc
        created = not path.exists()
    engine = make_engine(resolved)
    try:
        if path is None:
            with engine.connect() as conn:
                revision = _schema_state(conn, url.render_as_string(hide_password=True))
        if revision != head_revision() or not marked:
            upgrade(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        if created and path is not None:
            _remove_database_file(path)
        where = path or url.render_as_string(hide_password=True)
        reason = getattr(exc, "orig", exc)
        raise DatabaseRefused(f"{where}: cannot open the database ({reason})") from exc
    except DatabaseRefused:
        engine.dispose()
        if created and path is not None:
            _remove_database_file(path)
        raise
    return Database(resolved, engine, tuple(warnings), created)


def _remove_database_file(path: Path) -> None:
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            file.unlink(missing_ok=True)
        except OSError:
            pass


def _holds_only_the_empty_schema(path: Path) -> bool:
    """True when every table but alembic_version is empty (read-only look)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            return False
        tables = [
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if row[0] != "alembic_version" and not row[0].startswith("sqlite_")
        ]
        return not any(
            conn.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() for name in tables
        )
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def discard_if_created(db: Database) -> bool:
    """After a failed command: remove the database file (and its -wal/-shm) this open
    created, if it still holds nothing but the empty schema. True if it was removed."""
    path = sqlite_file(target_url(db.target))
    if not db.created or path is None or not path.is_file():
        return False
    db.close()
    if not _holds_only_the_empty_schema(path):
        return False
    _remove_database_file(path)
    return True
