"""Small helpers shared by views and dialogs."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from PySide6.QtWidgets import QComboBox

E = TypeVar("E", bound=StrEnum)


def enum_data(combo: QComboBox, enum_cls: type[E]) -> E | None:
    """The current item's vocabulary value (Qt hands StrEnum data back as plain str)."""
    value = combo.currentData()
    return None if value is None else enum_cls(value)
