"""Opening skips the full integrity check only for a file exactly as ExoDesk left it; damage
met later, in the middle of a command, stops it with exit 3 and nothing written."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import DatabaseError

from exodesk import file_check
from exodesk.cli import main
from exodesk.db import DatabaseRefused, alembic_config, make_engine, open_database
from exodesk.models import Location, Lot


@pytest.fixture
def checks() -> Iterator[list[str]]:
    """Every `PRAGMA quick_check` any engine runs while the test runs."""
    seen: list[str] = []

    def watch(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "quick_check" in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", watch)
    yield seen
    event.remove(Engine, "before_cursor_execute", watch)


def _open_and_close(path: Path) -> None:
    open_database(str(path)).close()


def test_a_file_as_exodesk_left_it_opens_without_the_full_check(
    db_path: Path, checks: list[str]
) -> None:
    _open_and_close(db_path)
    checks.clear()
    _open_and_close(db_path)
    assert checks == []


def test_a_file_written_by_exodesk_is_noted_after_the_write(
    db_path: Path, checks: list[str]
) -> None:
    db = open_database(str(db_path))
    with db.write() as session:
        session.add(Location(name="Fridge 9"))
    assert file_check.unchanged_since_noted(db_path)
    db.close()
    checks.clear()
    _open_and_close(db_path)
    assert checks == []


def test_a_file_changed_outside_exodesk_gets_the_full_check(
    db_path: Path, checks: list[str]
) -> None:
    _open_and_close(db_path)
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO location (name) VALUES ('Written by another program')")
    conn.close()
    checks.clear()
    _open_and_close(db_path)
    assert len(checks) == 1


def test_a_file_put_back_from_elsewhere_gets_the_full_check(
    db_path: Path, tmp_path: Path, checks: list[str]
) -> None:
    _open_and_close(db_path)
    copy = tmp_path / "copy.sqlite"
    copy.write_bytes(db_path.read_bytes())
    copy.replace(db_path)  # same bytes, another file
    checks.clear()
    _open_and_close(db_path)
    assert len(checks) == 1


def test_a_noted_file_that_needs_migrating_gets_the_full_check(
    db_path: Path, checks: list[str]
) -> None:
    from alembic import command

    engine = make_engine(str(db_path))
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0009")
    engine.dispose()
    file_check.note_as_left(db_path)  # as if ExoDesk had left it so
    checks.clear()
    _open_and_close(db_path)
    assert checks, "the file was migrated without a full check first"


def _damage_the_lots_table(path: Path) -> None:
    """Damage every page of the lot table, then note the file as if unchanged: damage the
    file's identity cannot show (a failing disk), which only reading the pages finds."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = [
            row[0]
            for row in conn.execute("SELECT pageno FROM dbstat WHERE name = 'lot' ORDER BY 1")
        ]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    for page in pages:
        start = (page - 1) * page_size
        data[start : start + page_size] = b"\xa5" * page_size
    path.write_bytes(bytes(data))
    file_check.note_as_left(path)


def test_damage_met_in_the_middle_of_a_command_stops_it_with_exit_3(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _damage_the_lots_table(demo_db)
    before = demo_db.read_bytes()
    assert main(["stock", "--json", "--db", str(demo_db)]) == 3
    err = capsys.readouterr().err
    assert str(demo_db) in err
    assert "damaged" in err and "nothing was written" in err
    assert demo_db.read_bytes() == before
    # Found damaged: no longer noted, so the next open checks it in full and refuses it.
    assert not file_check.unchanged_since_noted(demo_db)
    with pytest.raises(DatabaseRefused, match="damaged"):
        open_database(str(demo_db))
    assert demo_db.read_bytes() == before


def test_damage_met_by_a_write_leaves_nothing_written(demo_db: Path) -> None:
    _damage_the_lots_table(demo_db)
    db = open_database(str(demo_db))  # noted: opened without reading the lots
    with pytest.raises(DatabaseError), db.write() as session:
        session.add(Location(name="Written before the damage was met"))
        session.flush()
        session.execute(select(Lot)).all()
    db.close()
    with sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM location")]
    conn.close()
    assert "Written before the damage was met" not in names
    assert not file_check.unchanged_since_noted(demo_db)
