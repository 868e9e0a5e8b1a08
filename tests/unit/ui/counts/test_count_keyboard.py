"""Counting by keyboard: type a number, Enter, and the next number counts the next lot (it
used to overwrite the same lot)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from exodesk.services.counts import counts
from exodesk.services.counts.counts import count_lines
from exodesk.ui.counts.count_sources import DatabaseCountSource
from exodesk.ui.counts.count_table import COUNTED_COLUMN
from exodesk.ui.counts.counting import CountingWidget


def _type(qtbot: QtBot, widget: CountingWidget, number: str) -> None:
    """Type on the table as the user does: digits, then Enter."""
    table = widget.table
    row = table.currentIndex().row()
    qtbot.keyClick(table, number[0])
    editor = table.indexWidget(widget.model.index(row, COUNTED_COLUMN))
    assert editor is not None, "a digit opens the Counted cell of the current row"
    qtbot.keyClicks(editor, number[1:])
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    QApplication.processEvents()


def test_enter_moves_to_the_next_lot(qtbot: QtBot, ctx: Any) -> None:
    with ctx.db.write() as session:
        count_id = counts.start_count(session, location="Fridge A", today=ctx.today(), user=None)
    widget = CountingWidget(DatabaseCountSource(ctx, count_id))
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.table.setFocus()
    widget.table.selectRow(0)
    _type(qtbot, widget, "12")
    assert widget.table.currentIndex().row() == 1
    _type(qtbot, widget, "7")
    _type(qtbot, widget, "3")
    qtbot.waitUntil(lambda: [r.counted for r in widget.rows()[:3]] == [12, 7, 3])
    with ctx.db.read() as session:
        saved = [line.counted for line in count_lines(session, count_id)]
    assert sorted(x for x in saved if x is not None) == [3, 7, 12]
    assert widget.table.currentIndex().row() == 3
