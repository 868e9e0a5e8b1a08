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


def read_only_table(model: QAbstractItemModel, row_height: int) -> QTableView:
    """A table of records to read and pick one row from: whole rows, no editing, no wrap."""
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(row_height)
    return table
