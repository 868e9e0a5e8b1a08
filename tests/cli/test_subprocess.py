"""The real command (`python -m exodesk`) in a subprocess on real database files: a normal
import and check, and the databases it must refuse with exit 3 without writing to them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sample_files import PRODUCT, TODAY, base_document, day, treatment

pytestmark = pytest.mark.slow


def exodesk(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    # Should --db ever be ignored, this points away from the user's real data.
    env["EXODESK_DB"] = str(cwd / "never-used.sqlite")
    return subprocess.run(
        [sys.executable, "-m", "exodesk", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def import_valid(db: Path, tmp_path: Path) -> None:
    doc = base_document()
    doc["treatments"].append(treatment("T-0001", route="intravenous", date=day(-3)))
    source = tmp_path / "valid.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    run = exodesk("import", source, "--db", db, cwd=tmp_path)
    assert run.returncode == 0, run.stderr


def assert_refused(run: subprocess.CompletedProcess[str], db: Path) -> None:
    assert run.returncode == 3, (run.returncode, run.stdout, run.stderr)
    assert str(db) in run.stderr or str(db.resolve()) in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_import_then_check_json(tmp_path: Path) -> None:
    db = tmp_path / "clinic.sqlite"
    import_valid(db, tmp_path)
    run = exodesk("check", "--today", TODAY.isoformat(), "--json", "--db", db, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    flags = json.loads(run.stdout)
    assert flags == [
        {
            "rule": "route_outside_intended_use",
            "severity": "block",
            "product": PRODUCT,
            "lot": "PL001",
            "treatment": "T-0001",
            "message": flags[0]["message"],
            "overridden": None,
        }
    ]
    assert flags[0]["message"].strip()


def test_invalid_import_exits_2_without_traceback(tmp_path: Path) -> None:
    db = tmp_path / "clinic.sqlite"
    import_valid(db, tmp_path)
    doc = base_document()
    doc["lots"][0]["expiry"] = "2026-02-30"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    run = exodesk("import", bad, "--db", db, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "lots[0].expiry" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("command", [["check", "--json"], ["import", "valid.json"]])
def test_text_file_as_database_is_refused_untouched(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "valid.json").write_text(json.dumps(base_document()), encoding="utf-8")
    db = tmp_path / "notes.txt"
    db.write_text("Fridge A: 12 vials of Exo Plant 10, counted on Monday.\n" * 50)
    before = db.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    run = exodesk(*command, "--db", db, cwd=tmp_path)
    assert_refused(run, db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_sqlite_file_of_another_program_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        conn.execute("INSERT INTO invoices (total) VALUES (120.5), (80.0)")
    conn.close()
    before = db.read_bytes()
    listing = sorted(p.name for p in tmp_path.iterdir())
    run = exodesk("check", "--json", "--db", db, cwd=tmp_path)
    assert_refused(run, db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_database_of_a_newer_exodesk_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "clinic.sqlite"
    import_valid(db, tmp_path)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.close()
    before = db.read_bytes()
    run = exodesk("check", "--json", "--db", db, cwd=tmp_path)
    assert_refused(run, db)
    assert db.read_bytes() == before
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("9999_future",)
        ]
    conn.close()


def test_damaged_database_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "clinic.sqlite"
    import_valid(db, tmp_path)
    for side in ("-wal", "-shm"):
        Path(f"{db}{side}").unlink(missing_ok=True)
    data = bytearray(db.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    assert len(data) > 2 * page_size
    data[page_size:] = b"\xa5" * (len(data) - page_size)
    db.write_bytes(bytes(data))
    before = db.read_bytes()
    run = exodesk("stock", "--json", "--db", db, cwd=tmp_path)
    assert_refused(run, db)
    assert db.read_bytes() == before
