"""A lot's card: its receipt, every use, waste, adjustment, status change and transfer (void
lines struck through, never counted in on hand), its counts, documents and open flags. From
it: void or correct the lot, void or correct a line, open a treatment's card, print the lot's
label."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import FILE_MOVEMENT_KINDS, MovementKind
from exodesk.models.vocabulary import (
    CORRECT_IN_PLACE_DONE,
    CORRECT_LINE_ACTION,
    CORRECT_LOT_ACTION,
    LOT_CARD_TITLE,
    OPEN_TREATMENT_CARD,
    PRINT_LABEL_ACTION,
    VOID,
    VOID_LINE_ACTION,
    VOID_LOT_ACTION,
    label,
    phrase,
    short_label,
)
from exodesk.services.accounts.users import Permission
from exodesk.services.catalogue.products import get_product
from exodesk.services.labels import LotLabel
from exodesk.services.stock.corrections import CORRECTABLE_KINDS
from exodesk.services.stock.voiding import void_lot, void_movement
from exodesk.services.treatments.cards import CountLineInfo, HistoryLine, LotCard, lot_card
from exodesk.ui.common.table_models import Column, FlagTableModel, RowTableModel
from exodesk.ui.common.voids import (
    Entry,
    ReasonDialog,
    install_context_menu,
    void_role_data,
    void_text,
)
from exodesk.ui.common.widgets import read_only_table
from exodesk.ui.labels.print_label import print_lot_label
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.stock.correcting import MovementCorrectionForm

if TYPE_CHECKING:
    from exodesk.services.session import Session
    from exodesk.ui.stock.receive_dialog import ReceiveDialog
    from exodesk.ui.treatments.treatment_card import TreatmentCardDialog


def _signed(quantity: int) -> str:
    return f"{quantity:+d}" if quantity else "0"


class HistoryModel(RowTableModel[HistoryLine]):
    columns = (
        Column[HistoryLine]("Date", lambda h: h.date),
        Column[HistoryLine]("What", lambda h: label(h.kind)),
        Column[HistoryLine]("Vials", lambda h: _signed(h.quantity), align_right=True),
        Column[HistoryLine]("Ref", lambda h: h.ref or ""),
        Column[HistoryLine]("Detail", lambda h: h.detail),
        Column[HistoryLine]("By", lambda h: h.by or ""),
        Column[HistoryLine]("", lambda h: VOID if h.void else ""),
    )

    def extra_data(self, record: HistoryLine, column: int, role: int) -> Any:
        return void_role_data(record.void is not None, role, void_text(record.void))


class CountsModel(RowTableModel[CountLineInfo]):
    columns = (
        Column[CountLineInfo]("Count", lambda c: f"#{c.count_id}"),
        Column[CountLineInfo]("Date", lambda c: c.count_date),
        Column[CountLineInfo]("Expected", lambda c: c.expected, align_right=True),
        Column[CountLineInfo]("Counted", lambda c: c.counted, align_right=True),
        Column[CountLineInfo]("Adjustment", lambda c: c.adjustment, align_right=True),
        Column[CountLineInfo]("", lambda c: "closed" if c.closed else "open"),
    )


class LotCardDialog(QDialog):
    def __init__(
        self, ctx: AppContext, product: str, lot: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.product = product
        self.lot = lot
        self.child: QDialog | None = None
        self.correction: MovementCorrectionForm | None = None
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.notice = QLabel()  # what the last correction in place changed
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.hide()
        self.history = HistoryModel()
        self.history_table = read_only_table(self.history, self.fontMetrics().height() + 10)
        self.history_table.setToolTip(
            "Double-click a use, or press Enter, to open its treatment; right-click (or the "
            "Menu key) for what you can do with a line"
        )
        header = self.history_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.counts = CountsModel()
        self.counts_table = read_only_table(self.counts)
        self.flags = FlagTableModel()
        self.flags_table = read_only_table(self.flags)
        self.flags_table.horizontalHeader().setStretchLastSection(True)
        self.documents = QLabel()
        self.documents.setWordWrap(True)
        self.documents.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.history_table, "&History")
        self.tabs.addTab(self.counts_table, "&Counts")
        self.tabs.addTab(self.documents, "&Documents")
        self.tabs.addTab(self.flags_table, "&Flags")

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.void_lot_button = self.buttons.addButton(
            VOID_LOT_ACTION, QDialogButtonBox.ButtonRole.ActionRole
        )
        self.void_line_button = self.buttons.addButton(
            VOID_LINE_ACTION, QDialogButtonBox.ButtonRole.ActionRole
        )
        self.correct_lot_button = self.buttons.addButton(
            CORRECT_LOT_ACTION, QDialogButtonBox.ButtonRole.ActionRole
        )
        self.correct_line_button = self.buttons.addButton(
            CORRECT_LINE_ACTION, QDialogButtonBox.ButtonRole.ActionRole
        )
        self.print_label_button = self.buttons.addButton(
            PRINT_LABEL_ACTION, QDialogButtonBox.ButtonRole.ActionRole
        )
        self.buttons.rejected.connect(self.reject)
        self.void_lot_button.clicked.connect(self.ask_void_lot)
        self.void_line_button.clicked.connect(self.ask_void_line)
        self.correct_lot_button.clicked.connect(self.correct_lot)
        self.correct_line_button.clicked.connect(self.correct_line)
        self.print_label_button.clicked.connect(self.print_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)
        self.history_table.activated.connect(self._activated)
        self.history_table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.popup_menu = install_context_menu(self.history_table, self.menu_entries)
        self.resize(980, 560)  # fits a 1024×768 screen
        self.reload()

    # -- showing -----------------------------------------------------------------------

    def reload(self) -> None:
        with self.ctx.db.read() as session:
            self.card: LotCard = lot_card(session, self.product, self.lot, self.ctx.today())
        card = self.card
        self.setWindowTitle(LOT_CARD_TITLE.format(lot=card.lot, product=card.product))
        state = (
            f"<s>{phrase(card.status)}</s> — {void_text(card.void)}"
            if card.void
            else phrase(card.status)
        )
        self.summary.setText(
            f"<b>{card.product}</b> lot <b>{card.lot}</b>: <b>{card.on_hand}</b> vial(s) on "
            f"hand · {state} · {card.location or 'no location'} · expires "
            f"{card.expiry.isoformat()} · received "
            f"{card.received.isoformat() if card.received else '—'} "
            f"({card.received_quantity} vial(s), {phrase(card.received_status)})"
        )
        self.history.set_rows(card.history)
        self.counts.set_rows(card.counts)
        self.flags.set_rows(card.flags)
        self.documents.setText(
            "\n".join(
                f"{short_label(d.kind)} {d.number} — {d.validity}"
                + (f" (lot {d.lot})" if d.lot else "")
                for d in card.documents
            )
            or "No document covers this product."
        )
        self.tabs.setTabText(3, f"&Flags ({len(card.flags)})")
        self._update_buttons()

    def selected_line(self) -> HistoryLine | None:
        rows = self.history_table.selectionModel().selectedRows()
        return self.history.row(rows[0].row()) if rows else None

    def _may_void_line(self, line: HistoryLine | None) -> bool:
        if line is None or line.void is not None or line.ref is None:
            return False
        if line.kind is MovementKind.USE:
            return self.ctx.may(Permission.VOID_TREATMENT) or self.ctx.may(
                Permission.VOID_OWN_TREATMENT
            )
        return line.kind in FILE_MOVEMENT_KINDS and self.ctx.may(Permission.VOID_STOCK)

    def _may_correct_lot(self) -> bool:
        return (
            self.card.void is None
            and self.ctx.may(Permission.VOID_STOCK)
            and self.ctx.may(Permission.RECEIVE_STOCK)
        )

    def _may_correct_line(self, line: HistoryLine | None) -> bool:
        if line is None or line.void is not None:
            return False
        if line.kind is MovementKind.RECEIPT:
            return self._may_correct_lot()
        if line.kind is MovementKind.USE:
            return self._may_void_line(line) and self.ctx.may(Permission.RECORD_TREATMENT)
        return (
            line.kind in CORRECTABLE_KINDS
            and self._may_void_line(line)
            and self.ctx.may(Permission.ADJUST_STOCK)
        )

    def _update_buttons(self) -> None:
        self.void_lot_button.setEnabled(
            self.card.void is None and self.ctx.may(Permission.VOID_STOCK)
        )
        line = self.selected_line()
        self.void_line_button.setEnabled(self._may_void_line(line))
        self.correct_lot_button.setEnabled(self._may_correct_lot())
        self.correct_line_button.setEnabled(self._may_correct_line(line))
        self.print_label_button.setEnabled(self.card.void is None)

    def menu_entries(self) -> list[Entry]:
        line = self.selected_line()
        entries: list[Entry] = []
        if line is not None and line.treatment is not None:
            entries.append((OPEN_TREATMENT_CARD, lambda: self.open_treatment(line), True))
        if line is not None and line.ref is not None:
            what = "treatment" if line.kind is MovementKind.USE else "movement"
            entries.append(
                (f"&Void {what} {line.ref}…", self.ask_void_line, self._may_void_line(line))
            )
            entries.append(
                (f"&Correct {what} {line.ref}…", self.correct_line, self._may_correct_line(line))
            )
        entries.append(
            (
                VOID_LOT_ACTION,
                self.ask_void_lot,
                self.card.void is None and self.ctx.may(Permission.VOID_STOCK),
            )
        )
        entries.append((CORRECT_LOT_ACTION, self.correct_lot, self._may_correct_lot()))
        entries.append((PRINT_LABEL_ACTION, self.print_label, self.card.void is None))
        return entries

    def lot_label(self) -> LotLabel:
        """The lot's label as the card has it, with its product's GTIN."""
        card = self.card
        with self.ctx.db.read() as session:
            gtin = get_product(session, card.product).gtin
        return LotLabel(card.product, card.lot, card.expiry, card.received, gtin)

    def print_label(self) -> None:
        """The label dialog for this lot (a label for the box or the shelf)."""
        print_lot_label(self, self.lot_label())

    # -- acting ------------------------------------------------------------------------

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            line = self.history.row(index.row())
            if line.treatment is not None:
                self.open_treatment(line)

    def open_treatment(self, line: HistoryLine) -> TreatmentCardDialog | None:
        from exodesk.ui.treatments.treatment_card import TreatmentCardDialog

        if line.treatment is None:
            return None
        dialog = TreatmentCardDialog(self.ctx, line.treatment, self)
        dialog.finished.connect(self.reload)
        self.child = dialog
        dialog.open()
        return dialog

    def _ask(self, what: str, write: Any) -> ReasonDialog:
        dialog = ReasonDialog(self.ctx, what, write, Changes.STOCK | Changes.TREATMENTS, self)
        dialog.accepted.connect(self.reload)
        self.child = dialog
        dialog.open()
        return dialog

    def ask_void_lot(self) -> ReasonDialog:
        ctx, product, lot = self.ctx, self.product, self.lot

        def write(session: Session, reason: str) -> object:
            return void_lot(session, product, lot, reason=reason, today=ctx.today(), user=ctx.user)

        return self._ask(f"lot {lot} of {product}", write)

    def ask_void_line(self) -> ReasonDialog | None:
        line = self.selected_line()
        if line is None or line.ref is None:
            return None
        ctx, ref = self.ctx, line.ref
        if line.kind is MovementKind.USE:
            from exodesk.ui.treatments.treatment_card import void_treatment_dialog

            dialog = void_treatment_dialog(ctx, ref, self)
            dialog.accepted.connect(self.reload)
            self.child = dialog
            dialog.open()
            return dialog

        def write(session: Session, reason: str) -> object:
            return void_movement(session, ref, reason=reason, today=ctx.today(), user=ctx.user)

        return self._ask(f"{phrase(line.kind)} {ref}", write)

    # -- corrections -------------------------------------------------------------------

    def correct_lot(self) -> QDialog:
        """The receive dialog filled in from this lot; saving corrects it in place while its
        product and number stay, else voids it and receives the corrected delivery."""
        from exodesk.ui.stock.receive_dialog import ReceiveDialog

        dialog = ReceiveDialog(self.ctx, self, correcting=(self.product, self.lot))
        dialog.accepted.connect(lambda: self._lot_corrected(dialog))
        self.child = dialog
        dialog.open()
        return dialog

    def _lot_corrected(self, dialog: ReceiveDialog) -> None:
        self.reload()
        done = dialog.corrected_in_place
        if done is not None:
            self.notice.setText(
                CORRECT_IN_PLACE_DONE.format(lot=self.lot, product=self.product, changes=done.text)
            )
            self.notice.show()

    def correct_line(self) -> QDialog | None:
        """The selected line's own dialog, filled in: a receipt's is the lot's, a use's the
        treatment's, a waste, status change or move its dialog."""
        line = self.selected_line()
        if line is None or not self._may_correct_line(line):
            return None
        if line.kind is MovementKind.RECEIPT:
            return self.correct_lot()
        dialog: QDialog
        if line.kind is MovementKind.USE:
            from exodesk.ui.treatments.treatment_dialog import TreatmentDialog

            assert line.ref is not None
            dialog = TreatmentDialog(self.ctx, self, correcting=line.treatment or line.ref)
        else:
            assert line.ref is not None
            self.correction = MovementCorrectionForm(self.ctx, line.ref, self)
            dialog = self.correction.dialog
        dialog.accepted.connect(self.reload)
        self.child = dialog
        dialog.open()
        return dialog
