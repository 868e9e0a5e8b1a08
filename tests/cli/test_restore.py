"""`exodesk restore`: an admin action, refused before anything changes when the backup or the
database's place is wrong, never dropping committed work, serialised, and bringing back the
documents' files a backup carries."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from filelock import FileLock

from exodesk import restore as restoring
from exodesk.backup import DOCUMENT_FILES, backups_dir
from exodesk.cli import main
from exodesk.db import open_database
from exodesk.services.accounts import users
from exodesk.services.audit.log import AuditFilter, list_events
from exodesk.services.catalogue.documents import attach_file, list_documents
from exodesk.settings import document_store

ADMIN_PASSWORD = "admin secret"
DOC_PASSWORD = "doctor secret"
EXTRA = {"format": "exodesk/1", "locations": [{"name": "Added after the backup"}]}
PDF = b"%PDF-1.7\n certificate of conformity \n%%EOF\n"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EXODESK_USER", "EXODESK_PASSWORD", "EXODESK_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


def exported(db: Path) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["export", "-", "--db", str(db)]) == 0
    return out.getvalue()


@pytest.fixture
def run(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    def call(*args: str, **env: str) -> int:
        with monkeypatch.context() as m:
            for name, value in env.items():
                m.setenv(name, value)
            return main([*args, "--db", str(demo_db)])

    return call


@pytest.fixture
def staffed(run: Callable[..., int]) -> Callable[..., int]:
    """The demo clinic with an admin ("Boss") and a practitioner ("Dr B")."""
    assert run("user", "add", "Boss", "--role", "admin", EXODESK_PASSWORD=ADMIN_PASSWORD) == 0
    assert (
        run(
            "user",
            "add",
            "Dr B",
            "--role",
            "practitioner",
            "--user",
            "Boss",
            EXODESK_PASSWORD=ADMIN_PASSWORD,
            EXODESK_NEW_PASSWORD=DOC_PASSWORD,
        )
        == 0
    )
    return run


@pytest.fixture
def backed_up(demo_db: Path, tmp_path: Path, run: Callable[..., int]) -> Iterator[Path]:
    """A backup of the demo clinic, then a change made after it."""
    copy = tmp_path / "copy.sqlite"
    assert run("backup", str(copy)) == 0
    yield copy


def _import_extra(run: Callable[..., int], tmp_path: Path, **env: str) -> None:
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps(EXTRA), encoding="utf-8")
    assert run("import", str(extra), **env) == 0


# -- who may restore ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "password", "says"),
    [
        ("Dr B", DOC_PASSWORD, "restoring a backup"),  # a practitioner
        ("Boss", "wrong password", "wrong password"),
        ("Nobody", ADMIN_PASSWORD, "no active account"),
    ],
)
def test_only_a_signed_in_admin_may_restore(
    staffed: Callable[..., int],
    demo_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    who: str,
    password: str,
    says: str,
) -> None:
    copy = tmp_path / "staffed.sqlite"
    assert staffed("backup", str(copy)) == 0
    before = exported(demo_db)
    capsys.readouterr()
    assert staffed("restore", str(copy), "--user", who, EXODESK_PASSWORD=password) == 2
    err = capsys.readouterr().err
    assert says in err.lower()
    assert "nothing was written" in err or "nothing was replaced" in err
    assert exported(demo_db) == before
    assert not list(demo_db.parent.glob("*.before-restore-*"))


def test_without_a_password_and_no_terminal_restore_is_refused(
    staffed: Callable[..., int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "staffed.sqlite"
    assert staffed("backup", str(copy)) == 0
    capsys.readouterr()
    assert staffed("restore", str(copy), "--user", "Boss") == 2
    assert "EXODESK_PASSWORD" in capsys.readouterr().err


def test_an_admin_restores_and_the_trail_says_who_from_what(
    staffed: Callable[..., int], demo_db: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "staffed.sqlite"
    assert staffed("backup", str(copy)) == 0
    wanted = exported(demo_db)
    identity = restoring.database_id(demo_db)
    demo_db.chmod(0o640)  # the clinic's own choice of who may read it
    _import_extra(staffed, tmp_path, EXODESK_USER="Boss", EXODESK_PASSWORD=ADMIN_PASSWORD)
    assert staffed("restore", str(copy), "--user", "Boss", EXODESK_PASSWORD=ADMIN_PASSWORD) == 0
    assert exported(demo_db) == wanted
    assert restoring.database_id(demo_db) == identity  # the same database, earlier
    assert demo_db.stat().st_mode & 0o777 == 0o640
    db = open_database(str(demo_db))
    with db.read() as session:
        events = list_events(session, AuditFilter(record="database"), limit=10)
    db.close()
    assert [(e.user, e.field, e.new) for e in events] == [("Boss", "restored", "staffed.sqlite")]


def test_a_backup_from_before_the_accounts_is_refused(
    staffed: Callable[..., int], demo_db: Path, tmp_path: Path, demo_template: Path
) -> None:
    before = demo_db.read_bytes()
    out = io.StringIO()
    with contextlib.redirect_stderr(out):
        code = staffed(
            "restore", str(demo_template), "--user", "Boss", EXODESK_PASSWORD=ADMIN_PASSWORD
        )
    assert code == 2
    assert "from before" in out.getvalue() and "user accounts" in out.getvalue()
    assert demo_db.read_bytes() == before


# -- refused before anything changes ---------------------------------------------------------


def _damaged_copy(source: Path, target: Path) -> Path:
    data = bytearray(source.read_bytes())
    data[4096 * 3 : 4096 * 3 + 2048] = b"\x07" * 2048  # a page of the tables overwritten
    target.write_bytes(bytes(data))
    return target


def _newer_copy(source: Path, target: Path) -> Path:
    target.write_bytes(source.read_bytes())
    with contextlib.closing(sqlite3.connect(target)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.commit()
    return target


def _foreign_copy(_source: Path, target: Path) -> Path:
    with contextlib.closing(sqlite3.connect(target)) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.execute("INSERT INTO alembic_version VALUES ('0006')")
        conn.execute("PRAGMA application_id = 1234")
        conn.commit()
    return target


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_damaged_copy, "damaged"),
        (_newer_copy, "newer ExoDesk"),
        (_foreign_copy, "not an ExoDesk database"),
        (lambda _s, t: t, "no such backup file"),
    ],
    ids=["damaged", "newer", "foreign", "missing"],
)
def test_a_bad_backup_is_refused_before_anything_changes(
    demo_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path, Path], Path],
    says: str,
) -> None:
    bad = make(demo_db, tmp_path / "bad.sqlite")
    before = demo_db.read_bytes()
    assert main(["restore", str(bad), "--db", str(demo_db)]) == 2
    err = capsys.readouterr().err
    assert says in err and "nothing was replaced" in err
    assert demo_db.read_bytes() == before
    assert sorted(p.name for p in demo_db.parent.iterdir() if p.name.startswith(demo_db.name)) in (
        [demo_db.name],
        [demo_db.name, f"{demo_db.name}-shm", f"{demo_db.name}-wal"],
    )


def test_another_programs_file_at_the_database_place_is_never_replaced(
    tmp_path: Path, backed_up: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    theirs = _foreign_copy(backed_up, tmp_path / "theirs.sqlite")
    before = theirs.read_bytes()
    assert main(["restore", str(backed_up), "--db", str(theirs)]) in (2, 3)
    assert "not an ExoDesk database" in capsys.readouterr().err
    assert theirs.read_bytes() == before


def test_committed_work_a_reader_holds_in_the_wal_is_never_dropped(
    demo_db: Path, tmp_path: Path, backed_up: Path, run: Callable[..., int]
) -> None:
    reader = sqlite3.connect(demo_db)  # the window on another workstation, mid-read
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM lot").fetchone()
    try:
        _import_extra(run, tmp_path)  # committed, but only in the -wal while the reader reads
        assert Path(f"{demo_db}-wal").stat().st_size > 0
        after_import = exported(demo_db)
        assert run("restore", str(backed_up)) == 2
    finally:
        reader.rollback()
        reader.close()
    assert exported(demo_db) == after_import
    assert "Added after the backup" in after_import


def test_a_database_open_elsewhere_is_not_replaced_and_says_why(
    demo_db: Path, backed_up: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = sqlite3.connect(demo_db)
    other.execute("SELECT 1 FROM lot").fetchone()  # open, idle
    try:
        assert main(["restore", str(backed_up), "--db", str(demo_db)]) == 2
    finally:
        other.close()
    assert "open elsewhere" in capsys.readouterr().err


# -- serialised ------------------------------------------------------------------------------


def test_a_restore_waits_for_one_under_way_then_gives_up_saying_so(
    demo_db: Path, backed_up: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(restoring, "LOCK_WAIT_SECONDS", 0.2)
    before = exported(demo_db)
    with FileLock(restoring.lock_path(demo_db)):  # another restore holds it
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            assert main(["restore", str(backed_up), "--db", str(demo_db)]) == 2
    assert "another restore is under way" in err.getvalue()
    assert exported(demo_db) == before


def test_two_restores_at_once_both_land_and_the_original_is_kept(
    demo_db: Path, tmp_path: Path, backed_up: Path, run: Callable[..., int]
) -> None:
    _import_extra(run, tmp_path)
    original = exported(demo_db)
    gate = FileLock(restoring.lock_path(demo_db), thread_local=False)
    gate.acquire()  # both start while a lock is held, so they truly contend
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "exodesk", "restore", str(backed_up), "--db", str(demo_db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    threading.Timer(0.5, gate.release).start()
    results = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0], results
    asides = sorted(demo_db.parent.glob(f"{demo_db.name}.before-restore-*"))
    assert len(asides) == 2
    assert original in [exported(a) for a in asides]  # the original survives, set aside
    assert exported(demo_db) == exported(backed_up)


# -- documents' files ----------------------------------------------------------------------


def _attach_a_pdf(db_file: Path, tmp_path: Path) -> tuple[str, str]:
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(PDF)
    db = open_database(str(db_file))
    with db.write() as session:
        doc = list_documents(session, dt.date(2026, 11, 22))[0]
        sha, stored = attach_file(
            session, doc.kind, doc.number, pdf, store=document_store(), user="tester"
        )
    db.close()
    return sha, stored


def test_backups_carry_the_documents_files_and_restore_brings_them_back(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _sha, stored = _attach_a_pdf(demo_db, tmp_path)
    copy = tmp_path / "with-files.sqlite"
    assert main(["backup", str(copy), "--db", str(demo_db)]) == 0
    assert "with 1 document file" in capsys.readouterr().out
    (document_store() / stored).unlink()  # the machine, and its document store, are lost
    assert main(["restore", str(copy), "--db", str(demo_db)]) == 0
    assert "with 1 document file" in capsys.readouterr().out
    assert (document_store() / stored).read_bytes() == PDF
    with contextlib.closing(sqlite3.connect(demo_db)) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert DOCUMENT_FILES not in tables  # the packed files live in the store, not the database


@pytest.mark.parametrize(
    ("stored", "content", "says"),
    [
        ("../../../.bashrc", PDF, "bad name"),
        ("ab/" + "c" * 64 + ".pdf", b"%PDF- something else", "damaged"),
    ],
)
def test_a_backup_with_hostile_document_files_is_refused(
    demo_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    stored: str,
    content: bytes,
    says: str,
) -> None:
    _attach_a_pdf(demo_db, tmp_path)
    copy = tmp_path / "hostile.sqlite"
    assert main(["backup", str(copy), "--db", str(demo_db)]) == 0
    with contextlib.closing(sqlite3.connect(copy)) as conn:
        conn.execute(f"UPDATE {DOCUMENT_FILES} SET stored_file = ?, content = ?", (stored, content))
        conn.commit()
    before = demo_db.read_bytes()
    capsys.readouterr()
    assert main(["restore", str(copy), "--db", str(demo_db)]) == 2
    assert says in capsys.readouterr().err
    assert demo_db.read_bytes() == before
    assert not (tmp_path / ".bashrc").exists()


def test_a_missing_database_is_restored_from_the_copy_its_refusal_names(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backed_up = backups_dir(demo_db) / "clinic-kept.sqlite"
    backed_up.parent.mkdir()
    assert main(["backup", str(backed_up), "--db", str(demo_db)]) == 0
    wanted = exported(demo_db)
    for file in demo_db.parent.glob(f"{demo_db.name}*"):
        file.unlink()
    capsys.readouterr()
    assert main(["stock", "--db", str(demo_db)]) == 3
    assert f"exodesk restore {backed_up}" in capsys.readouterr().err
    assert main(["restore", str(backed_up), "--db", str(demo_db)]) == 0
    assert exported(demo_db) == wanted
