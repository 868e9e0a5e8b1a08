"""Anchors outside the database: the chain's head written, sealed, to the per-user data
folder; verify then catches the newest events deleted, a chain forged or recomputed, and
an anchor log edited, and a restore starts a new era."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import stat
from pathlib import Path

from audit_clinic import Tamper, check, serious
from sample_files import TODAY

from exodesk.db import Database, open_database
from exodesk.models import DATABASE_ID
from exodesk.services.audit.anchors import anchor_log, anchors_dir, key_path, record_anchor
from exodesk.services.audit.trail import AUDIT_TABLE, event_hash
from exodesk.services.facts import fact
from exodesk.services.stock.lots import record_waste
from exodesk.settings import data_dir


def anchor(db: Database, kind: str = "backup", where: str | None = None) -> None:
    with db.read() as s:
        assert record_anchor(s, kind, where) is None


def log_of(db: Database) -> Path:
    with db.read() as s:
        database_id = fact(s, DATABASE_ID)
    assert database_id is not None
    return anchor_log(database_id)


def waste(db: Database, vials: int = 1) -> None:
    with db.write() as s:
        record_waste(s, "Exo Plant 10 Pro", "PL002", vials, reason="leak", on=TODAY, user="Admin")


def last_id(db_path: Path) -> int:
    with contextlib.closing(sqlite3.connect(db_path)) as raw:
        return int(raw.execute("SELECT max(id) FROM audit_event").fetchone()[0])


def test_an_anchor_is_one_sealed_line_in_the_data_folder(clinic: Database) -> None:
    anchor(clinic, "backup", "/backups/clinic-1.sqlite")
    path = log_of(clinic)
    assert path.parent == anchors_dir() and anchors_dir().is_relative_to(data_dir())
    (line,) = [json.loads(raw) for raw in path.read_text().splitlines()]
    with clinic.read() as s:
        head = s.execute(AUDIT_TABLE.select().order_by(AUDIT_TABLE.c.id.desc()).limit(1)).one()
    assert line["kind"] == "backup" and line["where"] == "/backups/clinic-1.sqlite"
    assert (line["event_id"], line["hash"], line["events"]) == (head.id, head.hash, head.id)
    assert len(line["mac"]) == 64 and line["previous"] is None
    assert stat.S_IMODE(key_path().stat().st_mode) == 0o600
    assert check(clinic).intact


def test_newest_events_deleted_after_an_anchor_are_caught(
    clinic: Database, db_path: Path, tamper: Tamper
) -> None:
    waste(clinic)
    anchor(clinic, "daily start")
    head = last_id(db_path)
    tamper(f"DELETE FROM audit_event WHERE id > {head - 2}")
    found = serious(check(clinic))
    assert any(
        f"saw the trail up to event {head}, but it now ends at event {head - 2}: the newest "
        "events were deleted" in f
        for f in found
    )


def test_a_chain_recomputed_is_caught_by_its_anchor(
    clinic: Database, db_path: Path, tamper: Tamper
) -> None:
    anchor(clinic, "export")
    with clinic.read() as s:
        rows = [dict(r) for r in s.execute(AUDIT_TABLE.select().order_by("id")).mappings()]
    rows[0]["reason"] = "nothing to see"  # a field the replay cannot check
    previous = "0" * 64
    for row in rows:
        previous = row["hash"] = event_hash(previous, row)
    columns = list(rows[0])
    tamper(leave_guards_off=True)
    with contextlib.closing(sqlite3.connect(db_path)) as raw, raw:
        raw.execute("DELETE FROM audit_event")
        raw.executemany(
            f"INSERT INTO audit_event ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))})",
            [[None if r[c] is None else str(r[c]) for c in columns] for r in rows],
        )
    tamper()  # guards back, as a careful attacker leaves them
    result = check(clinic)
    assert result.breaks == ()
    found = serious(result)
    assert len(found) == 1
    assert f"event {rows[-1]['id']} is not the one the export anchor of" in found[0]
    assert "the trail was forged or recomputed" in found[0]


def test_an_edited_or_shortened_anchor_log_is_caught(clinic: Database) -> None:
    for kind in ("daily start", "backup", "count report"):
        anchor(clinic, kind)
    path = log_of(clinic)
    lines = path.read_text().splitlines()
    edited = json.loads(lines[2])
    edited["event_id"] -= 1
    path.write_text("\n".join([lines[0], json.dumps(edited)]) + "\n")
    found = serious(check(clinic))
    assert any("line 2 of the anchor log" in f and "does not carry its seal" in f for f in found)
    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    found = serious(check(clinic))
    assert any("line 2" in f and "anchors were removed from the log" in f for f in found)


def test_a_restore_starts_a_new_era(clinic: Database, db_path: Path, tmp_path: Path) -> None:
    anchor(clinic, "backup")
    backup = tmp_path / "backup.sqlite"
    with contextlib.closing(sqlite3.connect(db_path)) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(db_path, backup)
    waste(clinic)
    anchor(clinic, "count report")
    clinic.close()
    shutil.copyfile(backup, db_path)  # the backup restored over the database
    for extra in ("-wal", "-shm"):
        Path(f"{db_path}{extra}").unlink(missing_ok=True)
    restored = open_database(str(db_path))
    try:
        found = serious(check(restored))
        assert any("the newest events were deleted" in f for f in found)
        anchor(restored, "restore", str(backup))
        assert check(restored).intact  # the era starts at the restore
        waste(restored, 2)
        assert check(restored).intact
    finally:
        restored.close()


def test_an_anchor_that_cannot_be_written_is_a_warning_never_a_failure(
    clinic: Database,
) -> None:
    anchors_dir().parent.mkdir(parents=True, exist_ok=True)
    anchors_dir().write_text("not a folder")
    with clinic.read() as s:
        warning = record_anchor(s, "backup")
    assert warning is not None and warning.startswith("the audit trail was not anchored")


def test_a_backup_copy_whose_events_were_since_deleted_is_caught(
    clinic: Database, db_path: Path, tamper: Tamper, tmp_path: Path
) -> None:
    waste(clinic)
    backup = tmp_path / "backup.sqlite"
    with contextlib.closing(sqlite3.connect(db_path)) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(db_path, backup)
    assert check(clinic, copies=[backup]).intact
    waste(clinic)
    assert check(clinic, copies=[backup]).intact
    head = last_id(backup)
    tamper(f"DELETE FROM audit_event WHERE id >= {head - 1}")
    found = serious(check(clinic, copies=[backup]))
    assert any(
        f"the copy {backup} holds the trail up to event {head}" in f
        and "the newest events were deleted" in f
        for f in found
    )
