"""The preview step's table: every row the sheet gives (numbered as the spreadsheet numbers
them), the mapped columns, and each problem marked on its cell (or its whole row)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from exodesk.models.enums import Severity
from exodesk.services.errors import Problem
from exodesk.services.sheets.preview import SheetPreview
from exodesk.ui.common import severity
from exodesk.ui.sheets.mapping import field_text

Index = QModelIndex | QPersistentModelIndex


def _letters(where: str) -> str:
    letters = where.split(" ", 1)[0]
    return letters if letters.isalpha() and letters.isupper() else ""


class PreviewModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.preview: SheetPreview | None = None
        self.kind = ""
        self.cell_problems: dict[tuple[int, int], list[str]] = {}  # (model row, column)
        self.row_problems: dict[int, list[str]] = {}
        self.general: list[Problem] = []
        self._row_of: dict[int, int] = {}  # sheet row -> model row

    def set_preview(self, kind: str, preview: SheetPreview | None) -> None:
        self.beginResetModel()
        self.kind, self.preview = kind, preview
        self.cell_problems, self.row_problems, self.general = {}, {}, []
        rows = preview.rows if preview is not None else ()
        self._row_of = {r.number: i for i, r in enumerate(rows)}
        letters = (
            {c.where.split(" ", 1)[0]: i for i, c in enumerate(preview.header.columns)}
            if preview is not None
            else {}
        )
        for problem in preview.problems if preview is not None else ():
            row = self._row_of.get(problem.row) if problem.row is not None else None
            if row is None:
                self.general.append(problem)
                continue
            column = letters.get(_letters(problem.field))
            if column is None:
                self.row_problems.setdefault(row, []).append(str(problem))
            else:
                self.cell_problems.setdefault((row, column), []).append(problem.message)
        self.endResetModel()

    def model_row(self, sheet_row: int) -> int | None:
        return self._row_of.get(sheet_row)

    def bad_rows(self) -> set[int]:
        """The model rows holding a problem."""
        return set(self.row_problems) | {r for r, _ in self.cell_problems}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.preview is None:
            return 0
        return len(self.preview.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() or self.preview is None:
            return 0
        return len(self.preview.header.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if self.preview is None or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(self.preview.rows[section].number)
        column = self.preview.header.columns[section]
        return f"{field_text(self.kind, column.field)}\n{column.where}"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.preview is None or not index.isValid():
            return None
        row, column = index.row(), index.column()
        said = self.cell_problems.get((row, column)) or self.row_problems.get(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.preview.rows[row].cells[column]
        if said and role == Qt.ItemDataRole.BackgroundRole:
            strong = (row, column) in self.cell_problems
            return QBrush(severity.BACKGROUND[Severity.BLOCK if strong else Severity.WARN])
        if said and role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(severity.TEXT_ON_BACKGROUND)
        if said and role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(said)
        return None
