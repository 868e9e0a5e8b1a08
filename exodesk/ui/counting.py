"""Counting what is on the shelves: a table of the lots on the count sheet, filled in by
scanning boxes or typing numbers. The same widget works on a count in the database (online)
and on a sheet file alone (offline); each entry is written the moment it is made."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from PySide6.QtCore import (
    QDate,
    QRegularExpression,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QFont, QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import Severity
from exodesk.services import counts
from exodesk.services.count_sheet import SheetFile
from exodesk.services.interchange import InvalidInput
from exodesk.services.queries import location_names, lot_codes, product_names
from exodesk.services.receiving import (
    GS,
    Scan,
    ScanError,
    find_lot,
    find_product_by_gtin,
    parse_scan,
)
from exodesk.services.users import NotPermitted

from . import severity
from .context import AppContext
from .receive_dialog import ScanLineEdit
from .table_models import Column, Index, RowTableModel

ERROR_STYLE = "color: #b00020; font-weight: 600;"
_ROW_COLUMN = re.compile(r"^row \d+, column (\w+): ")
MAX_COUNT = 99_999
NOT_SET = QDate(2000, 1, 1)


# --------------------------------------------------------------------------------------------
# What the widget works on
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CountRow:
    """One lot of the sheet as the widget shows it. The last three are known online only,
    the reconciliation ones once the count is closed."""

    product: str
    lot: str
    expiry: dt.date | None
    location: str | None
    expected: int | None
    counted: int | None
    counted_by: str | None = None
    reconciled_expected: int | None = None
    adjustment: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.product, self.lot)

    @property
    def differs(self) -> bool:
        """Differs from what was expected: when the count opened, or (closed) by then."""
        if self.adjustment is not None:
            return self.adjustment != 0
        return self.counted is not None and self.counted != self.expected


@dataclass(frozen=True)
class FoundLot:
    """A lot found on the shelf that is not on the sheet."""

    product: str
    lot: str
    expiry: dt.date | None
    location: str | None
    counted: int


@dataclass(frozen=True)
class Lookup:
    """What a scan or a typed lot code points at: rows of the sheet, or (when none) a lot
    that could be added as found but not expected, or a problem in plain words."""

    rows: list[CountRow]
    draft: FoundLot | None = None
    product_fixed: bool = False
    problem: str | None = None
    note: str | None = None


class CountSource(Protocol):
    """Where the counts come from and go to. Every write is saved before it returns."""

    offline: bool

    def title(self) -> str: ...
    def load(self) -> list[CountRow]: ...
    def read_only(self) -> str | None: ...
    def default_location(self) -> str | None: ...
    def product_choices(self) -> list[str]: ...
    def location_choices(self) -> list[str]: ...
    def lot_choices(self, product: str) -> list[str]: ...
    def set_counted(self, row: CountRow, counted: int | None) -> None: ...
    def add_found(self, found: FoundLot) -> None: ...
    def lookup_scan(self, scan: Scan, rows: Sequence[CountRow]) -> Lookup: ...


def _by_lot(rows: Sequence[CountRow], code: str) -> list[CountRow]:
    code = code.strip()
    exact = [r for r in rows if r.lot == code]
    if exact:
        return exact
    return [r for r in rows if r.lot.casefold() == code.casefold()]


def _expiry_note(scan: Scan, matches: Sequence[CountRow]) -> str | None:
    if scan.expiry is None or len(matches) != 1:
        return None
    on_sheet = matches[0].expiry
    if on_sheet is not None and on_sheet != scan.expiry:
        return (
            f"Note: the box says expiry {scan.expiry.isoformat()}, the sheet says "
            f"{on_sheet.isoformat()}; check the label."
        )
    return None


class DatabaseCountSource:
    """A count in the clinic's database: each entry is written at once (`record_count`)."""

    offline = False

    def __init__(self, ctx: AppContext, count_id: int) -> None:
        self.ctx = ctx
        self.count_id = count_id
        with ctx.db.read() as session:
            self.summary = counts.get_count(session, count_id)

    def title(self) -> str:
        s = self.summary
        return (
            f"Count {s.id} · {s.scope} · {s.count_date.isoformat()} · opened "
            f"{s.opened_at:%Y-%m-%d %H:%M} UTC by {s.opened_by or 'someone'}"
        )

    def load(self) -> list[CountRow]:
        with self.ctx.db.read() as session:
            self.summary = counts.get_count(session, self.count_id)
            lines = counts.count_lines(session, self.count_id)
        return [
            CountRow(
                x.product,
                x.lot,
                x.expiry,
                x.location,
                x.expected,
                x.counted,
                x.counted_by,
                x.reconciled_expected,
                x.adjustment,
            )
            for x in lines
        ]

    def read_only(self) -> str | None:
        s = self.summary
        if s.is_open:
            return None
        assert s.closed_at is not None
        return (
            f"This count is closed ({s.close_reason or 'no reason given'} — by "
            f"{s.closed_by or 'someone'}, {s.closed_at:%Y-%m-%d %H:%M} UTC); it is read-only"
        )

    def default_location(self) -> str | None:
        return self.summary.location

    def product_choices(self) -> list[str]:
        with self.ctx.db.read() as session:
            return product_names(session)

    def location_choices(self) -> list[str]:
        with self.ctx.db.read() as session:
            return location_names(session)

    def lot_choices(self, product: str) -> list[str]:
        with self.ctx.db.read() as session:
            return lot_codes(session, product)

    def _record(self, product: str, lot: str, counted: int | None, where: str | None) -> None:
        try:
            with self.ctx.db.write() as session:
                counts.record_count(
                    session,
                    self.count_id,
                    product,
                    lot,
                    counted,
                    user=self.ctx.user,
                    location=where,
                )
        except (InvalidInput, NotPermitted) as exc:
            # One entry is checked as a one-row sheet: drop the "row 1, column" wording.
            raise InvalidInput([_ROW_COLUMN.sub(r"\1: ", e) for e in exc.errors]) from None
        self.ctx.announce_change()

    def set_counted(self, row: CountRow, counted: int | None) -> None:
        self._record(row.product, row.lot, counted, row.location)

    def add_found(self, found: FoundLot) -> None:
        self._record(found.product, found.lot, found.counted, found.location)

    def lookup_scan(self, scan: Scan, rows: Sequence[CountRow]) -> Lookup:
        if scan.lot is None:
            return Lookup([], problem="the scan has no lot (10): type the lot code from the box")
        with self.ctx.db.read() as session:
            product = find_product_by_gtin(session, scan.gtin)
            if product is None:
                return Lookup(
                    [],
                    problem=(
                        f"no product in ExoDesk has GTIN {scan.gtin}: type the lot code "
                        "from the box instead"
                    ),
                )
            matches = [r for r in rows if r.key == (product.name, scan.lot)]
            if matches:
                return Lookup(matches, note=_expiry_note(scan, matches))
            lot = find_lot(session, product.name, scan.lot)
        if lot is None:
            return Lookup(
                [],
                problem=(
                    f"lot {scan.lot} of {product.name} is not in ExoDesk: receive it first "
                    "(Receive delivery…), then count it"
                ),
            )
        draft = FoundLot(lot.product, lot.lot, lot.expiry, self.default_location(), 1)
        return Lookup([], draft=draft, product_fixed=True)


