"""No database appears from a failure: a command that fails on a missing database leaves no
file behind, and a missing database whose copies exist is refused, naming the newest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sample_files import base_document

from exodesk.cli import main


def _leftovers(db: Path) -> list[Path]:
    return sorted(db.parent.glob(f"{db.name}*"))


def test_a_failed_import_into_a_missing_path_leaves_no_file(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite"
    doc = base_document()
    doc["lots"][0]["expiry"] = "2026-02-30"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["import", str(bad), "--db", str(db)]) == 2
    assert _leftovers(db) == []


def test_a_failed_trace_into_a_missing_path_leaves_no_file(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite"
    assert main(["trace", "NOPE", "L1", "--db", str(db)]) == 2
    assert _leftovers(db) == []


def test_a_successful_command_still_creates_the_database(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite"
    source = tmp_path / "good.json"
    source.write_text(json.dumps(base_document()), encoding="utf-8")
    assert main(["import", str(source), "--db", str(db)]) == 0
    assert db.is_file()
    assert main(["stock", "--db", str(tmp_path / "other.sqlite")]) == 0
    assert (tmp_path / "other.sqlite").is_file()


def test_a_failure_on_an_existing_database_keeps_it(tmp_path: Path) -> None:
    db = tmp_path / "clinic.sqlite"
    assert main(["stock", "--db", str(db)]) == 0
    assert main(["trace", "NOPE", "L1", "--db", str(db)]) == 2
    assert db.is_file()


def test_a_missing_database_with_a_backup_is_refused_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "clinic.sqlite"
    assert main(["stock", "--db", str(db)]) == 0
    copy = tmp_path / "clinic-backups" / "daily" / "clinic-2026-01-05.sqlite"
    copy.parent.mkdir(parents=True)
    assert main(["backup", str(copy), "--db", str(db)]) == 0
    for gone in _leftovers(db):  # the file, and any -wal/-shm beside it
        gone.unlink()
    capsys.readouterr()
    assert main(["stock", "--db", str(db)]) == 3
    err = capsys.readouterr().err
    assert str(db) in err
    assert str(copy) in err
    assert f"exodesk restore {copy}" in err
    assert _leftovers(db) == []
    # the way back it names works
    assert main(["restore", str(copy), "--db", str(db)]) == 0
    assert main(["stock", "--db", str(db)]) == 0


def test_a_missing_database_with_a_set_aside_copy_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "clinic.sqlite"
    assert main(["stock", "--db", str(db)]) == 0
    aside = tmp_path / "clinic.sqlite.before-restore-20260105-101010"
    db.rename(aside)
    capsys.readouterr()
    assert main(["stock", "--db", str(db)]) == 3
    assert str(aside) in capsys.readouterr().err
    assert not db.exists()


@pytest.mark.slow
def test_the_real_command_leaves_no_file_after_a_failure(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite"
    env = dict(os.environ)
    env["EXODESK_DB"] = str(tmp_path / "never-used.sqlite")
    run = subprocess.run(
        [sys.executable, "-m", "exodesk", "trace", "NOPE", "L1", "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert _leftovers(db) == []
    assert not (tmp_path / "never-used.sqlite").exists()
