"""The command line on a database on read-only media (shared/INTERCHANGE.md: `check`, `stock`,
`trace`, `export` and `backup` still work), a write refused in plain words with exit 3, and a
full disk named as such."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from read_only_media import KINDS, full_disk, read_only, side_files
from sqlalchemy import event

from exodesk.cli import main
from exodesk.db import open_database

READ_ONLY_WORDS = (
    "is on read-only media (or a folder you cannot write): it can be read but not changed; "
    "nothing was written"
)


@pytest.fixture(params=KINDS)
def media(request: pytest.FixtureRequest, tmp_path: Path, demo_template: Path) -> Iterator[Path]:
    """The demo clinic on read-only media (each kind); yields the file to use."""
    folder = tmp_path / "media"
    folder.mkdir()
    shutil.copyfile(demo_template, folder / "clinic.sqlite")
    with read_only(folder, request.param) as view:
        yield view / "clinic.sqlite"


def _a_lot(path: Path) -> tuple[str, str]:
    """A product and lot with treatments, read without writing anything."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)) as c:
        row = c.execute(
            "SELECT product.name, lot.code FROM lot JOIN product ON product.id = lot.product_id "
            "JOIN treatment ON treatment.lot_id = lot.id LIMIT 1"
        ).fetchone()
    return str(row[0]), str(row[1])


READS = [
    "check",
    "stock",
    "trace",
    "export",
    "backup",
]


