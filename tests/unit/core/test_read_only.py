"""A database on read-only media is opened read-only: read in full, never migrated, never
written, and nothing made beside it. A full disk is said in plain words and leaves nothing
half-written."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from read_only_media import KINDS, full_disk, read_only, side_files
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from exodesk.db import (
    DatabaseRefused,
    ReadOnlyDatabase,
    explain_database_error,
    head_revision,
    open_database,
)
from exodesk.files import DiskFull, disk_full_in, write_atomically
from exodesk.models import Location, Lot

READ_ONLY_WORDS = (
    "is on read-only media (or a folder you cannot write): it can be read but not changed; "
    "nothing was written"
)


def _clinic(tmp_path: Path, demo_template: Path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    shutil.copyfile(demo_template, folder / "clinic.sqlite")
    return folder / "clinic.sqlite"


@pytest.fixture(params=KINDS)
def media(request: pytest.FixtureRequest, tmp_path: Path, demo_template: Path) -> Iterator[Path]:
    """The demo clinic on read-only media (each kind); yields the file to open."""
    path = _clinic(tmp_path, demo_template)
    with read_only(path.parent, request.param) as folder:
        yield folder / path.name


def test_a_database_on_read_only_media_is_read_and_left_exactly_as_it_was(media: Path) -> None:
    before = media.read_bytes()
    db = open_database(str(media))
    try:
        assert db.read_only
        with db.read() as session:
            assert (session.scalar(select(func.count()).select_from(Lot)) or 0) > 0
        with pytest.raises(ReadOnlyDatabase) as refused, db.write() as session:
            session.add(Location(name="Never written"))
        assert str(refused.value) == f"{media} {READ_ONLY_WORDS}"
        assert explain_database_error(refused.value) == str(refused.value)
    finally:
        db.close()
    assert media.read_bytes() == before
    assert side_files(media) == []


def test_the_same_file_where_it_can_be_written_is_not_read_only(db_path: Path) -> None:
    db = open_database(str(db_path))
    try:
        assert not db.read_only
    finally:
        db.close()


@pytest.mark.parametrize("kind", KINDS)
def test_a_database_needing_an_upgrade_on_read_only_media_is_refused(
    tmp_path: Path, demo_template: Path, kind: str
) -> None:
    path = _clinic(tmp_path, demo_template)
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '0005'")
    assert head_revision() != "0005"
    with read_only(path.parent, kind) as folder:
        target = folder / path.name
        before = target.read_bytes()
        with pytest.raises(DatabaseRefused) as refused:
            open_database(str(target))
        message = str(refused.value)
        assert str(target) in message
        assert "needs upgrading" in message and "copy it to a writable folder first" in message
        assert target.read_bytes() == before
        assert side_files(target) == []
        assert not (folder / "clinic-backups").exists()  # no pre-migration backup tried


def _snapshot_in_use(source: Path, folder: Path, *, with_shm: bool) -> None:
    """Copy a database while a connection has a change in its -wal (a snapshot taken in use)."""
    folder.mkdir()
    conn = sqlite3.connect(source)
    try:
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute("INSERT INTO location (name) VALUES ('Only in the WAL')")
        conn.commit()
        for suffix in ("", "-wal", "-shm") if with_shm else ("", "-wal"):
            shutil.copyfile(f"{source}{suffix}", folder / f"clinic.sqlite{suffix}")
    finally:
        conn.close()


def test_changes_waiting_in_a_wal_are_read_when_its_shm_is_there(
    tmp_path: Path, demo_db: Path
) -> None:
    _snapshot_in_use(demo_db, tmp_path / "snapshot", with_shm=True)
    with read_only(tmp_path / "snapshot", "folder") as folder:
        db = open_database(str(folder / "clinic.sqlite"))
        try:
            assert db.read_only
            with db.read() as session:
                names = set(session.scalars(select(Location.name)))
            assert "Only in the WAL" in names
        finally:
            db.close()


def test_changes_in_a_wal_that_cannot_be_read_on_read_only_media_are_refused(
    tmp_path: Path, demo_db: Path
) -> None:
    _snapshot_in_use(demo_db, tmp_path / "snapshot", with_shm=False)
    with read_only(tmp_path / "snapshot", "folder") as folder:
        target = folder / "clinic.sqlite"
        with pytest.raises(DatabaseRefused) as refused:
            open_database(str(target))
        message = str(refused.value)
        assert str(target) in message
        assert "clinic.sqlite-wal" in message and "writable folder" in message
        assert not Path(f"{target}-shm").exists()


def test_no_database_can_be_made_in_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "empty-media"
    folder.mkdir()
    with read_only(folder, "folder") as view:
        with pytest.raises(DatabaseRefused) as refused:
            open_database(str(view / "clinic.sqlite"))
        assert "none can be made" in str(refused.value)
        assert list(view.iterdir()) == []


# -- a full disk -----------------------------------------------------------------------------


def test_a_database_whose_disk_fills_up_says_so_and_keeps_nothing_half_written(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLITE_FULL for real: every connection may not grow the file past its size now."""
    open_database(str(db_path)).close()
    import exodesk.db

    real_make_engine = exodesk.db.make_engine

    def tiny_disk(target: str, read_only: str | None = None) -> Any:
        engine = real_make_engine(target, read_only)

        @event.listens_for(engine, "connect")
        def _cap(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

        return engine

    monkeypatch.setattr(exodesk.db, "make_engine", tiny_disk)
    db = open_database(str(db_path))
    try:
        with db.write() as session:
            session.add(Location(name="Fits"))  # a free page or two still takes one row
        with pytest.raises(OperationalError) as full, db.write() as session:
            session.add_all(Location(name=f"Shelf {i} " + "x" * 200) for i in range(5000))
        said = explain_database_error(full.value, str(db_path))
        assert said == (
            f"the disk holding {db_path} is full: free some space and try again; "
            "nothing was written"
        )
        with db.read() as session:
            names = list(session.scalars(select(Location.name)))
        assert names == ["Fits"]  # the failed transaction was rolled back whole
    finally:
        db.close()


def test_an_output_to_a_full_device_is_said_in_plain_words() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with pytest.raises(DiskFull) as full:
        write_atomically(Path("/dev/full"), "{}" * 10_000)
    assert str(full.value) == (
        "the disk holding /dev/full is full: free some space and try again; nothing was written"
    )
    assert disk_full_in(RuntimeError("wrapped")) is None
    try:
        raise RuntimeError("wrapped") from full.value
    except RuntimeError as wrapped:
        assert disk_full_in(wrapped) is full.value


def test_a_file_that_does_not_fit_leaves_the_old_one_and_no_temporary(tmp_path: Path) -> None:
    with full_disk(tmp_path) as disk:
        target = disk / "export.json"
        target.write_text("the old export")
        from read_only_media import fill

        fill(disk)
        with pytest.raises(DiskFull) as full:
            write_atomically(target, "x" * 200_000)
        assert str(target) in str(full.value)
        assert target.read_text() == "the old export"
        assert sorted(p.name for p in disk.iterdir()) == ["export.json", "filler", "filler-tail"]
