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


def raw_sql(db: Path, *statements: str) -> None:
    """As someone with the file would: the guards dropped, the change made, guards put back."""
    from exodesk.services.audit.guards import SQLITE_GUARDS

    with sqlite3.connect(db) as raw:
        for name in SQLITE_GUARDS:
            raw.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in statements:
            raw.execute(statement)
        for definition in SQLITE_GUARDS.values():
            raw.execute(definition)
    raw.close()


def test_stock_edited_behind_exodesks_back_is_named(demo_db: Path) -> None:
    with sqlite3.connect(demo_db) as raw:
        lot_id, product, code, on_hand = raw.execute(
            "SELECT * FROM (SELECT l.id, p.name, l.code, "
            "(SELECT sum(quantity) FROM movement m WHERE m.lot_id = l.id AND m.void_on IS NULL)"
            " - (SELECT coalesce(sum(vials), 0) FROM treatment t WHERE t.lot_id = l.id "
            "AND t.void_on IS NULL) AS on_hand "
            "FROM lot l JOIN product p ON p.id = l.product_id) WHERE on_hand > 0 "
            "ORDER BY id LIMIT 1"
        ).fetchone()
    raw.close()
    raw_sql(
        demo_db,
        f"UPDATE movement SET quantity = quantity + 5 WHERE lot_id = {lot_id} AND kind = 'receipt'",
    )
    result = verify(demo_db)
    assert result.returncode == 1
    assert (
        f"lot {product} / {code}: on hand {on_hand + 5} in the tables, {on_hand} by the audit "
        "trail" in result.stderr
    )
    assert "BROKEN" not in result.stderr  # the chain itself is sound: the tables are not


def test_every_event_deleted_is_caught(demo_db: Path) -> None:
    raw_sql(demo_db, "DELETE FROM audit_event")
    result = verify(demo_db)
    assert result.returncode == 1
    assert "the audit trail never recorded it" in result.stderr
    assert "Audit trail intact" not in result.stdout


def test_newest_events_deleted_after_an_anchor_are_caught(demo_db: Path) -> None:
    from exodesk.db import open_database
    from exodesk.services.audit.anchors import record_anchor

    db = open_database(str(demo_db))
    with db.read() as session:
        assert record_anchor(session, "daily start") is None
    db.close()
    raw_sql(demo_db, "DELETE FROM audit_event WHERE id = (SELECT max(id) FROM audit_event)")
    result = verify(demo_db)
    assert result.returncode == 1
    assert "the newest events were deleted" in result.stderr


def test_dropped_guards_are_reported_and_put_back(demo_db: Path) -> None:
    with sqlite3.connect(demo_db) as raw:
        raw.execute("DROP TRIGGER audit_event_no_delete")
    raw.close()
    first, second = verify(demo_db), verify(demo_db)
    for result in (first, second):
        assert result.returncode == 1
        assert "append-only guards missing or altered (audit_event_no_delete)" in result.stderr
    with sqlite3.connect(demo_db) as raw:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("DELETE FROM audit_event WHERE id = 5")
    raw.close()


def test_a_backup_is_checked_against_the_trail(demo_db: Path, tmp_path: Path) -> None:
    backup = tmp_path / "copy.sqlite"
    with sqlite3.connect(demo_db) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    backup.write_bytes(demo_db.read_bytes())
    ok = subprocess.run(
        [
            sys.executable,
            "-m",
            "exodesk",
            "audit",
            "verify",
            "--db",
            str(demo_db),
            "--backup",
            str(backup),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    raw_sql(demo_db, "DELETE FROM audit_event WHERE id = (SELECT max(id) FROM audit_event)")
    broken = subprocess.run(
        [
            sys.executable,
            "-m",
            "exodesk",
            "audit",
            "verify",
            "--db",
            str(demo_db),
            "--backup",
            str(backup),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert broken.returncode == 1
    assert f"the copy {backup} holds the trail up to event" in broken.stderr
