"""Opening a database: a file path or SQLAlchemy URL, checked read-only before anything is
written, then migrated to the newest schema. SQLite connections get foreign keys, WAL, a busy
timeout and transactions that really begin (SQLAlchemy's documented pysqlite BEGIN fix)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from exodesk import file_check
from exodesk.backup import (
    BackupError,
    latest_backup,
    newest_copy,
    pre_migration_backup,
)
from exodesk.db_identity import (
    APPLICATION_ID,
    MIGRATIONS_DIR,
    head_revision,
    is_url,
    our_revisions,
    resolve_target,
)
from exodesk.files import disk_full_message, folder_writable, sqlite_read_only_query
from exodesk.services.audit.guards import put_back_guards

if TYPE_CHECKING:
    from alembic.config import Config

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


class ReadOnlyDatabase(DatabaseRefused):
    """A write asked of a database opened read-only (read-only media, or a file or folder
    this account cannot write); refused before anything was written. CLI exit 3."""


def read_only_refusal(where: str) -> str:
    return (
        f"{where} is on read-only media (or a folder you cannot write): it can be read but "
        "not changed; nothing was written"
    )


def _sqlite_code(exc: OperationalError) -> int | None:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None  # the primary code of an extended one


def explain_operational_error(exc: OperationalError, where: str = "the database") -> str:
    """A database error in the clinic's words; the transaction was rolled back. `where`
    names the database (its file) in the sentences that need it."""
    text = str(exc.orig).lower()
    code = _sqlite_code(exc)
    if code == sqlite3.SQLITE_FULL or "database or disk is full" in text:
        return disk_full_message(where)
    if code == sqlite3.SQLITE_READONLY:
        return read_only_refusal(where)
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


SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26


def damage_in(exc: BaseException) -> sqlite3.DatabaseError | None:
    """The SQLite error saying the file is damaged (or no longer a database), if that is
    what `exc` is or wraps."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, sqlite3.DatabaseError) and getattr(seen, "sqlite_errorcode", None) in (
            SQLITE_CORRUPT,
            SQLITE_NOTADB,
        ):
            return seen
        seen = getattr(seen, "orig", None) or seen.__cause__
    return None


def damaged_message(where: str, exc: BaseException) -> str:
    """A damaged file met in the middle of a command: what is said (exit 3)."""
    message = (
        f"{where}: the database file is damaged ({exc}); the command stopped and nothing "
        "was written"
    )
    return _with_backup_hint(Path(where), message)


def explain_database_error(exc: BaseException, where: str = "the database") -> str | None:
    """A database failure in plain words (locked, disk full, read-only, lost connection), or
    None when `exc` is not one: so the window never needs to know SQLAlchemy's exceptions."""
    if isinstance(exc, ReadOnlyDatabase):
        return str(exc)
    if isinstance(exc, OperationalError):
        return explain_operational_error(exc, where)
    if isinstance(exc, SQLAlchemyError):
        return (
            f"the database did not take the change ({type(exc).__name__}); nothing was "
            "written, try again"
        )
    return None


SUPPORTED_BACKENDS = ("sqlite", "postgresql")
NOT_A_TARGET = (
    "give a database file (clinic.sqlite) or a PostgreSQL URL "
    "(postgresql+psycopg://user@server/database)"
)


def target_url(target: str) -> URL:
    if is_url(target):
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


def read_only_flags(path: Path) -> str | None:
    """None when the file and its folder can be written; otherwise the query of the read-only
    SQLite URI that reads it (files.sqlite_read_only_query). Refuses a file whose changes
    wait in a -wal that SQLite cannot read on read-only media (no -shm beside it)."""
    query = sqlite_read_only_query(path)
    if query is None:
        return None
    wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
    pending = wal.is_file() and wal.stat().st_size > 0
    if pending and not folder_writable(path.parent) and not shm.is_file():
        raise DatabaseRefused(
            f"{path}: its latest changes are still in {wal.name}, and SQLite cannot read them "
            f"without {shm.name} on read-only media (or a folder you cannot write); copy "
            f"{path.name} and {wal.name} together to a writable folder and open the copy "
            "there; nothing was written"
        )
    return query


