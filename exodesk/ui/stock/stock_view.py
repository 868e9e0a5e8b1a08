"""Stock: every lot with on hand, expiry, status and location. The lot ids are sorted and
filtered in SQL off the UI thread; rows load in pages of 200 as the table scrolls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.files import write_atomically
from exodesk.models.enums import LotStatus
from exodesk.models.vocabulary import (
    CORRECT_IN_PLACE_DONE,
    OPEN_CARD,
    VOID,
    VOID_DONE,
    VOID_LOT_MENU,
    choices,
    label,
)
from exodesk.services.accounts.users import Permission
from exodesk.services.queries import location_names
from exodesk.services.sheets.exports import stock_table
from exodesk.services.stock.listing import PRINT_HEADER, stock_csv, stock_lines, stock_print_rows
from exodesk.services.stock.lots import (
    SORT_KEYS,
    LotLine,
    StockFilter,
    lot_lines,
    stock_ids,
)
from exodesk.services.stock.on_hand import expiry_note
from exodesk.services.stock.voiding import void_lot
from exodesk.settings import LOT_EXPIRING_DAYS
from exodesk.ui.common.jobs import BackgroundRunner
from exodesk.ui.common.printing import html_table, print_with_dialog, report_html
from exodesk.ui.common.severity import BACKGROUND, TEXT_ON_BACKGROUND
from exodesk.ui.common.table_models import SORT_ROLE
from exodesk.ui.common.voids import Entry, ReasonDialog, install_context_menu, void_role_data
from exodesk.ui.common.widgets import enum_data, read_only_table
from exodesk.ui.sheets.export import ask_table_file, is_workbook, write_table
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.stock.correcting import CORRECT_LOT_ACTION, CORRECT_STOCK_DONE
from exodesk.ui.stock.lot_card import LotCardDialog
from exodesk.ui.stock.lot_dialogs import LotStatusDialog, TransferDialog, WasteDialog
from exodesk.ui.stock.receive_dialog import ReceiveDialog

if TYPE_CHECKING:
    from exodesk.services.session import Session

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Product", "Lot", "Expiry", "Location", "Status", "On hand", "Note")
NOTE_COLUMN = 6
Row = tuple[int, str, str, dt.date, str | None, str, int, bool]  # … on hand, void


class StockPageModel(QAbstractTableModel):
    """Rows are fetched a page at a time (canFetchMore/fetchMore) from the ordered ids."""

    PAGE = 200
    loading = Signal(bool)
    failed = Signal(str)
    total_changed = Signal(int)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.filter = StockFilter()
        self.sort_key = "expiry"
        self.descending = False
        self._ids: list[int] = []
        # Plain tuples of atomic values: CPython stops tracking them in the cyclic garbage
        # collector, so a full collection does not walk 100,000 loaded rows (150 ms pauses).
        self._rows: list[Row] = []
        self._runner = BackgroundRunner(self)
        self._active = self._running = self._again = False

    # -- loading -----------------------------------------------------------------------

    def requery(self) -> None:
        """Ask for the ids again. Nothing runs before the view first loads, and one query at
        a time: a request made while one runs is served when it ends, with the newest
        filter and sort (two cores should not be split between stale queries)."""
        if not self._active:
            return
        if self._running:
            self._again = True
            return
        flt, key, desc, db = self.filter, self.sort_key, self.descending, self.ctx.db

        def work() -> list[int]:
            with db.read() as session:
                return stock_ids(session, flt, key, desc)

        self._running, self._again = True, False
        self.loading.emit(True)
        self._runner.start("ids", work, self._ids_ready)

    def _ids_ready(self, result: Any) -> None:
        self._running = False
        if self._again:
            self.requery()
            return
        self.loading.emit(False)
        if isinstance(result, Exception):
            self.failed.emit(f"Could not load the stock: {result}")
            return
        self.beginResetModel()
        self._ids = list(result)
        self._rows = self._load(self._ids[: self.PAGE])
        self.endResetModel()
        self.total_changed.emit(len(self._ids))

    def _load(self, ids: Sequence[int]) -> list[Row]:
        with self.ctx.db.read() as session:
            return [
                (
                    x.lot_id,
                    x.product,
                    x.lot,
                    x.expiry,
                    x.location,
                    x.status.value,
                    x.on_hand,
                    x.void,
                )
                for x in lot_lines(session, ids)
            ]

    @property
    def total(self) -> int:
        return len(self._ids)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and len(self._rows) < len(self._ids)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid():
            return
        start = len(self._rows)
        page = self._load(self._ids[start : start + self.PAGE])
        if not page:
            self._ids = self._ids[:start]
            return
        self.beginInsertRows(QModelIndex(), start, start + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_key = "expiry" if column == NOTE_COLUMN else SORT_KEYS[column]
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.requery()

    def set_filter(self, flt: StockFilter) -> None:
        self.filter = flt
        self._active = True
        self.requery()

    # -- table -------------------------------------------------------------------------

    def line(self, row: int) -> LotLine:
        lot_id, product, lot, expiry, location, status, on_hand, void = self._rows[row]
        return LotLine(lot_id, product, lot, expiry, location, LotStatus(status), on_hand, void)

    def row_of(self, product: str, lot: str) -> int | None:
        for i, row in enumerate(self._rows):
            if (row[1], row[2]) == (product, lot):
                return i
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        line, column = self.line(index.row()), index.column()
        today = self.ctx.today()
        void = void_role_data(line.void, role, f"{VOID}: entered in error, counted nowhere")
        if void is not None:
            return void
        if role == Qt.ItemDataRole.DisplayRole:
            return [
                line.product,
                line.lot,
                line.expiry.isoformat(),
                line.location or "",
                label(line.status),  # as the filters, the cards and the audit say it
                str(line.on_hand),
                VOID if line.void else expiry_note(line.expiry, today),
            ][column]
        if role == SORT_ROLE:
            raw = [
                line.product,
                line.lot,
                line.expiry.isoformat(),
                line.location,
                line.status.value,
                line.on_hand,
                line.expiry.isoformat(),
            ]
            return raw[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 5:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if column == NOTE_COLUMN and role in (
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.ForegroundRole,
        ):
            note = expiry_note(line.expiry, today)
            if not note:
                return None
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(TEXT_ON_BACKGROUND)
            severity = "warn" if note == "EXPIRED" else "info"
            return QBrush(next(c for s, c in BACKGROUND.items() if s.value == severity))
        return None


@dataclass(frozen=True)
class StockQuery:
    """What the Stock view is asked to show (`open_requested("stock", StockQuery(...))`)."""

    status: LotStatus | None = None
    expiring: bool = False


class StockView(QWidget):
    title = "Stock"
    shows = Changes.STOCK | Changes.PRODUCTS
    status_message = Signal(str)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.model = StockPageModel(ctx)
        self._pending_select: tuple[str, str] | None = None

        self.search = QLineEdit(placeholderText="Search product or lot…")
        self.search.setClearButtonEnabled(True)
        self.status_filter = QComboBox()
        self.status_filter.addItem("Any status", None)
        for status, words in choices(LotStatus):
            self.status_filter.addItem(words, status)
        self.location_filter = QComboBox()
        self.show_empty = QCheckBox("Show &empty lots")
        self.expiring_only = QCheckBox(f"E&xpiring within {LOT_EXPIRING_DAYS} days")
        search_label = QLabel("&Find:")
        search_label.setBuddy(self.search)
        filters = QHBoxLayout()
        filters.addWidget(search_label)
        filters.addWidget(self.search, 2)
        filters.addWidget(self.status_filter)
        filters.addWidget(self.location_filter)
        filters.addWidget(self.show_empty)
        filters.addWidget(self.expiring_only)

        self.table = read_only_table(self.model, row_height=24)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(2, Qt.SortOrder.AscendingOrder)
        # uniform rows: fast at 100k
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        # narrow enough that the Note column shows beside the navigation at 1024 pixels
        for column, width in enumerate((200, 100, 95, 150, 90, 65)):
            self.table.setColumnWidth(column, width)

        self.status_button = QPushButton("Change &status…")
        self.waste_button = QPushButton("Record &waste…")
        self.move_button = QPushButton("&Move…")
        self.count_label = QLabel()
        self.csv_button = QPushButton("Export CS&V or Excel…")
        self.csv_button.setToolTip("Every lot the filter shows, as CSV or an Excel workbook")
        self.print_button = QPushButton("&Print…")
        self.print_button.setToolTip("Every lot the filter shows, on paper or as a PDF")
        self.csv_button.clicked.connect(self._ask_csv)
        self.print_button.clicked.connect(self.print_list)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status_button)
        buttons.addWidget(self.waste_button)
        buttons.addWidget(self.move_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        buttons.addWidget(self.csv_button)
        buttons.addWidget(self.print_button)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self._apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        for combo in (self.status_filter, self.location_filter):
            combo.currentIndexChanged.connect(self._apply_filter)
        for box in (self.show_empty, self.expiring_only):
            box.toggled.connect(self._apply_filter)
        self.status_button.clicked.connect(self._change_status)
        self.waste_button.clicked.connect(self._record_waste)
        self.move_button.clicked.connect(self._move)
        self.model.total_changed.connect(self._show_total)
        self.model.loading.connect(self._show_loading)
        self.model.failed.connect(lambda text: QMessageBox.warning(self, "Stock", text))
        self.model.modelReset.connect(self._after_reset)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.card: LotCardDialog | None = None
        self.child: QDialog | None = None
        self.table.activated.connect(self._open_card)
        self.table.setToolTip(
            "Double-click a lot, or press Enter, to open its card; right-click (or the Menu "
            "key) for what you can do with it"
        )
        self.popup_menu = install_context_menu(self.table, self.menu_entries)
        self._update_buttons()

    # -- the view's verbs --------------------------------------------------------------

    def reload(self) -> None:
        with self.ctx.db.read() as session:
            locations = location_names(session)
        current = self.location_filter.currentData()
        self.location_filter.blockSignals(True)
        self.location_filter.clear()
        self.location_filter.addItem("Any location", None)
        for name in locations:
            self.location_filter.addItem(name, name)
        found = self.location_filter.findData(current)
        self.location_filter.setCurrentIndex(max(found, 0))
        self.location_filter.blockSignals(False)
        self._apply_filter()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def select(self, key: tuple[str, str] | StockQuery) -> None:
        """Show one lot (product, lot): search for it, then select its row once loaded; or
        the lots a StockQuery asks for."""
        if isinstance(key, StockQuery):
            self.show_query(key)
            return
        product, lot = key
        self._pending_select = (product, lot)
        self.show_empty.setChecked(True)
        self.search.setText(lot)
        self._apply_filter()

    def show_query(self, query: StockQuery) -> None:
        """Every lot with stock of this status (None: any) and, if asked, expiring soon."""
        widgets: tuple[QWidget, ...] = (self.search, self.status_filter, self.location_filter)
        widgets += (self.show_empty, self.expiring_only)
        for widget in widgets:
            widget.blockSignals(True)
        self.search.clear()
        self.status_filter.setCurrentIndex(max(0, self.status_filter.findData(query.status)))
        self.location_filter.setCurrentIndex(0)
        self.show_empty.setChecked(False)
        self.expiring_only.setChecked(query.expiring)
        for widget in widgets:
            widget.blockSignals(False)
        self._apply_filter()

    def show_location(self, name: str) -> None:
        index = self.location_filter.findData(name)
        if index < 0:
            self.reload()
            index = self.location_filter.findData(name)
        self.search.clear()
        self.location_filter.setCurrentIndex(max(index, 0))

    def selected(self) -> LotLine | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.line(rows[0].row()) if rows else None

    # -- the list as a file or on paper ----------------------------------------------

    def all_lines(self) -> list[LotLine]:
        """Every lot the filter shows, in the list's order (not only the rows loaded)."""
        model = self.model
        with self.ctx.db.read() as session:
            return stock_lines(session, model.filter, model.sort_key, model.descending)

    def export_csv(self, path: Path) -> int:
        """Write the list as CSV (formula cells neutralised); returns how many lots."""
        lines = self.all_lines()
        write_atomically(path, stock_csv(lines, self.ctx.today()))
        return len(lines)

    def export_xlsx(self, path: Path) -> int:
        """Write the list as an Excel workbook (date cells, header frozen); how many lots."""
        return write_table(path, stock_table(self.all_lines(), self.ctx.today()))

    def report(self) -> str:
        lines = self.all_lines()
        return report_html(
            "Stock on hand",
            [
                f"As of {self.ctx.today().isoformat()}; {len(lines):,} lot(s), "
                f"{sum(x.on_hand for x in lines if not x.void):,} vial(s)",
                f"Filter: {self.filter_words()}",
                f"Prepared by {self.ctx.user} with ExoDesk",
            ],
            html_table(list(PRINT_HEADER), stock_print_rows(lines, self.ctx.today())),
        )

    def filter_words(self) -> str:
        parts = []
        if self.search.text().strip():
            parts.append(f"contains “{self.search.text().strip()}”")
        if self.status_filter.currentData() is not None:
            parts.append(self.status_filter.currentText().lower())
        if self.location_filter.currentData() is not None:
            parts.append(f"at {self.location_filter.currentText()}")
        if self.show_empty.isChecked():
            parts.append("empty lots included")
        if self.expiring_only.isChecked():
            parts.append(self.expiring_only.text().replace("&", "").lower())
        return ", ".join(parts) or "none (every lot in stock)"

    def print_list(self) -> None:
        print_with_dialog(self.report(), self)

    def _ask_csv(self) -> None:
        path = ask_table_file(self, "Export the stock list", "stock")
        if path is None:
            return
        try:
            written = self.export_xlsx(path) if is_workbook(path) else self.export_csv(path)
        except OSError as exc:
            QMessageBox.warning(self, "Stock", f"Could not write {path}: {exc.strerror}")
            return
        self.status_message.emit(f"Exported {written:,} lot(s) to {path}.")

    # -- internals ---------------------------------------------------------------------

    def _apply_filter(self) -> None:
        self._debounce.stop()
        today = self.ctx.today()
        self.model.set_filter(
            StockFilter(
                search=self.search.text(),
                status=enum_data(self.status_filter, LotStatus),
                location=self.location_filter.currentData(),
                include_empty=self.show_empty.isChecked(),
                expiring_by=(
                    today + dt.timedelta(days=LOT_EXPIRING_DAYS)
                    if self.expiring_only.isChecked()
                    else None
                ),
            )
        )

    def _show_total(self, total: int) -> None:
        self.count_label.setText(f"{total:,} lot(s)")

    def _show_loading(self, loading: bool) -> None:
        if loading:
            self.count_label.setText("Loading…")

    def _after_reset(self) -> None:
        self._fill_viewport()
        if self._pending_select is not None:
            row = self.model.row_of(*self._pending_select)
            if row is not None:
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, 0))
                self._pending_select = None
        self._update_buttons()

    def _fill_viewport(self) -> None:
        """Load pages until the rows reach below the table's bottom edge, now: Qt would do
        it on a later turn of the event loop, so how many rows a fresh load shows would
        depend on the machine's speed. Further pages load as the table scrolls."""
        row_height = self.table.verticalHeader().defaultSectionSize()  # rows are Fixed
        while (
            self.model.canFetchMore()
            and self.model.rowCount() * row_height <= self.table.viewport().height()
        ):
            self.model.fetchMore()

    def _update_buttons(self) -> None:
        line = self.selected()
        has = line is not None and not line.void
        for button in (self.status_button, self.waste_button, self.move_button):
            button.setEnabled(has)

    # -- cards, voids and the context menu ---------------------------------------------

    def menu_entries(self) -> list[Entry]:
        line = self.selected()
        if line is None:
            return []
        live = not line.void
        adjust = live and self.ctx.may(Permission.ADJUST_STOCK)
        return [
            (OPEN_CARD, self.open_card, True),
            (self.status_button.text(), self._change_status, adjust),
            (self.waste_button.text(), self._record_waste, adjust and line.on_hand > 0),
            (self.move_button.text(), self._move, adjust),
            (
                CORRECT_LOT_ACTION,
                self.correct_selected,
                live
                and self.ctx.may(Permission.VOID_STOCK)
                and self.ctx.may(Permission.RECEIVE_STOCK),
            ),
            (VOID_LOT_MENU, self.void_selected, live and self.ctx.may(Permission.VOID_STOCK)),
        ]

    def _open_card(self, index: QModelIndex) -> None:
        if index.isValid():
            self.table.selectRow(index.row())
            self.open_card()

    def open_card(self) -> LotCardDialog | None:
        line = self.selected()
        if line is None:
            return None
        if self.card is not None:
            self.card.deleteLater()
        self.card = LotCardDialog(self.ctx, line.product, line.lot, self)
        self.card.open()
        return self.card

    def void_selected(self) -> ReasonDialog | None:
        line = self.selected()
        if line is None or line.void:
            return None
        ctx, product, lot = self.ctx, line.product, line.lot

        def write(session: Session, reason: str) -> object:
            return void_lot(session, product, lot, reason=reason, today=ctx.today(), user=ctx.user)

        dialog = ReasonDialog(ctx, f"lot {lot} of {product}", write, Changes.STOCK, self)
        dialog.accepted.connect(
            lambda: self.status_message.emit(VOID_DONE.format(what=f"Lot {lot} of {product}"))
        )
        self.child = dialog
        dialog.open()
        return dialog

    def correct_selected(self) -> QDialog | None:
        """The receive dialog filled in from the selected lot; saving voids the lot and
        receives the corrected delivery in its place."""
        line = self.selected()
        if line is None or line.void:
            return None
        dialog = ReceiveDialog(self.ctx, self, correcting=(line.product, line.lot))
        dialog.accepted.connect(lambda: self._lot_corrected(dialog))
        self.child = dialog
        dialog.open()
        return dialog

    def _lot_corrected(self, dialog: ReceiveDialog) -> None:
        done = dialog.corrected
        if done is not None:
            new = f"{done.received.product} / {done.received.lot}"
            self.status_message.emit(CORRECT_STOCK_DONE.format(old=done.voided, new=new))
        in_place = dialog.corrected_in_place
        if in_place is not None:
            product, _, lot = in_place.lot.partition(" / ")
            self.status_message.emit(
                CORRECT_IN_PLACE_DONE.format(lot=lot, product=product, changes=in_place.text)
            )

    def _run_dialog(self, dialog: LotStatusDialog | WasteDialog | TransferDialog) -> None:
        if dialog.exec():  # it wrote and announced the change
            self.status_message.emit(dialog.done_message)

    def _change_status(self) -> None:
        line = self.selected()
        if line is not None:
            self._run_dialog(LotStatusDialog(self.ctx, line, self))

    def _record_waste(self) -> None:
        line = self.selected()
        if line is not None:
            self._run_dialog(WasteDialog(self.ctx, line, self))

    def _move(self) -> None:
        line = self.selected()
        if line is not None:
            with self.ctx.db.read() as session:
                locations = location_names(session)
            self._run_dialog(TransferDialog(self.ctx, line, locations, self))
