"""The Treatments view: every treatment, newest first, searched and paged in the database off
the UI thread (a page at a time, the count after the first page); treatments recorded despite
block findings are marked, void ones struck through. Activating a
row (Enter, double-click) opens its card; the context menu (right click, the Menu key) and
the buttons offer what applies: open the card, the lot's card, void, correct."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
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

from exodesk.models.enums import Route, Severity, Zone
from exodesk.models.vocabulary import (
    CORRECT_ACTION,
    OPEN_CARD,
    OPEN_LOT_CARD,
    RECONSTITUTE_ACTION,
    RECONSTITUTE_TIP,
    VOID,
    VOID_ACTION,
    short_label,
    short_label_for,
)
from exodesk.services.accounts.users import Permission
from exodesk.services.sheets.exports import treatments_table
from exodesk.services.treatments.cards import treatment_card
from exodesk.services.treatments.corrections import may_void_treatment
from exodesk.services.treatments.listing import count_matching, is_listed, treatments_page
from exodesk.services.treatments.recording import TreatmentRow, list_treatments
from exodesk.ui.common import severity
from exodesk.ui.common.background_pages import SEARCH_DELAY_MS, BackgroundPagedModel
from exodesk.ui.common.table_models import Column
from exodesk.ui.common.voids import Entry, install_context_menu, void_role_data
from exodesk.ui.common.widgets import read_only_table
from exodesk.ui.sheets.export import ask_table_file, write_table
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.stock.lot_card import LotCardDialog
from exodesk.ui.treatments.reconstitute_dialog import ReconstituteDialog
from exodesk.ui.treatments.treatment_card import (
    TreatmentCardDialog,
    override_text,
    void_treatment_dialog,
)
from exodesk.ui.treatments.treatment_dialog import TreatmentDialog
from exodesk.ui.treatments.vial_choice import duration_words

# The widest value each column usually holds (the icon's room in "Overridden"), the time aside
COLUMN_SAMPLES = (
    "2026-11-22",
    "T-0000000",
    "BLOCK overridden",
    "P-000000",
    "Dr Joon-ho Park",
    "Verda Centella Exosome Cream",
    "VC-0000-00",
    "Vials",
    "Topical, post-procedure",
    "Périorbital",
)


def vial_words(row: TreatmentRow) -> str:
    """When the treatment's vial was reconstituted, and how long before it was given."""
    at = row.reconstituted
    if at is None:
        return ""
    text = f"{row.ref}: its vial was reconstituted at {at:%Y-%m-%d %H:%M}"
    if row.time is not None:
        given = dt.datetime.combine(row.date, row.time)
        text += f", {duration_words(given - at)} before it was given at {row.time:%H:%M}"
    return text + "."


class TreatmentPages:
    """The treatments a search selects, newest first (queried on a worker thread)."""

    def __init__(self, ctx: AppContext, search: str) -> None:
        self.db, self.search = ctx.db, search

    def page(self, after: TreatmentRow | None, limit: int) -> Sequence[TreatmentRow]:
        with self.db.read() as session:
            return treatments_page(session, self.search, after=after, limit=limit)

    def count(self) -> int:
        with self.db.read() as session:
            return count_matching(session, self.search)