def make_engine(target: str, read_only: str | None = None) -> Engine:
    """`read_only`: the query of a read-only SQLite URI (`read_only_flags`); the file is then
    opened through it, its journal mode left as it is and every write refused by SQLite."""
    url = target_url(target)
    if url.get_backend_name() != "sqlite":
        return _create_engine(url, pool_pre_ping=True)
    path = sqlite_file(url)
    file_backed = path is not None
    if read_only is not None and path is not None:
        url = URL.create(
            "sqlite+pysqlite", database=f"file:{path}?{read_only}", query={"uri": "true"}
        )
    engine = _create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below decide
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if read_only is not None:
            cursor.execute("PRAGMA query_only=ON")
        elif file_backed:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    if path is not None:
        damaged_file = path

        @event.listens_for(engine, "handle_error")
        def _on_error(context: Any) -> None:
            if damage_in(context.original_exception) is not None:
                file_check.found_damaged(damaged_file)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock at BEGIN so two writers queue on the busy timeout
        # instead of failing with a deadlock when both upgrade from a read lock.
        mode = conn.get_execution_options().get("exodesk_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def alembic_config() -> Config:
    from alembic.config import Config  # Alembic only for migrating: opening needs none of it

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


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
    versions = [
        str(row[0]) for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")
    ]
    if len(versions) > 1:
        raise _not_ours(where, f"its alembic_version names {len(versions)} schema revisions")
    revision = versions[0] if versions else None
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


def _check_sqlite_file(path: Path, flags: str | None = None) -> tuple[str | None, int]:
    """Read-only checks of an existing file: integrity, ExoDesk schema, known revision.
    Returns the revision (None: empty) and the file's application id (0 for no file).
    `flags`: the read-only URI query for a file on read-only media (`read_only_flags`)."""
    try:
        return _read_only_checks(path, flags)
    except DatabaseRefused as exc:
        if "newer ExoDesk" in str(exc):
            raise
        raise DatabaseRefused(_with_backup_hint(path, str(exc))) from exc


def _read_only_checks(path: Path, flags: str | None = None) -> tuple[str | None, int]:
    if not path.exists() or path.stat().st_size == 0:
        return None, 0
    if path.is_dir():
        raise DatabaseRefused(f"{path}: is a folder, not a database file")
    # With no -wal beside it, no other connection has the file open: `immutable` then reads
    # it without creating -wal/-shm files. Otherwise read-only beside the other connections.
    if flags is None:
        flags = "mode=ro" if Path(f"{path}-wal").exists() else "mode=ro&immutable=1"
    ro = create_engine(
        URL.create("sqlite+pysqlite", database=f"file:{path}?{flags}", query={"uri": "true"})
    )
    try:
        with ro.connect() as conn:
            checked = not file_check.unchanged_since_noted(path)
            if checked:
                _quick_check(conn, path)
            application_id = int(conn.exec_driver_sql("PRAGMA application_id").scalar_one())
            revision = _schema_state(conn, str(path), application_id)
            if not checked and revision != head_revision():
                _quick_check(conn, path)  # a migration only ever starts on a sound file
            return revision, application_id
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", exc)
        if "not a database" in str(reason):
            raise DatabaseRefused(f"{path}: not an ExoDesk database (not a SQLite file)") from exc
        raise DatabaseRefused(f"{path}: cannot be read as a database ({reason})") from exc
    finally:
        ro.dispose()


def _quick_check(conn: Connection, path: Path) -> None:
    try:
        problems = [row[0] for row in conn.exec_driver_sql("PRAGMA quick_check")]
    except SQLAlchemyError as exc:
        damage = damage_in(exc)
        if damage is None or damage.sqlite_errorcode != SQLITE_CORRUPT:
            raise  # not a database at all: said as such below
        problems = [str(damage)]
    if problems != ["ok"]:
        file_check.forget(path)
        raise DatabaseRefused(f"{path}: the database file is damaged ({'; '.join(problems[:3])})")


@dataclass
class Database:
    """An open, checked and migrated database, and the sessions the caller runs work in."""

    target: str
    engine: Engine
    warnings: tuple[str, ...] = ()
    created: bool = False  # this open made the file: see discard_if_created
    read_only: bool = False  # read-only media, or a file or folder this account cannot write

    def __post_init__(self) -> None:
        self._file = sqlite_file(target_url(self.target))
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
        """One user action: commits on success, rolls everything back on any error. On a
        read-only database, refused (ReadOnlyDatabase) before anything begins."""
        if self.read_only:
            raise ReadOnlyDatabase(read_only_refusal(self.display_name))
        with self._write.begin() as session:
            yield session
        self.note_as_left()

    def note_as_left(self) -> None:
        """The file is as ExoDesk's own writes left it: the next open need not check it in
        full (`file_check`). Never for a read-only file's absent writes: closing notes it."""
        if self._file is not None:
            file_check.note_as_left(self._file)

    def close(self) -> None:
        self.engine.dispose()
        self.note_as_left()


def upgrade(engine: Engine) -> None:
    """Apply every migration not yet applied (batch mode needs foreign keys off in SQLite),
    and mark a SQLite file as ExoDesk's (`PRAGMA application_id`), in one transaction: a
    failure leaves the file as it was."""
    from alembic import command

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
    flags: str | None = None  # the read-only URI query, for a file on read-only media
    if path is not None:
        flags = read_only_flags(path)
        revision, application_id = _check_sqlite_file(path, flags)
        marked = application_id == APPLICATION_ID
        if flags is not None:
            _refuse_upgrade_when_read_only(path, revision, marked)
        if not path.exists():
            _refuse_if_copies_exist(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseRefused(f"{path}: cannot create its folder ({exc.strerror})") from exc
        if not path.exists() and not folder_writable(path.parent):
            raise DatabaseRefused(
                f"{path}: no database file here, and none can be made: its folder is on "
                "read-only media (or a folder you cannot write); nothing was created"
            )
        share = network_filesystem(path.parent)
        if share:
            warnings.append(
                f"{path} is on a network share ({share}). SQLite over a share can corrupt the "
                "database when several workstations write; a group of clinics belongs on a "
                "PostgreSQL server (--db postgresql://…)."
            )
        if flags is None and revision is not None and revision != head_revision():
            try:
                pre_migration_backup(path, revision)
            except BackupError as exc:
                raise DatabaseRefused(
                    f"{path}: needs upgrading, but the backup taken first failed ({exc}); "
                    "nothing was changed"
                ) from exc
        created = not path.exists()
    read_only = flags is not None  # never migrated, never written: Database.write refuses
    engine = make_engine(resolved, flags)
    try:
        if path is None:
            with engine.connect() as conn:
                revision = _schema_state(conn, url.render_as_string(hide_password=True))
        if revision != head_revision() or not marked:
            upgrade(engine)
        if not read_only:
            with engine.begin() as conn:
                put_back_guards(conn)  # dropped outside ExoDesk: back, and recorded
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
    return Database(resolved, engine, tuple(warnings), created, read_only)


def _refuse_upgrade_when_read_only(path: Path, revision: str | None, marked: bool) -> None:
    """A database on read-only media is opened as it is: one that needs upgrading (or is
    empty, so needs its schema) cannot be, and is refused."""
    if revision is None:
        raise DatabaseRefused(
            f"{path}: holds no ExoDesk data yet, and it is on read-only media (or a folder "
            "you cannot write), where it cannot be set up; nothing was written"
        )
    if revision != head_revision() or not marked:
        raise DatabaseRefused(
            f"{path}: needs upgrading to this version of ExoDesk, which cannot be done on "
            "read-only media (or a folder you cannot write): copy it to a writable folder "
            "first and open the copy; nothing was written"
        )


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
            if row[0] not in ("alembic_version", "database_fact")
            and not row[0].startswith("sqlite_")
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
