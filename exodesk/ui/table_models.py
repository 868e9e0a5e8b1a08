"""Read-only table models over lists of frozen dataclasses, one column spec per column."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from exodesk.models.enums import Severity
from exodesk.services.rules import Flag

from . import severity

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1

SEVERITY_RANK = {Severity.BLOCK: 0, Severity.WARN: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Column(Generic[T]):
    title: str
    value: Callable[[T], Any]
    align_right: bool = False


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class RowTableModel(QAbstractTableModel, Generic[T]):
    """Rows are immutable records; SORT_ROLE gives raw values so dates and numbers sort."""

    columns: Sequence[Column[T]] = ()

    def __init__(self, rows: Sequence[T] = ()) -> None:
        super().__init__()
        self._rows: list[T] = list(rows)

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> T:
        return self._rows[index]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        record, column = self._rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(column.value(record))
        extra = self.extra_data(record, index.column(), role)
        if extra is not None:
            return extra
        if role == SORT_ROLE:
            value = column.value(record)
            return value.isoformat() if isinstance(value, dt.date) else value
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def extra_data(self, record: T, column: int, role: int) -> Any:
        return None


class FlagTableModel(RowTableModel[Flag]):
    columns = (
        Column[Flag]("Severity", lambda f: severity.WORD[f.severity]),
        Column[Flag]("Rule", lambda f: f.rule),
        Column[Flag]("Product", lambda f: f.product),
        Column[Flag]("Lot", lambda f: f.lot),
        Column[Flag]("Treatment", lambda f: f.treatment),
        Column[Flag]("What is wrong and what to do", lambda f: f.message),
    )

    def extra_data(self, record: Flag, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole and column == 0:
            return QBrush(severity.BACKGROUND[record.severity])
        if role == Qt.ItemDataRole.ForegroundRole and column == 0:
            return QBrush(severity.TEXT_ON_BACKGROUND)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return severity.icon(record.severity)
        if role == SORT_ROLE and column == 0:
            return SEVERITY_RANK[record.severity]
        if role == Qt.ItemDataRole.ToolTipRole:
            return record.message
        return None