class TreatmentTableModel(BackgroundPagedModel[TreatmentRow]):
    """Treatments in the order the database gives them, loaded a page at a time."""

    COL_OVERRIDDEN = 2
    columns = (
        Column[TreatmentRow]("Date", lambda r: r.date),
        Column[TreatmentRow]("Ref", lambda r: r.ref),
        Column[TreatmentRow](
            "Overridden",
            lambda r: f"{short_label(Severity.BLOCK)} overridden" if r.overridden else "",
        ),
        Column[TreatmentRow]("Patient", lambda r: r.patient),
        Column[TreatmentRow]("Practitioner", lambda r: r.practitioner),
        Column[TreatmentRow]("Product", lambda r: r.product),
        Column[TreatmentRow]("Lot", lambda r: r.lot),
        Column[TreatmentRow]("Vials", lambda r: r.vials, align_right=True),
        Column[TreatmentRow]("Route", lambda r: short_label_for(Route, r.route)),
        Column[TreatmentRow]("Zone", lambda r: short_label_for(Zone, r.zone)),
        Column[TreatmentRow]("Time", lambda r: f"{r.time:%H:%M}" if r.time else ""),
    )
    COL_TIME = len(columns) - 1

    @property
    def pages_search(self) -> str:
        """The search the rows answer ("" for every treatment)."""
        pages = self._pages
        return pages.search if isinstance(pages, TreatmentPages) else ""

    def row_of(self, ref: str, start: int = 0) -> int | None:
        return next((i for i in range(start, len(self._rows)) if self._rows[i].ref == ref), None)

    def extra_data(self, record: TreatmentRow, column: int, role: int) -> Any:
        if record.void:
            return void_role_data(True, role, f"{VOID}: counted nowhere")
        if column == self.COL_TIME and role == Qt.ItemDataRole.ToolTipRole:
            return vial_words(record) or None
        if column != self.COL_OVERRIDDEN or not record.overridden:
            return None
        if role == Qt.ItemDataRole.DecorationRole:
            return severity.icon(Severity.BLOCK)
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(severity.BACKGROUND[Severity.BLOCK])
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(severity.TEXT_ON_BACKGROUND)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Recorded despite block findings. Reason: {record.override_reason}"
        return None


