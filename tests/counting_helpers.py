"""What the count tests share: the demo lots they count, GS1 scans as a scanner types them,
a script of answers to the dialogs a step opens, and typing into the counting widget."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from exodesk.cli import main
from exodesk.ui.counts.count_rows import CountRow
from exodesk.ui.counts.count_table import COUNTED_COLUMN
from exodesk.ui.counts.counting import CountingWidget

TODAY = dt.date(2026, 11, 22)
CELVIA_GTIN = "08809531000129"
HAIREXO_GTIN = "08809533002176"
FRIDGE_A = {
    "CV-3012B": 3,
    "CV-5907A": 20,
    "CV-6233B": 20,
    "HX-0912": 30,
    "PLX-3381": 6,
    "PLX-3456": 15,
    "PLX-3512": 10,
    "RGX-EV-0077": 1,
    "VC-1212": 20,
}


# -- answering modal dialogs: each handler runs on the next modal dialog to open, once shown,
# in order; a failing handler closes its dialog so the test fails instead of hanging.
Handler = Callable[[Any], None]


class DialogScript:
    def __init__(self, handlers: list[Handler]) -> None:
        self.handlers = list(handlers)
        self.seen: list[QWidget] = []
        self.errors: list[BaseException] = []
        QTimer.singleShot(0, self._poll)

    def _poll(self) -> None:
        if not self.handlers:
            return
        widget = QApplication.activeModalWidget()
        if widget is None or not widget.isVisible() or widget in self.seen:
            QTimer.singleShot(10, self._poll)
            return
        self.seen.append(widget)
        handler = self.handlers.pop(0)
        try:
            handler(widget)
        except BaseException as exc:  # noqa: BLE001 - reported by done()
            self.errors.append(exc)
            self.handlers.clear()
            if isinstance(widget, QDialog):
                widget.reject()
            return
        QTimer.singleShot(0, self._poll)

    def done(self) -> None:
        """Raise what a handler raised; check every handler ran."""
        if self.errors:
            raise self.errors[0]
        assert not self.handlers, f"{len(self.handlers)} dialog(s) never opened"


def answer(*handlers: Handler) -> DialogScript:
    return DialogScript(list(handlers))


def click_yes(box: QMessageBox) -> None:
    assert isinstance(box, QMessageBox), box
    box.button(QMessageBox.StandardButton.Yes).click()


def gs1(gtin: str, expiry: str, lot: str) -> str:
    """A DataMatrix as a scanner types it, lot last (so no group separator is needed)."""
    return "]d2" + "01" + gtin + "17" + expiry + "10" + lot


def run_cli(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(args)) == 0
    return out.getvalue()


def stock(db: Path) -> dict[str, int]:
    rows = json.loads(run_cli("stock", "--json", "--db", str(db), "--today", TODAY.isoformat()))
    return {row["lot"]: row["on_hand"] for row in rows}


def scan(qtbot: QtBot, widget: CountingWidget, code: str) -> None:
    qtbot.keyClicks(widget.scan_edit, code)
    qtbot.keyClick(widget.scan_edit, Qt.Key.Key_Return)


def row_of(widget: CountingWidget, lot: str) -> CountRow:
    return next(r for r in widget.rows() if r.lot == lot)


def type_count(qtbot: QtBot, widget: CountingWidget, lot: str, number: str) -> None:
    """Select the lot's row, type the number, press Enter — as the user does."""
    index = next(i for i, r in enumerate(widget.rows()) if r.lot == lot)
    widget.table.setFocus()
    widget.table.selectRow(index)
    qtbot.keyClick(widget.table, number[0])
    editor = widget.table.indexWidget(widget.model.index(index, COUNTED_COLUMN))
    assert editor is not None, "typing a digit should open the Counted cell"
    qtbot.keyClicks(editor, number[1:])
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()
