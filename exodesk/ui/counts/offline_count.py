"""Counting offline: a window on a count sheet file alone (no database), for a laptop in the
stock room. Every entry rewrites the file atomically before the next one can be made, so
closing the window, a crash or a power cut loses nothing that was entered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QVBoxLayout, QWidget

from exodesk.models.enums import Severity
from exodesk.services.counts.sheet import SheetFile
from exodesk.services.errors import InvalidInput
from exodesk.ui.common import severity
from exodesk.ui.counts.count_sources import SheetCountSource
from exodesk.ui.counts.counting import CountingWidget

WINDOW_TITLE = "{name} — ExoDesk offline count"
MAX_PROBLEMS_SHOWN = 25


class OfflineCountWindow(QMainWindow):
    """The counting widget on a sheet file, with a line saying where entries go."""

    def __init__(self, sheet: SheetFile) -> None:
        super().__init__()
        self.sheet = sheet
        self.setWindowTitle(WINDOW_TITLE.format(name=sheet.path.name))
        self.counting = CountingWidget(SheetCountSource(sheet))
        self.saved_note = QLabel(
            f"Counting offline from the file {sheet.path}. Every entry is saved to this file "
            "immediately: you can close the window or switch off at any time. Back at the "
            "clinic, enter the file into its count (Counts › Enter sheet…, or "
            "exodesk count enter ID FILE)."
        )
        self.saved_note.setWordWrap(True)
        self.saved_note.setTextFormat(Qt.TextFormat.PlainText)
        self.saved_note.setStyleSheet(
            f"background: {severity.BACKGROUND[Severity.INFO].name()}; "
            f"color: {severity.TEXT_ON_BACKGROUND.name()}; padding: 6px;"
        )
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.saved_note)
        layout.addWidget(self.counting, 1)
        self.setCentralWidget(central)
        self.counting.entered.connect(self._show_saved)
        quit_action = self.menuBar().addMenu("&File").addAction("&Close")
        quit_action.setShortcut(QKeySequence.StandardKey.Close)
        quit_action.triggered.connect(self.close)
        self.statusBar().showMessage(f"{len(sheet.rows)} lots on the sheet.")
        self.resize(1200, 760)
        self.counting.focus_scan()

    def _show_saved(self) -> None:
        self.statusBar().showMessage(f"Saved to {self.sheet.path.name}.", 6000)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Nothing to save: every entry already is. An edit still open in the table is not
        # a count yet (it is committed by Enter).
        event.accept()


def open_offline_count(path: Path, parent: QWidget | None = None) -> QWidget | None:
    """A window counting from the sheet file `path`, or None (after saying why) if the file
    cannot be read as a count sheet."""
    path = Path(path)
    problems: list[str]
    try:
        sheet = SheetFile.open(path)
    except InvalidInput as exc:
        problems = [str(p) for p in exc.problems]
    except OSError as exc:
        problems = [f"cannot read the file ({exc.strerror or exc})"]
    else:
        return OfflineCountWindow(sheet)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("Cannot open the count sheet")
    shown = problems[:MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    box.setText(f"{path.name} cannot be opened as a count sheet:")
    box.setInformativeText(
        "\n".join(shown)
        + (f"\n… and {more} more (see Show Details)" if more else "")
        + "\n\nA count sheet is the CSV written by Counts › Save sheet CSV… or "
        "exodesk count sheet ID FILE: product,lot,expiry,location,expected,counted."
    )
    if more:
        box.setDetailedText("\n".join(problems))
    box.exec()
    return None
