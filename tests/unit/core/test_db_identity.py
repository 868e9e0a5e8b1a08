"""Only ExoDesk's own databases are ever written: `PRAGMA application_id` marks them, and
another program's SQLite file (even one with an alembic_version table) is refused untouched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from exodesk.cli import main
from exodesk.db import DatabaseRefused, open_database
from exodesk.db_identity import APPLICATION_ID, head_revision


def _application_id(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA application_id").fetchone()[0])
    finally:
        conn.close()


def _refused_untouched(path: Path, expected_words: str) -> None:
    before = path.read_bytes()
    with pytest.raises(DatabaseRefused) as refused:
        open_database(str(path))
    message = str(refused.value)
    assert str(path) in message
    assert expected_words in message
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()
    assert not Path(f"{path}-shm").exists()


def test_the_mark_is_one_fixed_32_bit_constant() -> None:
    assert APPLICATION_ID == int.from_bytes(b"ExoD", "big")
    assert 0 < APPLICATION_ID < 2**31


def test_a_new_database_carries_the_mark(db_path: Path) -> None:
    open_database(str(db_path)).close()
    assert _application_id(db_path) == APPLICATION_ID


def test_another_programs_alembic_database_is_refused_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('3f2a9c1b7d00')")
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.close()
    _refused_untouched(path, "not an ExoDesk database")


def test_an_empty_alembic_version_table_of_another_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
    conn.close()
    _refused_untouched(path, "not an ExoDesk database")


def test_a_file_with_a_foreign_application_id_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "foreign.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id=1234567")
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.close()
    _refused_untouched(path, "not an ExoDesk database")


def test_an_empty_file_of_another_program_with_its_id_is_refused(tmp_path: Path) -> None:
    """No tables, but another program's mark: still not ours to fill."""
    path = tmp_path / "foreign.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id=1234567")
    conn.close()
    _refused_untouched(path, "not an ExoDesk database")


def test_a_database_made_before_the_mark_opens_and_gets_it(db_path: Path) -> None:
    assert main(["stock", "--db", str(db_path)]) == 0
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA application_id=0")
    conn.close()
    assert _application_id(db_path) == 0
    db = open_database(str(db_path))
    db.close()
    assert _application_id(db_path) == APPLICATION_ID
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            head_revision()
        )
    finally:
        conn.close()


def test_a_marked_database_from_a_newer_exodesk_is_still_called_newer(db_path: Path) -> None:
    open_database(str(db_path)).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.close()
    _refused_untouched(db_path, "newer ExoDesk")


def test_the_cli_refuses_another_programs_file_with_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('0001')")
        conn.execute("PRAGMA application_id=99")
    conn.close()
    before = path.read_bytes()
    assert main(["stock", "--db", str(path)]) == 3
    err = capsys.readouterr().err
    assert str(path) in err
    assert "not an ExoDesk database" in err
    assert path.read_bytes() == before
