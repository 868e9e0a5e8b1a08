"""Writing files so that a crash or power cut never leaves one half-written: everything is
written to a temporary file beside its target, flushed to disk, then renamed over the target,
so at every instant the file on disk is either the old content or the new. A disk that
fills up on the way is said in plain words (`DiskFull`), naming the file."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# No space left (ENOSPC), or the account's share of the disk used up (EDQUOT).
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def disk_full_message(where: object) -> str:
    return f"the disk holding {where} is full: free some space and try again; nothing was written"


class DiskFull(OSError):
    """Writing `filename` ran out of disk space; the file was left as it was."""

    def __init__(self, path: Path, code: int = errno.ENOSPC) -> None:
        super().__init__(code, "the disk is full", str(path))

    def __str__(self) -> str:
        return disk_full_message(self.filename)


def is_disk_full(exc: BaseException) -> bool:
    """An OSError of a full disk (or quota), or SQLite's SQLITE_FULL."""
    if isinstance(exc, OSError):
        return exc.errno in DISK_FULL_ERRNOS
    code = getattr(exc, "sqlite_errorcode", None)
    return (
        isinstance(exc, sqlite3.Error)
        and isinstance(code, int)
        and code & 0xFF == sqlite3.SQLITE_FULL
    )


def disk_full_in(exc: BaseException) -> BaseException | None:
    """The full-disk error that caused `exc` (itself, its cause or its context), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if is_disk_full(current):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


@contextmanager
def full_disk_named(path: Path) -> Iterator[None]:
    """ENOSPC or EDQUOT while writing `path` (or its temporary file) becomes DiskFull(path)."""
    try:
        yield
    except DiskFull:
        raise
    except OSError as exc:
        if exc.errno in DISK_FULL_ERRNOS:
            raise DiskFull(path, exc.errno) from exc
        raise


def on_read_only_media(folder: Path) -> bool:
    """The file system holding `folder` is mounted read-only (a CD, a write-protected stick,
    a snapshot)."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs on Windows
        return False


def folder_writable(folder: Path) -> bool:
    """New files can be made in `folder`: it is not on read-only media, and this account
    may write it."""
    return not on_read_only_media(folder) and os.access(folder, os.W_OK)


def sqlite_read_only_query(path: Path) -> str | None:
    """How to open the SQLite file `path` when it cannot be written: None when the file and
    its folder can be (WAL makes -wal and -shm beside the file), else the query of a
    read-only URI (`file:PATH?QUERY`, uri=True) that creates nothing beside it. That is
    `mode=ro&immutable=1` when nobody can be writing it: no -wal with content beside it,
    and a folder that cannot be written or a file with no write permission for anyone.
    Otherwise `mode=ro`, which reads a -wal too (given its -shm on read-only media)."""
    if not path.is_file():
        return None
    folder_ok = folder_writable(path.parent)
    if folder_ok and os.access(path, os.W_OK):
        return None
    wal = Path(f"{path}-wal")
    pending = wal.is_file() and wal.stat().st_size > 0
    if not pending and (not folder_ok or not path.stat().st_mode & 0o222):
        return "mode=ro&immutable=1"
    return "mode=ro"


@contextmanager
def temporary_beside(folder: Path, prefix: str) -> Iterator[Path]:
    """A new empty file in `folder` (`<prefix>…tmp`) to write into and then hand to
    `move_into_place`; it is removed if it is still there when the block ends."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def move_into_place(tmp: Path, target: Path) -> None:
    """Flush `tmp` to disk and rename it over `target` (same folder), then flush the folder
    so the rename itself survives a power cut."""
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    try:
        folder = os.open(target.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def write_atomically(path: Path, content: str | bytes) -> None:
    """Replace `path` whole with `content` (text is written as UTF-8, newlines as given).
    A path that is not a regular file (/dev/stdout, a pipe) is written to directly:
    renaming over it would replace the device itself."""
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path.exists() and not path.is_file():
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder", str(path))
        with full_disk_named(path), path.open("wb") as out:
            out.write(data)
        return
    with full_disk_named(path), temporary_beside(path.parent, f".{path.name}.") as tmp:
        tmp.write_bytes(data)
        move_into_place(tmp, path)


def copy_atomically(source: Path, target: Path) -> None:
    """Copy `source` over `target` (contents and times) so that `target` is never partial."""
    with full_disk_named(target), temporary_beside(target.parent, f".{target.name}.") as tmp:
        shutil.copy2(source, tmp)
        move_into_place(tmp, target)
