"""The audit trail's head is anchored outside the database at the moments the contract names
(backup, restore, the window's start; export and count reports in their own tests), so
deleting the newest events after one of them is caught by `audit verify`."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from pathlib import Path

import pytest

from exodesk.cli import main
from exodesk.restore import database_id
from exodesk.services.audit.anchors import ANCHOR_BACKUP, RESTORE, anchor_log, read_anchors
from exodesk.services.audit.guards import SQLITE_GUARDS

EXTRA = {"format": "exodesk/1", "locations": [{"name": "Cabinet C"}, {"name": "Fridge 2"}]}


def _kinds(db: Path) -> list[str]:
    identity = database_id(db)
    assert identity is not None
    return [a.kind for a in read_anchors(identity).anchors]


def _delete_newest_events(db: Path, how_many: int) -> None:
    """As someone with the file would: the guards off, the newest events gone, guards back."""
    with contextlib.closing(sqlite3.connect(db)) as raw, raw:
        for name in SQLITE_GUARDS:
            raw.execute(f"DROP TRIGGER {name}")
        last = raw.execute("SELECT max(id) FROM audit_event").fetchone()[0]
        raw.execute("DELETE FROM audit_event WHERE id > ?", (last - how_many,))
        for definition in SQLITE_GUARDS.values():
            raw.execute(definition)


def test_a_backup_anchors_the_head_and_catches_newest_events_deleted_later(
    demo_db: Path, tmp_path: Path, write_json: object, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = write_json(EXTRA)  # type: ignore[operator]
    assert main(["import", str(extra), "--db", str(demo_db)]) == 0
    assert main(["backup", str(tmp_path / "b.sqlite"), "--db", str(demo_db)]) == 0
    assert _kinds(demo_db) == [ANCHOR_BACKUP]
    assert main(["audit", "verify", "--db", str(demo_db)]) == 0
    _delete_newest_events(demo_db, 2)  # the import's events, erased
    capsys.readouterr()
    assert main(["audit", "verify", "--db", str(demo_db)]) == 1
    assert "backup anchor" in capsys.readouterr().err


def test_a_restore_starts_a_new_era_that_verifies(
    demo_db: Path, tmp_path: Path, write_json: object
) -> None:
    copy = tmp_path / "b.sqlite"
    assert main(["backup", str(copy), "--db", str(demo_db)]) == 0
    extra = write_json(EXTRA)  # type: ignore[operator]
    assert main(["import", str(extra), "--db", str(demo_db)]) == 0
    assert main(["backup", str(tmp_path / "later.sqlite"), "--db", str(demo_db)]) == 0
    assert main(["restore", str(copy), "--db", str(demo_db)]) == 0  # the chain goes back
    assert _kinds(demo_db) == [RESTORE]  # the anchors of the era before no longer apply
    assert main(["audit", "verify", "--db", str(demo_db)]) == 0


def test_each_anchor_line_is_json_naming_the_head(demo_db: Path, tmp_path: Path) -> None:
    assert main(["backup", str(tmp_path / "b.sqlite"), "--db", str(demo_db)]) == 0
    identity = database_id(demo_db)
    assert identity is not None
    line = json.loads(anchor_log(identity).read_text(encoding="utf-8").splitlines()[-1])
    with contextlib.closing(sqlite3.connect(demo_db)) as raw:
        last_id, last_hash = raw.execute(
            "SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert (line["kind"], line["event_id"], line["hash"]) == ("backup", last_id, last_hash)
    assert line["where"] == str(tmp_path / "b.sqlite")


def test_an_export_and_a_count_report_anchor_the_head(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", str(tmp_path / "e.json"), "--db", str(demo_db)]) == 0
    assert main(["count", "start", "--db", str(demo_db)]) == 0
    count_id = capsys.readouterr().out.strip().splitlines()[-1]
    report = tmp_path / "r.csv"
    assert main(["count", "report", count_id, str(report), "--db", str(demo_db)]) == 0
    assert _kinds(demo_db) == ["export", "count report"]
