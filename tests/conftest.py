"""Shared fixtures. Qt runs offscreen; every test gets its own real SQLite file."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def ui_thread_collector(qapp: Any) -> Any:
    """Garbage collected on the UI thread only, as the window does (exodesk/ui/common/
    collector.py): a widget left in a cycle by one test is never deleted on a worker thread
    of another test's background query."""
    from exodesk.ui.common.collector import UiThreadCollector

    collector = UiThreadCollector()
    yield collector
    collector.stop()


@pytest.fixture(autouse=True)
def collect_between_tests(ui_thread_collector: Any) -> Any:
    yield
    ui_thread_collector.collect_due()


@pytest.fixture(autouse=True)
def own_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test keeps its settings, data folder and crash log to itself, so two test runs
    side by side (or parallel workers) never share a file."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qsettings")
    )


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with the least work it allows for passwords made and checked in this process
    (the real settings take 0.2 s a hash): the accounts behave the same, only faster. A test
    about the real settings sets its own; commands run as subprocesses use the real ones."""
    from argon2 import PasswordHasher

    from exodesk.services.accounts import users

    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(scope="session")
def empty_database_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new database as opening makes it (every migration applied, marked as ExoDesk's),
    made once per test process, without the identity each database is given."""
    from exodesk.db import open_database
    from exodesk.models import DATABASE_ID

    path = tmp_path_factory.mktemp("empty-template") / "empty.sqlite"
    open_database(str(path)).close()
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("DELETE FROM database_fact WHERE name = ?", (DATABASE_ID,))
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(autouse=True)
def new_databases_from_the_template(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a new, empty SQLite file in this process copies the template (SQLite's backup)
    instead of replaying every migration: the same file, made in milliseconds, so the many
    tests that start from an empty clinic stay fast. tests/migrations, and every command run as
    a subprocess, migrate for real."""
    if request.node.get_closest_marker("real_migrations") or "migrations" in request.path.parts:
        return
    import exodesk.db as opening
    from exodesk.models import DATABASE_ID

    template = request.getfixturevalue("empty_database_template")
    migrate = opening.upgrade

    def upgrade(engine: Any) -> None:
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                raw = conn.connection.driver_connection
                if raw.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
                    with contextlib.closing(sqlite3.connect(template)) as source:
                        source.backup(raw)
                    raw.execute(  # its own identity, as migration 0006 gives every database
                        "INSERT INTO database_fact (name, value) VALUES (?, ?)",
                        (DATABASE_ID, secrets.token_hex(16)),
                    )
                    raw.commit()
                    return
        migrate(engine)

    monkeypatch.setattr(opening, "upgrade", upgrade)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Path of a database file that does not exist yet (created on first use)."""
    return tmp_path / "clinic.sqlite"


@pytest.fixture
def write_json(tmp_path: Path) -> Callable[[Any, str], Path]:
    """Write a Python object as a JSON file in tmp_path and return its path."""

    def write(data: Any, name: str = "in.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data, indent=2), encoding="utf-8")
        return path

    return write


DEMO_TODAY = __import__("datetime").date(2026, 11, 22)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo clinic as of DEMO_TODAY, built once per session (migrations applied, its WAL
    folded into the file): copy it, never open it."""
    from exodesk.cli import main

    path = tmp_path_factory.mktemp("demo-template") / "clinic.sqlite"
    assert main(["demo", "--db", str(path), "--today", DEMO_TODAY.isoformat()]) == 0
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return path


@pytest.fixture
def demo_db(db_path: Path, demo_template: Path) -> Path:
    """A real SQLite file of this test's own holding the demo clinic as of DEMO_TODAY."""
    shutil.copyfile(demo_template, db_path)
    return db_path


@pytest.fixture
def ctx(demo_db: Path, tmp_path: Path) -> Any:
    """An AppContext (exodesk.ui.shell.context) on the demo database, today fixed at DEMO_TODAY."""
    from exodesk.db import open_database
    from exodesk.ui.shell.context import AppContext

    db = open_database(str(demo_db))
    yield AppContext(
        db=db, user="tester", today=lambda: DEMO_TODAY, document_store=tmp_path / "documents"
    )
    db.close()
