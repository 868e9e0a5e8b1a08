"""Counting what is on the shelves: a table of the lots on the count sheet, filled in by
scanning boxes or typing numbers. The same widget works on a count in the database (online)
and on a sheet file alone (offline); each entry is written the moment it is made."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import (
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import Severity
from exodesk.services.counts import counts
from exodesk.services.errors import InvalidInput, NotPermitted
from exodesk.services.stock.receiving import (
    GS,
    ScanError,
    parse_scan,
)
from exodesk.ui.common import severity
from exodesk.ui.common.error_line import ERROR_STYLE
from exodesk.ui.common.widgets import pick_one_row
from exodesk.ui.counts.count_rows import (
    CountRow,
    CountSource,
    FoundLot,
    Lookup,
    describe,
    lots_with_code,
    progress_text,
)
from exodesk.ui.counts.count_sources import DatabaseCountSource, SheetCountSource
from exodesk.ui.counts.count_table import (
    ADJUSTMENT_COLUMN,
    CLOSED_COLUMNS,
    COUNTED_BY_COLUMN,
    COUNTED_COLUMN,
    CountedDelegate,
    CountTable,
    CountTableModel,
)
from exodesk.ui.counts.found_lot_dialog import FoundLotDialog, Prompts
from exodesk.ui.stock.receive_dialog import ScanLineEdit


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
        pick_one_row(self.table)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
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
            self.show_error("; ".join(str(p) for p in exc.problems))
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
        typed = lots_with_code(rows, text) if GS not in text else []
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