@pytest.mark.parametrize("command", READS)
def test_reading_commands_work_on_read_only_media_and_change_nothing(
    media: Path, tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = media.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    args = {
        "check": ["check", "--today", "2026-11-22"],
        "stock": ["stock", "--json"],
        "trace": ["trace", *_a_lot(media)],
        "export": ["export", str(out / "clinic.json")],
        "backup": ["backup", str(out / "copy.sqlite")],
    }[command]
    code = main([*args, "--db", str(media)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert media.read_bytes() == before
    assert side_files(media) == []
    if command == "export":
        assert (out / "clinic.json").stat().st_size > 0
    if command == "backup":
        copy = open_database(str(out / "copy.sqlite"))  # the copy opens, writable, as usual
        try:
            assert not copy.read_only
        finally:
            copy.close()


def test_a_writing_command_on_read_only_media_is_exit_3_in_plain_words(
    media: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = media.read_bytes()
    exported = tmp_path / "clinic.json"
    assert main(["export", str(exported), "--db", str(media)]) == 0
    capsys.readouterr()
    assert main(["import", str(exported), "--db", str(media)]) == 3
    err = capsys.readouterr().err
    assert err == f"exodesk: {media} {READ_ONLY_WORDS}\n"
    assert media.read_bytes() == before
    assert side_files(media) == []


def test_a_write_is_refused_before_asking_anyone_to_sign_in(
    tmp_path: Path,
    demo_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A sign-in writes (a failed one is recorded): on read-only media it is never tried."""
    folder = tmp_path / "media"
    folder.mkdir()
    shutil.copyfile(demo_template, folder / "clinic.sqlite")
    monkeypatch.setenv("EXODESK_NEW_PASSWORD", "read-only-admin-password-1")
    db = folder / "clinic.sqlite"
    assert main(["user", "add", "RO Admin", "--role", "admin", "--db", str(db)]) == 0
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for side in side_files(db):
        side.unlink()
    monkeypatch.setenv("EXODESK_USER", "RO Admin")
    monkeypatch.setenv("EXODESK_PASSWORD", "a wrong password")
    capsys.readouterr()
    with read_only(folder, "folder") as view:
        target = view / "clinic.sqlite"
        assert main(["count", "start", "--db", str(target)]) == 3
        err = capsys.readouterr().err
        assert READ_ONLY_WORDS in err and "password" not in err.lower()
        assert main(["stock", "--db", str(target)]) == 0  # reading needs no sign-in


def test_a_database_needing_an_upgrade_on_read_only_media_is_exit_3(
    tmp_path: Path, demo_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "media"
    folder.mkdir()
    shutil.copyfile(demo_template, folder / "clinic.sqlite")
    with sqlite3.connect(folder / "clinic.sqlite") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0005'")
    conn.close()
    with read_only(folder, "folder") as view:
        assert main(["stock", "--db", str(view / "clinic.sqlite")]) == 3
    err = capsys.readouterr().err
    assert "needs upgrading" in err and "copy it to a writable folder first" in err


# -- a full disk -----------------------------------------------------------------------------


def test_an_export_to_a_full_disk_says_so(
    capsys: pytest.CaptureFixture[str], demo_db: Path
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    assert main(["export", "/dev/full", "--db", str(demo_db)]) == 2
    assert capsys.readouterr().err == (
        "exodesk: the disk holding /dev/full is full: free some space and try again; "
        "nothing was written\n"
    )


def test_an_export_that_does_not_fit_leaves_the_old_file(
    tmp_path: Path, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with full_disk(tmp_path) as disk:
        target = disk / "clinic.json"
        target.write_text("the old export")
        from read_only_media import fill

        fill(disk)
        assert main(["export", str(target), "--db", str(demo_db)]) == 2
        err = capsys.readouterr().err
        assert err == (
            f"exodesk: the disk holding {target} is full: free some space and try again; "
            "nothing was written\n"
        )
        assert target.read_text() == "the old export"
        assert sorted(p.name for p in disk.iterdir()) == ["clinic.json", "filler", "filler-tail"]


def test_a_backup_that_does_not_fit_says_which_disk_is_full(
    tmp_path: Path, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with full_disk(tmp_path, size="128k") as disk:
        from read_only_media import fill

        fill(disk)
        dest = disk / "copy.sqlite"
        assert main(["backup", str(dest), "--db", str(demo_db)]) == 2
        err = capsys.readouterr().err
        assert err == (
            f"exodesk: the disk holding {dest} is full: free some space and try again; "
            "nothing was written\n"
        )
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "filler-tail"]


def test_a_database_whose_disk_fills_up_is_exit_3_and_keeps_nothing(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """SQLITE_FULL for real (each connection may not grow the file): an import into it."""
    source = tmp_path / "source.sqlite"
    shutil.copyfile(demo_db, source)
    exported = tmp_path / "clinic.json"
    assert main(["export", str(exported), "--db", str(source)]) == 0
    empty = tmp_path / "empty.sqlite"
    assert main(["stock", "--db", str(empty)]) == 0  # a new, migrated, empty database
    capsys.readouterr()
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
    assert main(["import", str(exported), "--db", str(empty)]) == 3
    assert capsys.readouterr().err == (
        f"exodesk: the disk holding {empty} is full: free some space and try again; "
        "nothing was written\n"
    )
    monkeypatch.undo()
    with sqlite3.connect(empty) as conn:
        assert conn.execute("SELECT count(*) FROM product").fetchone() == (0,)
    conn.close()


# -- the window --------------------------------------------------------------------------------


def test_the_window_on_read_only_media_is_refused_in_plain_words(
    media: Path, monkeypatch: pytest.MonkeyPatch, qapp: Any
) -> None:
    from PySide6.QtWidgets import QMessageBox

    import exodesk.app

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: said.append(text))
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: said.append(text))
    before = media.read_bytes()
    assert exodesk.app.run_gui(str(media)) == 3
    assert len(said) == 1 and READ_ONLY_WORDS.split(":")[0] in said[0]
    assert "was not opened" in said[0]
    assert media.read_bytes() == before
    assert side_files(media) == []
    assert not (media.parent / "clinic-backups").exists()
    db = open_database(str(media))
    try:
        assert exodesk.app.take_daily_backup(db) is None  # skipped: nowhere to write it
    finally:
        db.close()
