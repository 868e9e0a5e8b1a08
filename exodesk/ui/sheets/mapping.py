"""The columns step of the spreadsheet import: each column's header beside a choice of the
kind's fields (guessed by the contract's header matching, or remembered from the last sheet
with the same headers), and the memory itself (QSettings, keyed by the kind and the set of
headers)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableWidget, QWidget
from PySide6.QtWidgets import QTableWidgetItem as Item

from exodesk.models.vocabulary import SHEET_IGNORE_COLUMN, SHEET_REQUIRED_FIELD, field_label
from exodesk.services.sheets.cells import key
from exodesk.services.sheets.fields import fields_of, required_of
from exodesk.services.sheets.preview import SheetLayout

SETTINGS_GROUP = "sheets/mappings"


def field_text(kind: str, field: str) -> str:
    words = field_label(field)
    words = words[:1].upper() + words[1:]
    if field in required_of(kind) and not (kind == "treatments" and field == "ref"):
        return SHEET_REQUIRED_FIELD.format(label=words)
    return words


def _settings_key(kind: str, headers: tuple[str, ...]) -> str:
    digest = hashlib.sha256("\x1f".join(sorted(key(h) for h in headers)).encode()).hexdigest()
    return f"{SETTINGS_GROUP}/{kind}-{digest[:20]}"


def remembered(kind: str, headers: tuple[str, ...]) -> dict[str, str | None] | None:
    """The mapping last used for a sheet of `kind` with this set of headers, if any."""
    raw = QSettings().value(_settings_key(kind, headers))
    if not isinstance(raw, str):
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    fields = fields_of(kind)
    return {str(h): f if isinstance(f, str) and f in fields else None for h, f in data.items()}


def remember(kind: str, headers: tuple[str, ...], mapping: Mapping[str, str | None]) -> None:
    QSettings().setValue(_settings_key(kind, headers), json.dumps(dict(mapping)))


class MappingTable(QTableWidget):
    """One row a column: its letter, its header, and the field it gives (a combo)."""

    COLUMNS = ("Column", "Header in the sheet", "First value", "Field in ExoDesk")
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.setHorizontalHeaderLabels(self.COLUMNS)
        self.verticalHeader().hide()
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.kind = ""
        self.layout_: SheetLayout | None = None
        self.combos: list[QComboBox] = []
        self.from_memory = False

    def show_layout(self, kind: str, layout: SheetLayout) -> None:
        """Fill the rows: the remembered mapping for these headers, else the guesses."""
        self.kind, self.layout_ = kind, layout
        memory = remembered(kind, layout.headers)
        self.from_memory = memory is not None
        self.setRowCount(len(layout.columns))
        self.combos = []
        for row, column in enumerate(layout.columns):
            letter = Item(column.letter)
            letter.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            self.setItem(row, 0, letter)
            header = Item(column.shown)
            header.setToolTip(column.header)
            self.setItem(row, 1, header)
            example = Item(column.example)
            example.setToolTip(column.example)
            example.setForeground(self.palette().placeholderText())
            self.setItem(row, 2, example)
            combo = QComboBox()
            combo.setAccessibleName(f"Field of column {column.letter} ({column.shown})")
            combo.addItem(SHEET_IGNORE_COLUMN, None)
            for field in fields_of(kind):
                combo.addItem(field_text(kind, field), field)
            chosen = memory.get(column.header, column.guess) if memory else column.guess
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.currentIndexChanged.connect(self.changed)
            self.setCellWidget(row, 3, combo)
            self.combos.append(combo)
        self.resizeRowsToContents()
        self.changed.emit()

    def choices(self) -> list[tuple[str, str | None]]:
        """(header, field or None) for each column, in the sheet's order."""
        if self.layout_ is None:
            return []
        return [
            (column.header, combo.currentData())
            for column, combo in zip(self.layout_.columns, self.combos, strict=True)
        ]

    def mapping(self) -> dict[str, str | None]:
        """The choices as `--map` takes them: every header, its field or None."""
        return dict(self.choices())

    def choose(self, header: str, field: str | None) -> None:
        """Set the field of the column headed `header` (as a person would, in the combo)."""
        assert self.layout_ is not None
        for column, combo in zip(self.layout_.columns, self.combos, strict=True):
            if column.header == header:
                combo.setCurrentIndex(combo.findData(field))
                return
        raise KeyError(header)
