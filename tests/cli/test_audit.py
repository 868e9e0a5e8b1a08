"""The audit trail can be trusted: append-only in the database, and every change behind
ExoDesk's back is caught by `exodesk audit verify`."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from exodesk.cli import main


def verify(db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exodesk", "audit", "verify", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_demo_trail_is_intact(demo_db: Path) -> None:
    result = verify(demo_db)
    assert result.returncode == 0, result.stderr
    assert "Audit trail intact" in result.stdout


def test_update_and_delete_are_refused_by_the_database(demo_db: Path) -> None:
    with sqlite3.connect(demo_db) as raw:
        for statement in (
            "UPDATE audit_event SET user = 'mallory' WHERE id = 5",
            "DELETE FROM audit_event WHERE id = 5",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                raw.execute(statement)
    raw.close()


def test_an_event_edited_behind_exodesks_back_is_named(demo_db: Path) -> None:
    with sqlite3.connect(demo_db) as raw:
        raw.execute("DROP TRIGGER audit_event_no_update")
        raw.execute("UPDATE audit_event SET user = 'mallory' WHERE id = 42")
    raw.close()
    result = verify(demo_db)
    assert result.returncode == 1
    assert "BROKEN at event 42" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_deleted_event_is_caught(demo_db: Path) -> None:
    with sqlite3.connect(demo_db) as raw:
        raw.execute("DROP TRIGGER audit_event_no_delete")
        raw.execute("DELETE FROM audit_event WHERE id = 7")
    raw.close()
    result = verify(demo_db)
    assert result.returncode == 1
    assert "BROKEN at event 8" in result.stderr and "missing" in result.stderr


def test_writes_after_verification_keep_the_chain(demo_db: Path, write_json: object) -> None:
    extra = {"format": "exodesk/1", "locations": [{"name": "Cabinet C"}]}
    assert main(["import", str(write_json(extra)), "--db", str(demo_db)]) == 0  # type: ignore[operator]
    assert main(["count", "start", "--db", str(demo_db)]) == 0
    assert verify(demo_db).returncode == 0
