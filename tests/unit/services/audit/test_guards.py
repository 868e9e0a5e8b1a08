"""The append-only guards: verify says when they are gone or altered, and opening the
database for writing puts them back and records that they were missing, so verify keeps
saying so afterwards."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

import pytest
from audit_clinic import Tamper, check, serious

from exodesk.db import Database, open_database


def guards_named(found: list[str]) -> list[str]:
    return [f for f in found if "append-only guard" in f]


def test_intact_guards_say_nothing(clinic: Database) -> None:
    assert guards_named(serious(check(clinic))) == []


def test_a_dropped_guard_is_reported_then_put_back_on_open_and_still_reported(
    clinic: Database, db_path: Path, tamper: Tamper
) -> None:
    tamper(leave_guards_off=True)
    found = guards_named(serious(check(clinic)))
    assert any("guard audit_event_no_update is missing" in f for f in found)
    assert any("guard audit_event_no_delete is missing" in f for f in found)

    reopened = open_database(str(db_path))
    try:
        with contextlib.closing(sqlite3.connect(db_path)) as raw:
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                raw.execute("DELETE FROM audit_event WHERE id = 1")
        result = check(reopened)
        assert result.breaks == ()
        found = guards_named(serious(result))
        assert len(found) == 1
        assert "found the audit trail's append-only guards missing or altered" in found[0]
        assert "audit_event_no_update, audit_event_no_delete" in found[0]
    finally:
        reopened.close()
    again = open_database(str(db_path))  # nothing missing now: no second event
    try:
        assert len(guards_named(serious(check(again)))) == 1
    finally:
        again.close()


def test_a_guard_replaced_by_one_that_does_nothing_is_caught(
    clinic: Database, db_path: Path, tamper: Tamper
) -> None:
    tamper(
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event BEGIN SELECT 1; END",
        leave_guards_off=True,
    )
    with contextlib.closing(sqlite3.connect(db_path)) as raw:
        raw.execute(
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END"
        )
        raw.commit()
    found = guards_named(serious(check(clinic)))
    assert len(found) == 1 and "audit_event_no_delete is missing or altered" in found[0]
    reopened = open_database(str(db_path))
    reopened.close()
    with contextlib.closing(sqlite3.connect(db_path)) as raw:
        with pytest.raises(sqlite3.IntegrityError, match="append-only: DELETE refused"):
            raw.execute("DELETE FROM audit_event WHERE id = 1")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes any file")
def test_a_read_only_database_is_not_touched(
    clinic: Database, db_path: Path, tamper: Tamper
) -> None:
    tamper(leave_guards_off=True)
    clinic.close()
    db_path.chmod(0o444)
    db_path.parent.chmod(0o555)
    try:
        reopened = open_database(str(db_path))
        try:
            assert any("is missing" in f for f in guards_named(serious(check(reopened))))
        finally:
            reopened.close()
    finally:
        db_path.parent.chmod(0o755)
        db_path.chmod(0o644)
