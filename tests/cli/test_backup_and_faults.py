"""Backups, restore, and faults survived: nothing stored is lost or half-written."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from exodesk.backup import backups_dir, daily_backup
from exodesk.cli import main
from exodesk.db import DatabaseRefused, make_engine, network_filesystem, open_database


def export(db: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()  # drop what earlier commands printed
    assert main(["export", "-", "--db", str(db)]) == 0
    return json.loads(capsys.readouterr().out)


def test_backup_while_another_workstation_reads_and_writes(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = export(demo_db, capsys)
    reader = sqlite3.connect(demo_db)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM lot").fetchone()  # the GUI, mid-transaction
    try:
        assert main(["backup", str(tmp_path / "copy.sqlite"), "--db", str(demo_db)]) == 0
    finally:
        reader.rollback()
        reader.close()
    out = capsys.readouterr().out
    assert "the copy was checked" in out
    assert export(tmp_path / "copy.sqlite", capsys) == before


def test_restore_sets_the_current_file_aside_then_replaces_it(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], write_json: object
) -> None:
    copy = tmp_path / "copy.sqlite"
    assert main(["backup", str(copy), "--db", str(demo_db)]) == 0
    backed_up = export(demo_db, capsys)
    extra = {"format": "exodesk/1", "locations": [{"name": "Added after the backup"}]}
    assert main(["import", str(write_json(extra)), "--db", str(demo_db)]) == 0  # type: ignore[operator]
    capsys.readouterr()
    changed = export(demo_db, capsys)
    assert main(["restore", str(copy), "--db", str(demo_db)]) == 0
    out = capsys.readouterr().out
    assert export(demo_db, capsys) == backed_up
    aside = next(demo_db.parent.glob(f"{demo_db.name}.before-restore-*"))
    assert f"set aside as {aside}" in out
    assert export(aside, capsys) == changed


def test_restore_of_something_that_is_not_a_backup_replaces_nothing(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bogus = tmp_path / "holiday-photos.sqlite"
    bogus.write_bytes(b"\xff\xd8\xff\xe0 not a database" * 100)
    before = demo_db.read_bytes()
    assert main(["restore", str(bogus), "--db", str(demo_db)]) == 2
    err = capsys.readouterr().err
    assert "not an ExoDesk database" in err and "nothing was replaced" in err
    assert demo_db.read_bytes() == before


def test_a_damaged_database_names_the_latest_backup(demo_db: Path) -> None:
    daily_backup(demo_db, dt.date(2026, 11, 22))
    with sqlite3.connect(demo_db) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    data = bytearray(demo_db.read_bytes())
    for offset in range(4096 * 2, len(data) - 4096, 4096 * 2):
        data[offset : offset + 100] = b"\x00\xff" * 50
    demo_db.write_bytes(bytes(data))
    with pytest.raises(DatabaseRefused) as refused:
        open_database(str(demo_db))
    message = str(refused.value)
    assert str(demo_db) in message
    assert "latest backup is" in message and "exodesk-" not in message.split("latest")[0]
    assert "exodesk restore" in message


def test_a_backup_is_taken_before_a_migration(db_path: Path) -> None:
    from alembic import command

    from exodesk.db import alembic_config

    engine = make_engine(str(db_path))
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    engine.dispose()
    open_database(str(db_path)).close()
    copies = list((backups_dir(db_path) / "before-migration").glob("*rev0003*.sqlite"))
    assert len(copies) == 1
    with sqlite3.connect(copies[0]) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone() == ("0003",)
    raw.close()


def test_daily_backups_keep_14_days_and_12_months(demo_db: Path) -> None:
    start = dt.date(2026, 1, 1)
    for day in range(400):
        daily_backup(demo_db, start + dt.timedelta(days=day))
    assert daily_backup(demo_db, start + dt.timedelta(days=399)) is None  # once a day
    folder = backups_dir(demo_db)
    daily = sorted(p.name for p in (folder / "daily").glob("*.sqlite"))
    monthly = sorted(p.name for p in (folder / "monthly").glob("*.sqlite"))
    assert len(daily) == 14 and daily[-1].endswith("2027-02-04.sqlite")
    assert len(monthly) == 12 and monthly[-1].endswith("2027-02.sqlite")


@pytest.mark.parametrize(
    ("mounts", "expected"),
    [
        ("//nas/clinic /mnt/clinic cifs rw 0 0\n/dev/sda1 / ext4 rw 0 0", "cifs"),
        ("server:/export /mnt/clinic nfs4 rw 0 0\n/dev/sda1 / ext4 rw 0 0", "nfs4"),
        ("/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /mnt/clinic xfs rw 0 0", None),
    ],
)
def test_network_shares_are_recognised(mounts: str, expected: str | None) -> None:
    assert network_filesystem(Path("/mnt/clinic/exodesk.sqlite"), mounts) == expected


def test_a_locked_database_waits_then_names_the_cause(
    demo_db: Path, capsys: pytest.CaptureFixture[str], write_json: object
) -> None:
    before = export(demo_db, capsys)
    path = write_json({"format": "exodesk/1", "locations": [{"name": "Shelf 9"}]})  # type: ignore[operator]
    writer = sqlite3.connect(demo_db)
    writer.execute("BEGIN IMMEDIATE")  # another workstation is writing
    try:
        result = subprocess.run(
            [sys.executable, "-m", "exodesk", "import", str(path), "--db", str(demo_db)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "EXODESK_BUSY_TIMEOUT_MS": "700"},
        )
    finally:
        writer.rollback()
        writer.close()
    assert result.returncode == 3
    assert "another workstation is writing" in result.stderr
    assert "Traceback" not in result.stderr
    assert export(demo_db, capsys) == before


def test_a_full_disk_mid_import_writes_nothing_and_says_so(
    demo_db: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from exodesk.db import explain_operational_error
    from exodesk.services.interchange.importer import import_bytes

    before = export(demo_db, capsys)
    big = tmp_path / "big.json"
    subprocess.run(
        [
            sys.executable,
            str(Path(__file__).parents[2] / "benchmarks" / "generate.py"),
            "--lots",
            "300",
            "--treatments",
            "3000",
            "--out",
            str(big),
        ],
        check=True,
        capture_output=True,
    )
    db = open_database(str(demo_db))
    with pytest.raises(OperationalError) as full, db.write() as session:
        pages = session.execute(text("PRAGMA page_count")).scalar_one()
        session.execute(text(f"PRAGMA max_page_count = {pages + 5}"))  # the disk fills up
        document = json.loads(big.read_text(encoding="utf-8"))
        document["clinic"] = None  # the demo clinic stays
        import_bytes(session, json.dumps(document), user="t", source="big.json")
    db.close()
    assert explain_operational_error(full.value).startswith(
        "the disk holding the database is full: free some space and try again; nothing was"
    )
    assert export(demo_db, capsys) == before


def test_a_read_only_database_is_explained(demo_db: Path) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    from exodesk.db import explain_operational_error

    engine = create_engine(f"sqlite:///file:{demo_db}?mode=ro&uri=true")
    with pytest.raises(OperationalError) as refused, engine.begin() as conn:
        conn.execute(text("INSERT INTO location (name) VALUES ('Shelf')"))
    engine.dispose()
    assert "read-only" in explain_operational_error(refused.value)
