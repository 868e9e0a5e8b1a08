"""The one way the window asks for a file: every open and save dialog starts in the folder
used last (QSettings), else in the user's Documents folder, never in the program's folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

LAST_FOLDER_KEY = "files/last_folder"


def documents_folder() -> Path:
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


def start_folder() -> Path:
    """The folder the next dialog opens in: the last one used if it still exists."""
    last = QSettings().value(LAST_FOLDER_KEY)
    if isinstance(last, str) and last and Path(last).is_dir():
        return Path(last)
    return documents_folder()


def remember_folder(chosen: Path) -> None:
    QSettings().setValue(LAST_FOLDER_KEY, str(chosen.parent))


def ask_open_file(parent: QWidget | None, title: str, filters: str) -> Path | None:
    """The file the user chose to open, or None if they cancelled."""
    name, _ = QFileDialog.getOpenFileName(parent, title, str(start_folder()), filters)
    if not name:
        return None
    chosen = Path(name)
    remember_folder(chosen)
    return chosen


def ask_save_file(
    parent: QWidget | None, title: str, suggested_name: str, filters: str
) -> Path | None:
    """Where the user chose to save (`suggested_name` in the start folder), or None."""
    start = start_folder() / Path(suggested_name).name
    name, _ = QFileDialog.getSaveFileName(parent, title, str(start), filters)
    if not name:
        return None
    chosen = Path(name)
    remember_folder(chosen)
    return chosen


def ask_folder(parent: QWidget | None, title: str) -> Path | None:
    """The folder the user chose (remembered for the next dialog), or None."""
    name = QFileDialog.getExistingDirectory(parent, title, str(start_folder()))
    if not name:
        return None
    chosen = Path(name)
    QSettings().setValue(LAST_FOLDER_KEY, str(chosen))
    return chosen
