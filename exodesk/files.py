"""Writing files so that a crash or power cut never leaves one half-written: everything is
written to a temporary file beside its target, flushed to disk, then renamed over the target,
so at every instant the file on disk is either the old content or the new."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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
        with path.open("wb") as out:
            out.write(data)
        return
    with temporary_beside(path.parent, f".{path.name}.") as tmp:
        tmp.write_bytes(data)
        move_into_place(tmp, path)


def copy_atomically(source: Path, target: Path) -> None:
    """Copy `source` over `target` (contents and times) so that `target` is never partial."""
    with temporary_beside(target.parent, f".{target.name}.") as tmp:
        shutil.copy2(source, tmp)
        move_into_place(tmp, target)
