"""Shared fixtures. Qt runs offscreen; every test gets its own real SQLite file."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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


@pytest.fixture
def demo_db(db_path: Path) -> Path:
    """A real SQLite file holding the demo clinic as of DEMO_TODAY."""
    from exodesk.cli import main

    assert main(["demo", "--db", str(db_path), "--today", DEMO_TODAY.isoformat()]) == 0
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
