"""Recall: pick (or scan) a product and lot, see every treatment and patient that used it,
export the list as CSV or print it / save it as PDF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.files import write_atomically
from exodesk.models.enums import LotStatus, Route, Zone
from exodesk.models.vocabulary import OPEN_CARD, phrase, short_label_for
from exodesk.services.accounts.users import Permission, needs_text
from exodesk.services.errors import ExoDeskError
from exodesk.services.queries import lot_codes, product_names
from exodesk.services.sheets.exports import recall_table
from exodesk.services.stock.listing import LotStanding, lot_standing
from exodesk.services.stock.lots import change_lot_status
from exodesk.services.treatments.recall import patients, recall_csv
from exodesk.services.treatments.trace import TraceRow, UnknownLot, trace_lot
from exodesk.ui.common.error_line import ErrorLine
from exodesk.ui.common.file_dialogs import ask_save_file
from exodesk.ui.common.printing import html_table, print_with_dialog, report_html, save_pdf
from exodesk.ui.common.table_models import Column, RowTableModel
from exodesk.ui.common.voids import Entry, install_context_menu
from exodesk.ui.common.widgets import read_only_table
from exodesk.ui.sheets.export import ask_table_file, is_workbook, write_table
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write
from exodesk.ui.treatments.treatment_card import TreatmentCardDialog


class TraceTableModel(RowTableModel[TraceRow]):
    columns = (
        Column[TraceRow]("Treatment", lambda r: r.ref),
        Column[TraceRow]("Date", lambda r: r.date),
        Column[TraceRow]("Patient", lambda r: r.patient),
        Column[TraceRow]("Practitioner", lambda r: r.practitioner),
        Column[TraceRow]("Route", lambda r: short_label_for(Route, r.route)),
        Column[TraceRow]("Zone", lambda r: short_label_for(Zone, r.zone)),
        Column[TraceRow]("Vials", lambda r: r.vials, align_right=True),
    )


class RecallView(QWidget):
    title = "Recall"
    shows = Changes.TREATMENTS | Changes.STOCK | Changes.PRODUCTS
    status_message = Signal(str)  # where a file was saved, for the status bar

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.current: tuple[str, str] | None = None
        self.lot_standing: LotStanding | None = None  # on hand and status of the lot shown
        self.model = TraceTableModel()

        self.scan = QLineEdit(placeholderText="Scan the box's GS1 code, or pick below")
        self.product = QComboBox()
        self.lot = QComboBox()
        self.lot.setEditable(True)
        self.find_button = QPushButton("&Find treatments")
        self.find_button.setDefault(True)
        form = QFormLayout()
        for text, widget in (
            ("&Scan:", self.scan),
            ("&Product:", self.product),
            ("&Lot:", self.lot),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        form.addRow("", self.find_button)
        self.message = QLabel()
        self.message.setWordWrap(True)

        self.table = read_only_table(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.card: TreatmentCardDialog | None = None
        self.table.activated.connect(self.open_card)  # Enter or double-click: its card
        self.popup_menu = install_context_menu(self.table, self._menu_entries)

        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.csv_button = QPushButton("Export &CSV or Excel…")
        self.csv_button.setToolTip(
            "Every treatment from the lot, as a CSV file or an Excel workbook"
        )
        self.pdf_button = QPushButton("Save P&DF…")
        self.print_button = QPushButton("&Print…")
        self.standing = QLabel()  # the lot's status and what is left of it on the shelves
        self.standing.setWordWrap(True)
        self.quarantine_button = QPushButton("&Quarantine what is left of this lot…")
        self.quarantine_button.setToolTip(
            "Set the lot's status to quarantine, with a reason, so nobody uses what is left"
        )
        self.quarantine_button.setEnabled(False)
        self.quarantine_button.clicked.connect(self.ask_quarantine)
        self.quarantine_error = ErrorLine()
        lot_row = QHBoxLayout()
        lot_row.addWidget(self.standing, 1)
        lot_row.addWidget(self.quarantine_button)
        actions = QHBoxLayout()
        actions.addWidget(self.summary, 1)
        for button in (self.csv_button, self.pdf_button, self.print_button):
            button.setEnabled(False)
            actions.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(lot_row)
        layout.addWidget(self.quarantine_error)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)

        self.product.currentTextChanged.connect(self._fill_lots)
        self.find_button.clicked.connect(self.run_trace)
        self.scan.returnPressed.connect(self._scanned)
        self.csv_button.clicked.connect(self._ask_csv)
        self.pdf_button.clicked.connect(self._ask_pdf)
        self.print_button.clicked.connect(self.print_report)

    def reload(self) -> None:
        with self.ctx.db.read() as session:
            names = product_names(session)
        current = self.product.currentText()
        self.product.blockSignals(True)
        self.product.clear()
        self.product.addItems(names)
        if current in names:
            self.product.setCurrentText(current)
        self.product.blockSignals(False)
        self._fill_lots(self.product.currentText())
        if self.current is not None:
            self.show_lot(*self.current)

    def focus_search(self) -> None:
        self.scan.setFocus()

    def select(self, key: tuple[str, str]) -> None:
        self.show_lot(*key)

    def _fill_lots(self, product: str) -> None:
        with self.ctx.db.read() as session:
            codes = lot_codes(session, product) if product else []
        self.lot.clear()
        self.lot.addItems(codes)

    def _scanned(self) -> None:
        from exodesk.services.stock.receiving import ScanError, find_product_by_gtin, parse_scan

        text = self.scan.text()
        try:
            scan = parse_scan(text)
        except ScanError as exc:
            self.message.setText(f"Error: cannot read that scan: {exc}")
            return
        with self.ctx.db.read() as session:
            product = find_product_by_gtin(session, scan.gtin)
        if product is None:
            self.message.setText(f"Error: no product has GTIN {scan.gtin}.")
            return
        if not scan.lot:
            self.message.setText("Error: the scan holds no lot number (AI 10).")
            return
        self.scan.clear()
        self.show_lot(product.name, scan.lot)

    def show_lot(self, product: str, lot: str) -> None:
        self.product.setCurrentText(product)
        self.lot.setCurrentText(lot)
        self.run_trace()

    def run_trace(self) -> None:
        product, lot = self.product.currentText(), self.lot.currentText().strip()
        try:
            with self.ctx.db.read() as session:
                rows = trace_lot(session, product, lot)
        except UnknownLot as exc:
            self.message.setText(f"Error: {exc}.")
            self.model.set_rows([])
            self.current = None
            self._update()
            return
        self.current = (product, lot)
        self.message.setText("")
        self.model.set_rows(rows)
        self._update()

    def rows(self) -> list[TraceRow]:
        return [self.model.row(i) for i in range(self.model.rowCount())]

    def _update(self) -> None:
        rows = self.rows()
        if self.current is None:
            self.summary.setText("")
        else:
            product, lot = self.current
            self.summary.setText(
                f"<b>{product}</b> lot <b>{lot}</b>: {len(rows)} treatment(s), "
                f"<b>{len(patients(rows))} patient(s)</b> to contact"
            )
        for button in (self.csv_button, self.pdf_button, self.print_button):
            button.setEnabled(self.current is not None)
        self._show_standing()

    # -- what is left of the lot -------------------------------------------------------

    def _show_standing(self) -> None:
        self.lot_standing = None
        if self.current is not None:
            try:
                with self.ctx.db.read() as session:
                    self.lot_standing = lot_standing(session, *self.current)
            except ExoDeskError:
                self.lot_standing = None
        found = self.lot_standing
        may = self.ctx.may(Permission.ADJUST_STOCK)
        self.quarantine_button.setVisible(may)
        if found is None:
            self.standing.setText("")
            self.quarantine_button.setEnabled(False)
            return
        self.standing.setText(
            f"Lot {found.lot}: {found.on_hand} vial(s) on hand, {phrase(found.status)}."
        )
        self.quarantine_button.setEnabled(
            may
            and found.on_hand > 0
            and found.status not in (LotStatus.QUARANTINE, LotStatus.DESTROYED)
        )

    def ask_quarantine(self) -> None:
        found = self.lot_standing
        if found is None:
            return
        reason, ok = QInputDialog.getText(
            self,
            "Quarantine what is left",
            f"Put lot {found.lot} of {found.product} ({found.on_hand} vial(s) on hand) in "
            "quarantine, so nobody uses it.\nWhy (kept in the audit trail)?",
            text="Recall: lot under investigation",
        )
        if ok:
            self.quarantine(reason)

    def quarantine(self, reason: str) -> bool:
        """Quarantine the shown lot through the lot status service (which checks the role)."""
        found = self.lot_standing
        if found is None:
            return False
        if not self.ctx.may(Permission.ADJUST_STOCK):
            self.quarantine_error.show_text(
                f"Error: {self.ctx.user} may not do this: {needs_text(Permission.ADJUST_STOCK)}."
            )
            return False
        product, lot, user, today = found.product, found.lot, self.ctx.user, self.ctx.today()

        def done(_ref: object) -> None:
            text = f"Lot {lot} of {product}: {found.on_hand} vial(s) now in quarantine."
            self.message.setText(text)
            self.status_message.emit(text)

        return run_write(
            self.ctx,
            lambda session: change_lot_status(
                session, product, lot, LotStatus.QUARANTINE, reason=reason, on=today, user=user
            ),
            Changes.STOCK,
            on_success=done,
            error_line=self.quarantine_error,
        )

    # -- output ------------------------------------------------------------------------

    def export_csv(self, path: Path) -> None:
        assert self.current is not None
        write_atomically(path, recall_csv(*self.current, self.rows()))

    def export_xlsx(self, path: Path) -> None:
        assert self.current is not None
        write_table(path, recall_table(*self.current, self.rows()))

    def report(self) -> str:
        assert self.current is not None
        product, lot = self.current
        rows = self.rows()
        table = html_table(
            [c.title for c in self.model.columns],
            [
                [
                    r.ref,
                    r.date.isoformat(),
                    r.patient,
                    r.practitioner,
                    short_label_for(Route, r.route),
                    short_label_for(Zone, r.zone),
                    r.vials,
                ]
                for r in rows
            ],
        )
        return report_html(
            f"Recall: {product}, lot {lot}",
            [
                f"{len(rows)} treatment(s), {len(patients(rows))} patient(s): "
                + ", ".join(patients(rows)),
                f"Prepared by {self.ctx.user} on {self.ctx.today().isoformat()} with ExoDesk",
            ],
            table,
        )

    def save_pdf(self, path: Path) -> None:
        save_pdf(self.report(), path, landscape=True)

    def print_report(self) -> None:
        if self.current is not None:
            print_with_dialog(self.report(), self, landscape=True)

    def _default_name(self, suffix: str) -> str:
        assert self.current is not None
        product, lot = self.current
        return f"recall-{product}-{lot}{suffix}".replace(" ", "_").replace("/", "-")

    def _ask_csv(self) -> None:
        path = ask_table_file(self, "Export recall list", self._default_name(""))
        if path is not None:
            export = self.export_xlsx if is_workbook(path) else self.export_csv
            self._write(lambda: export(path), str(path))

    def _ask_pdf(self) -> None:
        path = ask_save_file(self, "Save recall report", self._default_name(".pdf"), "PDF (*.pdf)")
        if path is not None:
            self._write(lambda: self.save_pdf(path), str(path))

    def _write(self, action: Callable[[], None], name: str) -> None:
        try:
            action()
        except OSError as exc:
            QMessageBox.warning(self, "Recall", f"Could not write {name}: {exc.strerror}")
            return
        self.message.setText(f"Saved {name}.")
        self.status_message.emit(f"Saved {name}.")

    # -- a treatment's card ------------------------------------------------------------

    def open_card(self, index: QModelIndex | None = None) -> TreatmentCardDialog | None:
        rows = self.table.selectionModel().selectedRows()
        row = index.row() if index is not None and index.isValid() else None
        if row is None and rows:
            row = rows[0].row()
        if row is None:
            return None
        if self.card is not None:
            self.card.deleteLater()
        self.card = TreatmentCardDialog(self.ctx, self.model.row(row).ref, self)
        self.card.finished.connect(self.run_trace)  # a void from the card leaves the recall
        self.card.open()
        return self.card

    def _menu_entries(self) -> list[Entry]:
        if not self.table.selectionModel().selectedRows():
            return []
        return [(OPEN_CARD, self.open_card, True)]
