"""The count table: one row per lot on the sheet, the Counted column editable."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QRegularExpression,
    Qt,
)
from PySide6.QtGui import QBrush, QFont, QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from exodesk.models.enums import Severity
from exodesk.ui.common import severity
from exodesk.ui.common.table_models import Column, Index, RowTableModel
from exodesk.ui.counts.count_rows import CountRow, note_for, number_text

COUNTED_COLUMN = 5
NOTE_COLUMN = 6
CLOSED_COLUMNS = (7,)  # "Expected at close"; the Note says the adjustment
ADJUSTMENT_COLUMN = 8
COUNTED_BY_COLUMN = 9


class CountTableModel(RowTableModel[CountRow]):
    """The lots of a count. Only the Counted column is editable, and only when `editable`;
    an edit goes through `commit(row, counted)`, which returns whether it was saved."""

    columns = (
        Column[CountRow]("Product", lambda r: r.product),
        Column[CountRow]("Lot", lambda r: r.lot),
        Column[CountRow]("Expiry", lambda r: r.expiry),
        Column[CountRow]("Location", lambda r: r.location),
        Column[CountRow]("Expected", lambda r: number_text(r.expected), align_right=True),
        Column[CountRow]("Counted", lambda r: number_text(r.counted), align_right=True),
        Column[CountRow]("Note", note_for),
        Column[CountRow]("Expected at close", lambda r: number_text(r.reconciled_expected), True),
        Column[CountRow](
            "Adjustment",
            lambda r: "" if r.adjustment is None else f"{r.adjustment:+d}",
            align_right=True,
        ),
        Column[CountRow]("Counted by", lambda r: r.counted_by),
    )

    def __init__(self, rows: Sequence[CountRow] = ()) -> None:
        super().__init__(rows)
        self.editable = False
        self.commit: Callable[[CountRow, int | None], bool] = lambda row, counted: False

    def rows(self) -> list[CountRow]:
        return list(self._rows)

    def row_of(self, key: tuple[str, str]) -> int | None:
        for i, r in enumerate(self._rows):
            if r.key == key:
                return i
        return None

    def replace_row(self, index: int, row: CountRow) -> None:
        self._rows[index] = row
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(self.columns) - 1))

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if self.editable and index.isValid() and index.column() == COUNTED_COLUMN:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        if not self.editable or index.column() != COUNTED_COLUMN:
            return False
        text = str(value).strip()
        if text and not text.isdigit():
            return False
        counted = int(text) if text else None
        row = self._rows[index.row()]
        if counted == row.counted:
            return True
        if not self.commit(row, counted):
            return False
        self.replace_row(index.row(), replace(row, counted=counted))
        return True

    def extra_data(self, record: CountRow, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.EditRole and column == COUNTED_COLUMN:
            return number_text(record.counted)
        if column == COUNTED_COLUMN and role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if column == NOTE_COLUMN and record.counted is not None:
            level = Severity.WARN if record.differs else Severity.INFO
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(severity.BACKGROUND[level])
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(severity.TEXT_ON_BACKGROUND)
            if role == Qt.ItemDataRole.DecorationRole:
                return severity.icon(level)
        if role == Qt.ItemDataRole.ToolTipRole and column == COUNTED_COLUMN and self.editable:
            return "Select the lot, type the number of vials found, press Enter"
        return None


class CountedDelegate(QStyledItemDelegate):
    """Edits a count as digits only; an empty box means 'not counted'."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,5}"), editor))
        editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return editor


class CountTable(QTableView):
    """A digit typed on a selected row starts editing its Counted cell with that digit; Enter
    saves it and moves to the next row, so the next number typed counts the next lot (a
    count that was not saved keeps its row, to be typed again)."""

    _saved = False

    def commitData(self, editor: QWidget) -> None:  # noqa: N802 (Qt's name)
        current = self.currentIndex()
        super().commitData(editor)
        typed = editor.text().strip() if isinstance(editor, QLineEdit) else None
        stored = current.data(Qt.ItemDataRole.EditRole) if current.isValid() else None
        self._saved = typed is not None and str(stored or "") == typed

    def closeEditor(  # noqa: N802
        self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint
    ) -> None:
        if hint != QAbstractItemDelegate.EndEditHint.SubmitModelCache:
            super().closeEditor(editor, hint)
            return
        super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        if self._saved:
            self.move_to_next_row()

    def move_to_next_row(self) -> None:
        current = self.currentIndex()
        below = current.row() + 1
        if not current.isValid() or below >= self.model().rowCount():
            return
        target = self.model().index(below, COUNTED_COLUMN)
        selection = self.selectionModel()
        selection.setCurrentIndex(
            target,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.scrollTo(target)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        current = self.currentIndex()
        if (
            text.isdigit()
            and current.isValid()
            and self.state() != QAbstractItemView.State.EditingState
        ):
            target = self.model().index(current.row(), COUNTED_COLUMN)
            self.setCurrentIndex(target)
        super().keyPressEvent(event)


# --------------------------------------------------------------------------------------------
# Asking the user (one object, so tests and other front ends can answer differently)
# --------------------------------------------------------------------------------------------
