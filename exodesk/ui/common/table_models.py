"""Read-only table models over lists of frozen dataclasses, one column spec per column."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from exodesk.models.enums import Severity
from exodesk.models.vocabulary import OVERRIDDEN, rule_title, short_label
from exodesk.services.compliance.rules import Flag
from exodesk.ui.common import severity

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


class PagedRowTableModel(RowTableModel[T]):
    """Rows arrive a page at a time (canFetchMore/fetchMore). `fetch(loaded, limit)` gets the
    rows loaded so far and returns the next page, so a view can page by offset or by key."""

    PAGE_SIZE = 500

    def __init__(
        self,
        rows: Sequence[T] = (),
        fetch: Callable[[list[T], int], list[T]] | None = None,
    ) -> None:
        super().__init__(rows)
        self._fetch = fetch
        self._total = len(self._rows)

    def reset(
        self, rows: Sequence[T], total: int, fetch: Callable[[list[T], int], list[T]] | None
    ) -> None:
        """Show the first page of `total` rows; `fetch` gives the next ones."""
        self._fetch = fetch
        self._total = max(total, len(rows))
        self.set_rows(rows)

    @property
    def total(self) -> int:
        return self._total

    @property
    def loaded(self) -> int:
        return len(self._rows)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._fetch is not None and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent) or self._fetch is None:
            return
        rows = self._fetch(self._rows, self.PAGE_SIZE)
        if not rows:
            self._total = len(self._rows)
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()


class FlagTableModel(RowTableModel[Flag]):
    columns = (
        Column[Flag](
            "Severity",
            lambda f: short_label(f.severity) + ("" if f.is_open else f" ({OVERRIDDEN})"),
        ),
        Column[Flag]("Rule", lambda f: rule_title(f.rule)),
        Column[Flag]("Product", lambda f: f.product),
        Column[Flag]("Lot", lambda f: f.lot),
        Column[Flag]("Treatment", lambda f: f.treatment),
        Column[Flag]("What is wrong and what to do", lambda f: f.message),
    )

    def extra_data(self, record: Flag, column: int, role: int) -> Any:
        return flag_role_data(record, column, role)


def flag_role_data(record: Flag, column: int, role: int) -> Any:
    """A flag's colour, icon, sort value and tooltip, wherever flags are listed."""
    if role == Qt.ItemDataRole.BackgroundRole and column == 0 and record.is_open:
        return QBrush(severity.BACKGROUND[record.severity])
    if role == Qt.ItemDataRole.ForegroundRole and column == 0 and record.is_open:
        return QBrush(severity.TEXT_ON_BACKGROUND)
    if role == Qt.ItemDataRole.DecorationRole and column == 0:
        return severity.icon(record.severity)
    if role == SORT_ROLE and column == 0:
        return flag_rank(record)
    if role == Qt.ItemDataRole.ToolTipRole:
        return record.message
    return None


def flag_rank(flag: Flag) -> int:
    """How flags sort by severity: blocks first, an overridden flag after the open ones."""
    return SEVERITY_RANK[flag.severity] * 2 + (0 if flag.is_open else 1)
