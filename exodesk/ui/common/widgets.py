"""Small helpers shared by views and dialogs."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QTableView

E = TypeVar("E", bound=StrEnum)


def enum_data(combo: QComboBox, enum_cls: type[E]) -> E | None:
    """The current item's vocabulary value (Qt hands StrEnum data back as plain str)."""
    value = combo.currentData()
    return None if value is None else enum_cls(value)


def pick_one_row(table: QTableView, row_height: int | None = None) -> QTableView:
    """Set `table` up for reading records and picking one: whole rows, one at a time,
    alternating colours, no wrap, no row numbers; rows `row_height` pixels high when given."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    rows = table.verticalHeader()
    rows.setVisible(False)
    if row_height is not None:
        rows.setDefaultSectionSize(row_height)
    return table


def read_only_table(model: QAbstractItemModel, row_height: int | None = None) -> QTableView:
    """A table of records to read and pick one row from: whole rows, no editing, no wrap."""
    table = QTableView()
    table.setModel(model)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return pick_one_row(table, row_height)
