"""A database on read-only media, for real: the file made 0444, or its folder 0555 (its files
0444), or, run as root (whom permissions do not stop), the folder bind-mounted read-only.
Permissions are always put back and mounts undone, so pytest can clean tmp_path."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

KINDS = ("file", "folder")  # a file 0444 in a writable folder; a folder nobody here writes
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def side_files(path: Path) -> list[Path]:
    """The -wal, -shm and -journal files beside a database that exist."""
    return [p for p in (Path(f"{path}{s}") for s in ("-wal", "-shm", "-journal")) if p.exists()]


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=60, check=False)


def _unmount(point: Path) -> None:
    """Undo a mount of ours; lazily if a file on it is still open, so none outlives the test."""
    done = subprocess.run(["umount", str(point)], capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        subprocess.run(["umount", "-l", str(point)], capture_output=True, timeout=60, check=True)
    point.rmdir()


@contextmanager
def read_only(folder: Path, kind: str) -> Iterator[Path]:
    """`folder` (holding a database) made read-only as `kind` says; yields the folder to open
    the database from (a read-only view of it when root mounts one)."""
    if AS_ROOT:
        if kind == "file":
            pytest.skip("run as root, a file with mode 0444 can still be written")
        yield from _bind_mounted_read_only(folder)
        return
    files = [p for p in folder.iterdir() if p.is_file()]
    for file in files:
        file.chmod(0o444)
    if kind == "folder":
        folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)
        for file in files:
            file.chmod(0o644)


def _bind_mounted_read_only(folder: Path) -> Iterator[Path]:
    if shutil.which("mount") is None:
        pytest.skip("run as root without `mount`: cannot make read-only media")
    view = folder.parent / f"{folder.name}-read-only"
    view.mkdir()
    done = _mount("--bind", str(folder), str(view))
    if done.returncode != 0:
        view.rmdir()
        pytest.skip(f"run as root, but a read-only bind mount failed: {done.stderr.strip()}")
    try:
        remounted = _mount("-o", "remount,bind,ro", str(view))
        if remounted.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remounted.stderr.strip()}")
        yield view
    finally:
        _unmount(view)


@contextmanager
def full_disk(tmp_path: Path, size: str = "64k") -> Iterator[Path]:
    """A small tmpfs filled to the last byte (root only; skipped otherwise)."""
    if not AS_ROOT or shutil.which("mount") is None:
        pytest.skip("a small full disk needs root to mount a tmpfs")
    point = tmp_path / "full-disk"
    point.mkdir()
    done = _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point))
    if done.returncode != 0:
        point.rmdir()
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        yield point
    finally:
        _unmount(point)


def fill(folder: Path) -> None:
    """Write into `folder` until its disk has no byte left."""
    for name, chunk in (("filler", 4096), ("filler-tail", 1)):
        with (folder / name).open("wb", buffering=0) as out:
            try:
                while out.write(b"\0" * chunk):
                    pass
            except OSError:
                pass
