"""Composition root: settings -> database -> context -> main window."""

from __future__ import annotations

import gc
import getpass
import os
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from .db import DatabaseRefused, open_database
from .settings import APP_NAME, data_dir


def freeze_startup_objects() -> None:
    """Move everything built at start-up (Qt bindings, SQLAlchemy, pydantic, the window)
    out of the cyclic garbage collector's sight. A full collection otherwise walks them all,
    a 125 ms pause in the middle of scrolling; afterwards it takes a few milliseconds."""
    gc.collect()
    gc.freeze()


def current_user() -> str:
    try:
        return os.environ.get("EXODESK_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def run_gui(target: str | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    try:
        db = open_database(target)
    except DatabaseRefused as exc:
        QMessageBox.critical(None, APP_NAME, f"ExoDesk cannot open the database.\n\n{exc}")
        return 3
    from .ui.context import AppContext
    from .ui.main_window import MainWindow

    ctx = AppContext(db=db, user=current_user(), document_store=data_dir() / "documents")
    window = MainWindow(ctx)
    window.show()
    freeze_startup_objects()
    try:
        return app.exec()
    finally:
        db.close()


def run_offline_count(path: Path) -> int:
    """`exodesk count-sheet FILE`: count from the sheet file alone, no database."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    from .ui.offline_count import open_offline_count

    window = open_offline_count(path)
    if window is None:
        return 2
    window.show()
    freeze_startup_objects()
    return int(app.exec())
