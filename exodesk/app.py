"""Composition root: settings -> database -> main window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from .db import DatabaseRefused, open_database
from .settings import APP_NAME


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
    from .ui.main_window import MainWindow

    window = MainWindow(db)
    window.show()
    try:
        return app.exec()
    finally:
        db.close()
