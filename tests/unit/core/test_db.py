"""Opening databases: checks before any write, SQLite settings, atomic transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from exodesk.db import DatabaseRefused, open_database
from exodesk.db_identity import resolve_target
from exodesk.models import Location


def _refused_untouched(path: Path, expected_words: str) -> None:
    before = path.read_bytes()
    wal = Path(f"{path}-wal")
    wal_before = wal.read_bytes() if wal.exists() else None
    with pytest.raises(DatabaseRefused) as refused:
        open_database(str(path))
    message = str(refused.value)
    assert str(path) in message
    assert expected_words in message
    assert path.read_bytes() == before
    assert (wal.read_bytes() if wal.exists() else None) == wal_before


def test_text_file_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("shopping list: gloves, cannulas\n" * 50)
    _refused_untouched(path, "not an ExoDesk database")


def test_database_of_another_program_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO patients (name) VALUES ('someone')")
    _refused_untouched(path, "not an ExoDesk database")


def test_database_from_a_newer_exodesk_is_refused(db_path: Path) -> None:
    open_database(str(db_path)).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.close()
    _refused_untouched(db_path, "newer ExoDesk")


def test_damaged_database_is_refused(db_path: Path) -> None:
    db = open_database(str(db_path))
    with db.write() as session:
        session.add_all(Location(name=f"Shelf {i}") for i in range(2000))
    db.close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db_path.read_bytes())
    page = 4096
    for offset in range(page * 2, len(data) - page, page * 3):
        data[offset : offset + 64] = b"\xff" * 64
    db_path.write_bytes(bytes(data))
    _refused_untouched(db_path, "damaged")


def test_new_file_gets_foreign_keys_wal_and_busy_timeout(db_path: Path) -> None:
    db = open_database(str(db_path))
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    db.close()


def test_a_failed_write_leaves_nothing_behind(db_path: Path) -> None:
    db = open_database(str(db_path))
    with pytest.raises(RuntimeError), db.write() as session:
        session.add(Location(name="Fridge A"))
        session.flush()
        raise RuntimeError("power cut")
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Location)) == 0
    db.close()


def test_target_comes_from_option_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXODESK_DB", "/srv/env.sqlite")
    assert resolve_target("/tmp/option.sqlite") == "/tmp/option.sqlite"
    assert resolve_target(None) == "/srv/env.sqlite"
    monkeypatch.delenv("EXODESK_DB")
    assert resolve_target(None).endswith("exodesk.sqlite")