class TreatmentsView(QWidget):
    shows = Changes.TREATMENTS | Changes.STOCK | Changes.PRODUCTS
    status_message = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: TreatmentDialog | None = None
        self.model = TreatmentTableModel()
        self._pending_select: str | None = None  # selected once the rows arrive
        self._reselect: str | None = None  # the row selected before a reload
        self._awaiting_rows = False

        self.search = QLineEdit()
        self.search.setPlaceholderText("Patient, reference, product, lot or practitioner")
        self.search.setClearButtonEnabled(True)
        search_label = QLabel("&Search:")
        search_label.setBuddy(self.search)
        self.new_button = QPushButton("&New treatment…")
        self.new_button.setToolTip("Record a treatment (the compliance rules are checked)")
        self.reconstitute_button = QPushButton(RECONSTITUTE_ACTION)
        self.reconstitute_button.setToolTip(RECONSTITUTE_TIP)
        self.count = QLabel()
        self.override_line = QLabel()  # the selected treatment's override: who, what, when, why
        self.override_line.setWordWrap(True)
        self.override_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.override_line.hide()
        self.vial_line = QLabel()  # the selected treatment's vial: when it was reconstituted
        self.vial_line.hide()
        self.open_button = QPushButton(OPEN_CARD)
        self.void_button = QPushButton(VOID_ACTION)
        self.correct_button = QPushButton(CORRECT_ACTION)
        self.export_button = QPushButton("E&xport CSV or Excel…")
        self.export_button.setToolTip(
            "Every treatment the search shows, as a CSV file or an Excel workbook"
        )
        self.card: TreatmentCardDialog | None = None
        self.child: QDialog | None = None

        self.table = read_only_table(self.model, self.fontMetrics().height() + 10)
        self.table.setToolTip(
            "Double-click a treatment, or press Enter, to open its card; right-click (or the "
            "Menu key) for what you can do with it"
        )
        # Widths from samples, not from the rows: sizing columns to their contents asks
        # every loaded row for every role (half a second for a page of 500 rows). Uniform
        # rows, as in Stock. The last column (the time) stretches from its sample's width,
        # not from the default 100 pixels: the table fits 1080 pixels without scrolling.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        width = self.fontMetrics().horizontalAdvance
        header.setDefaultSectionSize(width("00:00") + 16)
        header.setStretchLastSection(True)
        for column, sample in enumerate(COLUMN_SAMPLES):
            self.table.setColumnWidth(column, width(sample) + 10)

        top = QHBoxLayout()
        top.addWidget(search_label)
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        top.addWidget(self.reconstitute_button)
        top.addWidget(self.new_button)
        actions = QHBoxLayout()
        actions.addWidget(self.open_button)
        actions.addWidget(self.void_button)
        actions.addWidget(self.correct_button)
        actions.addStretch(1)
        actions.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.override_line)
        layout.addWidget(self.vial_line)
        layout.addLayout(actions)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.reload)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self.reload)
        self.new_button.clicked.connect(self.new_treatment)
        self.reconstitute_button.clicked.connect(self.reconstitute)
        self.table.activated.connect(self._open_card)
        self.open_button.clicked.connect(self.open_card)
        self.void_button.clicked.connect(self.void_selected)
        self.correct_button.clicked.connect(self.correct_selected)
        self.export_button.clicked.connect(self._ask_export)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.popup_menu = install_context_menu(self.table, self.menu_entries)
        self.model.modelReset.connect(self._after_reset)
        self.model.counted.connect(self._show_count)
        self.model.failed.connect(self._failed)
        self._update_buttons()

    # -- loading (nothing is queried until the window first shows the view) -------------

    def reload(self) -> None:
        """Ask the database again, off the UI thread; the rows and the count follow."""
        self._search_timer.stop()
        if not self._awaiting_rows:
            self._reselect = self.selected_ref()
        self._awaiting_rows = True
        self.count.setText("Searching…" if self.search.text().strip() else "Loading…")
        self.model.load(TreatmentPages(self.ctx, self.search.text()))

    @property
    def busy(self) -> bool:
        """Whether a search waits for typing to pause, or rows or the count are coming."""
        return self._search_timer.isActive() or self.model.busy

    def _after_reset(self) -> None:
        self._awaiting_rows = False
        reselect, self._reselect = self._reselect, None
        self._show_count(self.model.total)
        if self._pending_select is not None:
            ref, self._pending_select = self._pending_select, None
            self.select(ref)
        elif reselect is not None:
            row = self.model.row_of(reselect)
            if row is not None:
                self.table.selectRow(row)
        self._update_buttons()

    def _show_count(self, total: int) -> None:
        if self._awaiting_rows:
            return
        found = " found" if self.model.pages_search.strip() else ""
        if self.model.counting:
            self.count.setText(f"{total:,}+ treatments{found}, counting…")
            return
        shown = "treatment" if total == 1 else "treatments"
        self.count.setText(f"{total:,} {shown}{found}")

    def _failed(self, message: str) -> None:
        self._awaiting_rows = False  # what was shown stays; a reload asks again
        said = f"Could not load the treatments: {message}"
        self.count.setText(said)
        self.status_message.emit(said)

    def export(self, path: Path) -> int:
        """Write every treatment the search shows (newest first), as .xlsx or CSV by the
        file's suffix; returns how many."""
        with self.ctx.db.read() as session:
            rows = list_treatments(session, search=self.search.text())
        return write_table(path, treatments_table(rows))

    def _ask_export(self) -> None:
        path = ask_table_file(self, "Export the treatments", "treatments")
        if path is None:
            return
        try:
            written = self.export(path)
        except OSError as exc:
            QMessageBox.warning(self, "Treatments", f"Could not write {path}: {exc.strerror}")
            return
        said = f"Exported {written:,} treatment(s) to {path}."
        self.count.setToolTip(said)
        self.status_message.emit(said)

    def selected_ref(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()).ref if rows else None

    def select(self, ref: str) -> None:
        """Select the treatment `ref`, loading pages until it is found (once the rows being
        loaded have come; a view never loaded loads). If the search hides it, the search is
        cleared first."""
        if self._awaiting_rows or not self.model.answered:
            self._pending_select = ref
            if not self._awaiting_rows:
                self.reload()  # never loaded yet
            return
        row = self._find(ref)
        if row is None and self.search.text():
            self._pending_select = ref
            self.search.clear()
            self.reload()
            return
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def _find(self, ref: str) -> int | None:
        row = self.model.row_of(ref)
        if row is not None:
            return row
        with self.ctx.db.read() as session:
            if not is_listed(session, ref, self.model.pages_search):
                return None
        start = self.model.loaded
        while row is None and self.model.fetch_now():
            row = self.model.row_of(ref, start)
            start = self.model.loaded
        return row

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def new_treatment(self) -> TreatmentDialog:
        """Open the dialog (window-modal); the new treatment is selected once it is saved."""
        if self.dialog is not None:
            self.dialog.deleteLater()
        dialog = TreatmentDialog(self.ctx, self)
        dialog.accepted.connect(lambda: self._recorded(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def reconstitute(self) -> ReconstituteDialog:
        """ "Reconstitute a vial…" (window-modal), on the selected treatment's product."""
        row = self.selected_row()
        dialog = ReconstituteDialog(self.ctx, self, product=row.product if row else None)
        self.child = dialog
        dialog.open()
        return dialog

    def _recorded(self, dialog: TreatmentDialog) -> None:
        if dialog.recorded is not None:
            self.reload()  # it is newer than the rows loaded: selected once they come
            self.select(dialog.recorded.ref)

    # -- cards, voids and corrections ----------------------------------------------------

    def selected_row(self) -> TreatmentRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def may_change(self, row: TreatmentRow | None) -> bool:
        """Whether the signed-in user may void or correct this treatment."""
        return (
            row is not None
            and not row.void
            and may_void_treatment(self.ctx.role, self.ctx.user, row.practitioner, row.recorded_by)
        )

    def _update_buttons(self) -> None:
        row = self.selected_row()
        may = self.may_change(row)
        self.open_button.setEnabled(row is not None)
        self.void_button.setEnabled(may)
        self.correct_button.setEnabled(may and self.ctx.may(Permission.RECORD_TREATMENT))
        self._show_override(row)
        self.vial_line.setText(vial_words(row) if row is not None else "")
        self.vial_line.setVisible(bool(self.vial_line.text()))

    def _show_override(self, row: TreatmentRow | None) -> None:
        """Who overrode the selected treatment's block findings, which rules, when and why."""
        text = ""
        if row is not None and row.overridden:
            with self.ctx.db.read() as session:
                text = override_text(treatment_card(session, row.ref, self.ctx.today()))
        self.override_line.setText(text)
        self.override_line.setVisible(bool(text))

    def menu_entries(self) -> list[Entry]:
        row = self.selected_row()
        if row is None:
            return []
        may = self.may_change(row)
        return [
            (OPEN_CARD, self.open_card, True),
            (OPEN_LOT_CARD, self.open_lot_card, True),
            (VOID_ACTION, self.void_selected, may),
            (
                CORRECT_ACTION,
                self.correct_selected,
                may and self.ctx.may(Permission.RECORD_TREATMENT),
            ),
        ]

    def _open_card(self, index: QModelIndex) -> None:
        if index.isValid():
            self.table.selectRow(index.row())
            self.open_card()

    def open_card(self) -> TreatmentCardDialog | None:
        row = self.selected_row()
        if row is None:
            return None
        if self.card is not None:
            self.card.deleteLater()
        self.card = TreatmentCardDialog(self.ctx, row.ref, self)
        self.card.open()
        return self.card

    def open_lot_card(self) -> LotCardDialog | None:
        row = self.selected_row()
        if row is None:
            return None
        dialog = LotCardDialog(self.ctx, row.product, row.lot, self)
        self.child = dialog
        dialog.open()
        return dialog

    def void_selected(self) -> QDialog | None:
        row = self.selected_row()
        if row is None or not self.may_change(row):
            return None
        dialog = void_treatment_dialog(self.ctx, row.ref, self)
        self.child = dialog
        dialog.open()
        return dialog

    def correct_selected(self) -> TreatmentDialog | None:
        row = self.selected_row()
        if row is None or not self.may_change(row):
            return None
        if self.dialog is not None:
            self.dialog.deleteLater()
        dialog = TreatmentDialog(self.ctx, self, correcting=row.ref)
        dialog.accepted.connect(lambda: self._recorded(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog
