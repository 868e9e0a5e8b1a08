"""Faults survived for real: an import killed with SIGKILL at several points leaves all or
nothing and a sound file; two processes importing on one lot at once both succeed.

The kills land at chosen points of the work, not at chosen times: kill_driver.py runs the
real command and kills itself at the N-th SQL statement or at the commit, so every point is
reached however slow or busy the machine is."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from reading import exported

from exodesk.cli import main

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("kill_driver.py")
# Where among the import's SQL statements the kills land, as fractions of them all.
KILL_FRACTIONS = (0.5, 1.0)


def exodesk(*argv: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "exodesk", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def finished(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exodesk", *argv], capture_output=True, text=True, timeout=300
    )


def driven(point: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """The real command, run by kill_driver.py: killed at POINT ("statement:N", "commit:N",
    "committed:N"), or run to its end and its points counted ("count")."""
    return subprocess.run(
        [sys.executable, str(DRIVER), point, *argv], capture_output=True, text=True, timeout=300
    )


def quick_check(db: Path) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return str(conn.execute("PRAGMA quick_check").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kill") / "big.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "generate.py"),
            "--lots",
            "150",
            "--treatments",
            "1500",
            "--out",
            str(path),
            "--today",
            "2026-11-22",
        ],
        check=True,
        capture_output=True,
    )
    return path


def test_import_killed_at_several_points_leaves_all_or_nothing(
    big_file: Path, tmp_path: Path
) -> None:
    base = tmp_path / "base.sqlite"
    assert finished("count", "start", "--db", str(base)).returncode == 0  # created, migrated
    before = exported(base)
    complete_db = tmp_path / "complete.sqlite"
    complete_db.write_bytes(base.read_bytes())
    command = ("import", str(big_file), "--db")
    complete = driven("count", *command, str(complete_db))
    assert complete.returncode == 0, complete.stderr
    reached = json.loads(complete.stdout.splitlines()[-1])
    after = exported(complete_db)
    assert after != before
    statements, commits = reached["statement"], reached["commit"]
    assert statements > 20 and commits >= 1, reached

    points = [f"statement:{max(1, round(statements * f))}" for f in KILL_FRACTIONS]
    points += [f"commit:{commits}", f"committed:{commits}"]  # just before and after the last
    outcomes: dict[str, str] = {}
    for point in points:
        db = tmp_path / f"killed-{point.replace(':', '-')}.sqlite"
        db.write_bytes(base.read_bytes())
        killed = driven(point, *command, str(db))
        assert killed.returncode == -signal.SIGKILL, (point, killed.returncode, killed.stderr)
        assert quick_check(db) == "ok", point
        state = exported(db)
        assert state in (before, after), f"half-written after a kill at {point}"
        outcomes[point] = "nothing" if state == before else "all"
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["audit", "verify", "--db", str(db)]) == 0, point
    # Every kill before the import's commit leaves nothing; the one after it, everything.
    assert outcomes == {p: "all" if p.startswith("committed") else "nothing" for p in points}
    print(f"kill points: {len(outcomes)}; outcomes: {outcomes}")


def _treatments(prefix: str, count: int) -> dict[str, object]:
    return {
        "format": "exodesk/1",
        "treatments": [
            {
                "ref": f"{prefix}-{i:04d}",
                "date": "2026-11-20",
                "product": "Shared Exo",
                "lot": "SHARED-1",
                "patient": f"P-{prefix}{i}",
                "practitioner": "Dr A",
                "route": "intradermal",
                "zone": "face",
                "vials": 1,
            }
            for i in range(count)
        ],
    }


def test_two_processes_importing_on_one_lot_both_succeed(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"
    base = {
        "format": "exodesk/1",
        "products": [
            {
                "name": "Shared Exo",
                "source_type": "plant",
                "form": "serum",
                "regulatory_class": "cosmetic",
                "intended_routes": ["intradermal"],
            }
        ],
        "lots": [
            {
                "product": "Shared Exo",
                "lot": "SHARED-1",
                "expiry": "2028-01-31",
                "received": "2026-01-01",
                "quantity": 1000,
            }
        ],
    }
    files = []
    for name, doc in (("base", base), ("a", _treatments("A", 300)), ("b", _treatments("B", 300))):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        files.append(path)
    assert finished("import", str(files[0]), "--db", str(db)).returncode == 0
    first = exodesk("import", str(files[1]), "--db", str(db))
    second = exodesk("import", str(files[2]), "--db", str(db))
    results = [(p.communicate(timeout=120)[1], p.returncode) for p in (first, second)]
    assert [code for _, code in results] == [0, 0], results
    stock = json.loads(finished("stock", "--json", "--db", str(db)).stdout)
    assert stock == [
        {
            "product": "Shared Exo",
            "lot": "SHARED-1",
            "expiry": "2028-01-31",
            "location": None,
            "status": "released",
            "on_hand": 400,
        }
    ]
    assert finished("audit", "verify", "--db", str(db)).returncode == 0


RESTORE_KILL_POINTS = (
    "call:exodesk.restore.move_into_place:1",  # the current file copied, not yet aside
    "call:exodesk.restore.move_into_place:2",  # set aside, the new file not yet in place
    "call:exodesk.restore.Restored:1",  # the new file in place, nothing said yet
)


@pytest.fixture(scope="module")
def restore_pair(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a database and a backup taken before a change made to it."""
    folder = tmp_path_factory.mktemp("restore")
    db = folder / "clinic.sqlite"
    shutil.copyfile(demo_template, db)
    assert main(["backup", str(folder / "backup.sqlite"), "--db", str(db)]) == 0
    extra = folder / "extra.json"
    extra.write_text(
        json.dumps({"format": "exodesk/1", "locations": [{"name": "After the backup"}]}),
        encoding="utf-8",
    )
    assert main(["import", str(extra), "--db", str(db)]) == 0
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return folder


@pytest.mark.parametrize("point", RESTORE_KILL_POINTS)
def test_restore_killed_at_any_point_leaves_the_old_file_or_the_new(
    restore_pair: Path, tmp_path: Path, point: str
) -> None:
    db, backup = tmp_path / "clinic.sqlite", tmp_path / "backup.sqlite"
    shutil.copyfile(restore_pair / "clinic.sqlite", db)
    shutil.copyfile(restore_pair / "backup.sqlite", backup)
    old, new = exported(db), exported(backup)
    killed = driven(point, "restore", str(backup), "--db", str(db))
    assert killed.returncode == -9, killed.stderr  # the kill landed where asked
    assert db.is_file()  # never a moment without a database
    assert quick_check(db) == "ok"
    assert exported(db) in (old, new)
    again = finished("restore", str(backup), "--db", str(db))  # and it can be done again
    assert again.returncode == 0, again.stderr
    assert exported(db) == new
    assert [p.name for p in tmp_path.iterdir() if ".restoring." in p.name] == []