class SheetCountSource:
    """A count sheet file on its own, no database: every entry rewrites the file atomically
    (SheetFile saves before returning); if saving fails the entry is undone in memory too."""

    offline = True

    def __init__(self, sheet: SheetFile) -> None:
        self.sheet = sheet

    def title(self) -> str:
        where = self.default_location()
        return f"Count sheet {self.sheet.path.name}" + (f" · {where}" if where else "")

    def load(self) -> list[CountRow]:
        return [
            CountRow(r.product, r.lot, r.expiry, r.location, r.expected, r.counted)
            for r in self.sheet.rows
        ]

    def read_only(self) -> str | None:
        folder = self.sheet.path.parent
        if not os.access(folder, os.W_OK) or (
            self.sheet.path.exists() and not os.access(self.sheet.path, os.W_OK)
        ):
            return (
                f"This sheet file cannot be saved (the file or the folder {folder} is "
                "read-only); copy it somewhere you can write, then open the copy"
            )
        return None

    def default_location(self) -> str | None:
        places = {r.location for r in self.sheet.rows if r.location}
        return places.pop() if len(places) == 1 else None

    def product_choices(self) -> list[str]:
        return sorted({r.product for r in self.sheet.rows})

    def location_choices(self) -> list[str]:
        return sorted({r.location for r in self.sheet.rows if r.location})

    def lot_choices(self, product: str) -> list[str]:
        return []

    def set_counted(self, row: CountRow, counted: int | None) -> None:
        index = self.sheet.index_of(row.product, row.lot)
        if index is None:
            raise InvalidInput([f"lot: {row.lot} of {row.product} is not on the sheet"])
        before = self.sheet.rows[index]
        try:
            self.sheet.set_counted(index, counted)
        except BaseException:
            self.sheet.rows[index] = before
            raise

    def add_found(self, found: FoundLot) -> None:
        size = len(self.sheet.rows)
        try:
            self.sheet.add_found(
                found.product, found.lot, found.expiry, found.location, found.counted
            )
        except BaseException:
            del self.sheet.rows[size:]
            raise

    def lookup_scan(self, scan: Scan, rows: Sequence[CountRow]) -> Lookup:
        if scan.lot is None:
            return Lookup([], problem="the scan has no lot (10): type the lot code from the box")
        matches = _by_lot(rows, scan.lot)
        if matches:
            return Lookup(matches, note=_expiry_note(scan, matches))
        draft = FoundLot("", scan.lot, scan.expiry, self.default_location(), 1)
        return Lookup(
            [],
            draft=draft,
            note=f"The box has GTIN {scan.gtin}; the sheet file cannot tell its product.",
        )


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------
def note_for(row: CountRow) -> str:
    if row.counted is None:
        return ""
    if row.adjustment is not None:
        return f"adjusted {row.adjustment:+d}" if row.adjustment else "no adjustment"
    if row.expected is None:
        return "found, not expected"
    if row.counted == row.expected:
        return "matches"
    return f"differs by {row.counted - row.expected:+d}"


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


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
        Column[CountRow]("Expected", lambda r: _number(r.expected), align_right=True),
        Column[CountRow]("Counted", lambda r: _number(r.counted), align_right=True),
        Column[CountRow]("Note", note_for),
        Column[CountRow]("Expected at close", lambda r: _number(r.reconciled_expected), True),
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
            return _number(record.counted)
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
    """A digit typed on a selected row starts editing its Counted cell with that digit."""

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
class FoundLotDialog(QDialog):
    """Add a lot found on the shelf but not on the sheet. `save` writes it (raising
    InvalidInput or OSError to refuse); the dialog stays open on an error."""

    def __init__(
        self,
        draft: FoundLot,
        *,
        products: Sequence[str],
        locations: Sequence[str],
        lot_choices: Callable[[str], list[str]],
        product_fixed: bool,
        ask_expiry: bool,
        save: Callable[[FoundLot], None],
        note: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a lot found but not expected")
        self._save = save
        self._lot_choices = lot_choices
        self._ask_expiry = ask_expiry
        self.saved: FoundLot | None = None
        intro = QLabel(
            "A lot that is on the shelf but not on the count sheet. It is added to the count "
            "with nothing expected, and the number you found."
        )
        intro.setWordWrap(True)
        self.product = QComboBox()
        self.product.setEditable(not product_fixed)
        self.product.addItems(list(products))
        if draft.product and self.product.findText(draft.product) < 0:
            self.product.addItem(draft.product)
        self.product.setCurrentIndex(self.product.findText(draft.product))
        if not draft.product:
            self.product.setCurrentIndex(-1)
            self.product.setEditText("")
        self.product.setEnabled(not product_fixed)
        self.lot = QComboBox()
        self.lot.setEditable(True)
        self.lot.setEditText(draft.lot)
        self.expiry = QDateEdit()
        self.expiry.setDisplayFormat("yyyy-MM-dd")
        self.expiry.setCalendarPopup(True)
        self.expiry.setMinimumDate(NOT_SET)
        self.expiry.setSpecialValueText("not known")
        self.expiry.setDate(
            QDate(draft.expiry.year, draft.expiry.month, draft.expiry.day)
            if draft.expiry
            else NOT_SET
        )
        self.location = QComboBox()
        self.location.setEditable(True)
        self.location.addItem("")
        self.location.addItems(list(locations))
        self.location.setEditText(draft.location or "")
        self.counted = QSpinBox()
        self.counted.setRange(0, MAX_COUNT)
        self.counted.setValue(draft.counted)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet(ERROR_STYLE)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        fields: list[tuple[str, QWidget]] = [
            ("&Product:", self.product),
            ("&Lot:", self.lot),
        ]
        if ask_expiry:
            fields.append(("&Expiry:", self.expiry))
        fields += [("L&ocation:", self.location), ("&Vials found:", self.counted)]
        for text, field in fields:
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        self.expiry.setVisible(ask_expiry)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Add to the count")
        self.ok_button.setDefault(True)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        if note:
            hint = QLabel(note)
            hint.setWordWrap(True)
            layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self.product.currentTextChanged.connect(self._fill_lots)
        self._fill_lots()
        self.lot.setEditText(draft.lot)
        if not draft.product:
            self.product.setFocus()
        elif not draft.lot:
            self.lot.setFocus()
        else:
            self.counted.setFocus()
            self.counted.selectAll()

    def _fill_lots(self) -> None:
        typed = self.lot.currentText()
        self.lot.clear()
        name = self.product.currentText().strip()
        if name:
            self.lot.addItems(self._lot_choices(name))
        self.lot.setEditText(typed)

    def found(self) -> FoundLot:
        day = self.expiry.date()
        expiry = None if day == NOT_SET else dt.date(day.year(), day.month(), day.day())
        return FoundLot(
            self.product.currentText().strip(),
            self.lot.currentText().strip(),
            expiry if self._ask_expiry else None,
            self.location.currentText().strip() or None,
            self.counted.value(),
        )

    def _accept(self) -> None:
        found = self.found()
        missing = []
        if not found.product:
            missing.append("product: say which product this lot is")
        if not found.lot:
            missing.append("lot: type the lot code printed on the box")
        if missing:
            self.error.setText("Error: " + "; ".join(missing))
            return
        try:
            self._save(found)
        except (InvalidInput, NotPermitted) as exc:
            self.error.setText("Error: " + "; ".join(exc.errors))
            return
        except (counts.CountClosed, counts.UnknownCount) as exc:
            self.error.setText(f"Error: {exc}")
            return
        except OSError as exc:
            self.error.setText(f"Error: could not save the sheet file ({exc}); nothing was added")
            return
        except Exception as exc:  # e.g. the database is locked or gone
            self.error.setText(f"Error: nothing was added ({exc}); try again")
            return
        self.saved = found
        self.accept()


class Prompts:
    """The questions the counting widget asks, as modal dialogs."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def number(self, title: str, text: str, value: int) -> int | None:
        number, ok = QInputDialog.getInt(self.parent, title, text, value, 0, MAX_COUNT, 1)
        return int(number) if ok else None

    def choice(self, title: str, text: str, items: Sequence[str]) -> int | None:
        item, ok = QInputDialog.getItem(self.parent, title, text, list(items), 0, False)
        return list(items).index(item) if ok and item in items else None

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self.parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes

    def found_lot(self, dialog: FoundLotDialog) -> FoundLot | None:
        dialog.exec()
        return dialog.saved


# --------------------------------------------------------------------------------------------
# The widget
# --------------------------------------------------------------------------------------------
def describe(row: CountRow) -> str:
    return f"lot {row.lot} of {row.product}"


def progress_text(rows: Sequence[CountRow]) -> str:
    done = sum(1 for r in rows if r.counted is not None)
    differ = sum(1 for r in rows if r.differs)
    if any(r.adjustment is not None for r in rows):
        return (
            f"{done} of {len(rows)} lot{'' if len(rows) == 1 else 's'} counted · "
            f"{differ} adjusted when the count was closed"
        )
    return (
        f"{done} of {len(rows)} lot{'' if len(rows) == 1 else 's'} counted · "
        f"{differ} differ{'s' if differ == 1 else ''} from expected"
    )


class CountingWidget(QWidget):
    """Scan boxes or type numbers; every entry is saved at once through the source.
    `entered` is emitted after each saved entry."""

    entered = Signal()

    def __init__(self, source: CountSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.prompts = Prompts(self)
        self.model = CountTableModel()
        self.model.commit = self._commit_edit
        self._reload_timer = QTimer(self, singleShot=True, interval=0)
        self._reload_timer.timeout.connect(self.reload)
        self._build()
        self.reload()

    # -- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        self.title_label = QLabel()
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)
        self.title_label.setWordWrap(True)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setStyleSheet(
            f"background: {severity.BACKGROUND[Severity.WARN].name()}; "
            f"color: {severity.TEXT_ON_BACKGROUND.name()}; padding: 6px; font-weight: 600;"
        )
        self.banner_icon = QLabel()
        self.banner_icon.setPixmap(severity.icon(Severity.WARN).pixmap(20, 20))
        self.banner_box = QWidget()
        banner_row = QHBoxLayout(self.banner_box)
        banner_row.setContentsMargins(0, 0, 0, 0)
        banner_row.addWidget(self.banner_icon)
        banner_row.addWidget(self.banner, 1)

        self.scan_edit = ScanLineEdit()
        self.scan_edit.setPlaceholderText(
            "Scan the box (GS1 DataMatrix), or type a lot code, then Enter"
        )
        self.scan_edit.setClearButtonEnabled(True)
        self.scan_edit.setToolTip(
            "A USB scanner types the code here and presses Enter: that lot's count goes up "
            "by 1 (or asks for the number, if ticked). A lot code typed by hand works too."
        )
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.scan_edit.setFont(mono)
        scan_label = QLabel("Sc&an or lot:")
        scan_label.setBuddy(self.scan_edit)
        self.ask_number = QCheckBox("As&k for the number")
        self.ask_number.setToolTip(
            "Ticked: a scan asks how many vials of that lot you found (for a full box or "
            "shelf). Not ticked: each scan counts one more."
        )
        self.add_button = QPushButton("Add lot &found…")
        self.add_button.setToolTip("A lot on the shelf that is not on the sheet")
        self.add_button.setAutoDefault(False)
        scan_row = QHBoxLayout()
        scan_row.addWidget(scan_label)
        scan_row.addWidget(self.scan_edit, 1)
        scan_row.addWidget(self.ask_number)
        scan_row.addWidget(self.add_button)

        self.feedback = QLabel()
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.hide()

        self.table = CountTable()
        self.table.setModel(self.model)
        self.table.setItemDelegateForColumn(COUNTED_COLUMN, CountedDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((210, 110, 90, 130, 70, 70, 140, 125, 85)):
            self.table.setColumnWidth(column, width)
        table_label = QLabel("Lo&ts on the sheet — select one, type the number found, press Enter:")
        table_label.setBuddy(self.table)
        self.progress = QLabel()
        progress_font = self.progress.font()
        progress_font.setBold(True)
        self.progress.setFont(progress_font)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title_label, 1)
        title_row.addWidget(self.progress)
        layout.addLayout(title_row)
        layout.addWidget(self.banner_box)
        layout.addLayout(scan_row)
        layout.addWidget(self.feedback)
        layout.addWidget(self.error_label)
        layout.addWidget(table_label)
        layout.addWidget(self.table, 1)
        self.setTabOrder(self.scan_edit, self.ask_number)
        self.setTabOrder(self.ask_number, self.add_button)
        self.setTabOrder(self.add_button, self.table)

        self.scan_edit.scanned.connect(self._on_scanned)
        self.add_button.clicked.connect(self.add_found_by_hand)

    # -- state -------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the rows again from the source, keeping the selected lot selected."""
        self._reload_timer.stop()
        keep = self.selected()
        try:
            rows = self.source.load()
        except (counts.UnknownCount, OSError) as exc:
            self.show_error(str(exc))
            rows = []
        self.title_label.setText(self.source.title())
        self.model.set_rows(rows)
        reason = self.source.read_only()
        self.model.editable = reason is None
        self.banner.setText(reason or "")
        self.banner_box.setVisible(reason is not None)
        if reason is not None:
            self.feedback.clear()
        for widget in (self.scan_edit, self.ask_number, self.add_button):
            widget.setEnabled(reason is None)
        closed = reason is not None and not self.source.offline
        for column in CLOSED_COLUMNS:
            self.table.setColumnHidden(column, not closed)
        self.table.setColumnHidden(ADJUSTMENT_COLUMN, True)
        self.table.setColumnHidden(COUNTED_BY_COLUMN, self.source.offline)
        self.progress.setText(progress_text(rows))
        if keep is not None:
            self._select(keep.key)

    def reload_later(self) -> None:
        """Reload once control is back in the event loop (safe from inside an edit)."""
        self._reload_timer.start()

    def is_read_only(self) -> bool:
        return not self.model.editable

    def rows(self) -> list[CountRow]:
        return self.model.rows()

    def selected(self) -> CountRow | None:
        selection = self.table.selectionModel()
        picked = selection.selectedRows() if selection is not None else []
        if picked:
            return self.model.row(picked[0].row())
        return None

    def _select(self, key: tuple[str, str]) -> None:
        index = self.model.row_of(key)
        if index is not None:
            self.table.selectRow(index)
            self.table.scrollTo(self.model.index(index, 0))

    def focus_scan(self) -> None:
        self.scan_edit.setFocus()
        self.scan_edit.selectAll()

    def show_error(self, text: str) -> None:
        self.error_label.setText(f"Error: {text}")
        self.error_label.show()

    def clear_messages(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        self.feedback.clear()

    # -- entering ----------------------------------------------------------------------------
    def enter(self, row: CountRow, counted: int | None, how: str = "") -> bool:
        """Save one lot's count through the source; errors are shown, never raised."""
        try:
            self.source.set_counted(row, counted)
        except (InvalidInput, NotPermitted) as exc:
            self.show_error("; ".join(exc.errors))
            return False
        except (counts.CountClosed, counts.UnknownCount) as exc:
            self.show_error(str(exc))
            self.reload_later()
            return False
        except OSError as exc:
            self.show_error(
                f"could not save the sheet file ({exc}); this count was NOT saved, try again"
            )
            return False
        except Exception as exc:  # e.g. the database is locked or gone: say so, keep going
            self.show_error(f"this count was NOT saved ({exc}); try again")
            return False
        shown = "not counted" if counted is None else f"{counted}"
        expected = "not expected" if row.expected is None else f"expected {row.expected}"
        self.feedback.setText(f"{how}{_upper_first(describe(row))}: {shown} ({expected}).")
        index = self.model.row_of(row.key)
        if index is not None:
            self.model.replace_row(index, replace(row, counted=counted))
        self.progress.setText(progress_text(self.model.rows()))
        self.entered.emit()
        self.reload_later()
        return True

    def _commit_edit(self, row: CountRow, counted: int | None) -> bool:
        self.clear_messages()
        return self.enter(row, counted, "Typed: ")

    def _on_scanned(self) -> None:
        text = self.scan_edit.text().strip(" \t\r\n")
        if not text:
            return
        self.clear_messages()
        done = self.handle_code(text)
        if done:
            self.scan_edit.clear()
        else:
            self.scan_edit.selectAll()

    def handle_code(self, text: str) -> bool:
        """A scan or a typed lot code. Returns whether it was dealt with."""
        if self.is_read_only():
            self.show_error(self.source.read_only() or "this count is read-only")
            return False
        rows = self.model.rows()
        typed = _by_lot(rows, text) if GS not in text else []
        if typed:
            return self._count_one(typed, how="Typed lot: ")
        try:
            scan = parse_scan(text)
        except ScanError as exc:
            if _looks_like_a_scan(text):
                self.show_error(f"cannot read the scan: {exc}")
                return False
            return self._offer_found(
                Lookup([], draft=FoundLot("", text, None, self.source.default_location(), 1)),
                f"There is no lot {text} on this sheet.",
            )
        lookup = self.source.lookup_scan(scan, rows)
        if lookup.problem:
            self.show_error(lookup.problem)
            return False
        if lookup.rows:
            done = self._count_one(lookup.rows, how="Scanned: ")
            if done and lookup.note:
                self.feedback.setText(f"{self.feedback.text()}  {lookup.note}")
            return done
        where = f"lot {scan.lot}" + (f" of {lookup.draft.product}" if lookup.draft else "")
        return self._offer_found(lookup, f"The scanned {where} is not on this sheet.")

    def _count_one(self, matches: Sequence[CountRow], how: str) -> bool:
        row = matches[0]
        if len(matches) > 1:
            items = [
                f"{r.product} — lot {r.lot}"
                + (f", expires {r.expiry.isoformat()}" if r.expiry else "")
                + (f", {r.location}" if r.location else "")
                for r in matches
            ]
            picked = self.prompts.choice(
                "Which product?",
                f"Lot {row.lot} is on the sheet for {len(matches)} products. Which one is it?",
                items,
            )
            if picked is None:
                self.feedback.setText("Nothing counted: no product picked.")
                return False
            row = matches[picked]
        self._select(row.key)
        if self.ask_number.isChecked():
            number = self.prompts.number(
                "How many?",
                f"How many vials of {describe(row)} did you find?",
                row.counted if row.counted is not None else 1,
            )
            if number is None:
                self.feedback.setText(f"Nothing counted for {describe(row)}.")
                return False
            counted = number
        else:
            counted = (row.counted or 0) + 1
        return self.enter(row, counted, how)

    def _offer_found(self, lookup: Lookup, why: str) -> bool:
        if lookup.draft is None:
            self.show_error(why)
            return False
        if not self.prompts.confirm(
            "Lot not on the sheet",
            f"{why}\n\nAdd it to the count as found but not expected?",
        ):
            self.feedback.setText(f"{why} Not added.")
            return False
        return self._run_found_dialog(lookup.draft, lookup.product_fixed, lookup.note)

    def add_found_by_hand(self) -> bool:
        self.clear_messages()
        draft = FoundLot("", "", None, self.source.default_location(), 1)
        return self._run_found_dialog(draft, False, None)

    def _run_found_dialog(self, draft: FoundLot, product_fixed: bool, note: str | None) -> bool:
        dialog = FoundLotDialog(
            draft,
            products=self.source.product_choices(),
            locations=self.source.location_choices(),
            lot_choices=self.source.lot_choices,
            product_fixed=product_fixed,
            ask_expiry=self.source.offline,
            save=self.source.add_found,
            note=note,
            parent=self,
        )
        found = self.prompts.found_lot(dialog)
        if found is None:
            return False
        self.reload()
        self._select((found.product, found.lot))
        self.feedback.setText(
            f"Added lot {found.lot} of {found.product}: {found.counted} found, not expected."
        )
        self.entered.emit()
        return True


def _looks_like_a_scan(text: str) -> bool:
    """A scanner's output rather than a lot typed by hand: a symbology prefix, a digital
    link, a group separator, or a long run of digits starting with the GTIN's (01)."""
    return (
        text.startswith(("]d2", "]C1", "]Q3", "http"))
        or GS in text
        or (text.startswith("01") and len(text) >= 16 and text[:16].isdigit())
    )


__all__ = [
    "CountRow",
    "CountSource",
    "CountTableModel",
    "CountingWidget",
    "DatabaseCountSource",
    "FoundLot",
    "FoundLotDialog",
    "Lookup",
    "Prompts",
    "SheetCountSource",
    "progress_text",
]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]
