"""Correcting a lot or a stock movement in the window: the record's own dialog (the receive
dialog for a lot; the waste, status or move dialog for a movement) filled in from the stored
record, a line asking what was wrong, and Save voids the old record and writes the new one in
one transaction (`services.stock.corrections`). A lot whose product and number stay is
corrected in place instead: it keeps its uses, and each field changed is kept in the audit
trail."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from exodesk.models.enums import MovementKind
from exodesk.models.vocabulary import (
    CORRECT_IN_PLACE_TIP,
    CORRECT_LINE_ACTION,
    CORRECT_LOCATION_ROW,
    CORRECT_LOT_ACTION,
    CORRECT_LOT_SAVE,
    CORRECT_LOT_TITLE,
    CORRECT_MOVEMENT_TITLE,
    CORRECT_REASON,
    CORRECT_STATUS_ROW,
    CORRECT_STOCK_DONE,
    CORRECT_VOID_TIP,
    phrase,
)
from exodesk.services.queries import location_names
from exodesk.services.stock.corrections import (
    LotCorrectedInPlace,
    LotCorrection,
    LotDraft,
    correct_lot,
    correct_lot_in_place,
    correct_movement,
    lot_draft,
    lot_still_used,
    movement_draft,
)
from exodesk.ui.shell.context import AppContext
from exodesk.ui.stock.lot_dialogs import LotStatusDialog, TransferDialog, WasteDialog

if TYPE_CHECKING:
    from exodesk.services.session import Session
    from exodesk.ui.stock.receive_dialog import ReceiveDialog

# The vocabulary's labels the lot card and the Stock list take from here.
__all__ = [
    "CORRECT_LINE_ACTION",
    "CORRECT_LOT_ACTION",
    "CORRECT_STOCK_DONE",
    "LotCorrectionForm",
    "MovementCorrectionForm",
]


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _reason_row(what: str, example: str) -> tuple[QLabel, QLineEdit]:
    reason = QLineEdit()
    reason.setPlaceholderText(f"e.g. {example}")
    label = QLabel(f"&{CORRECT_REASON.format(ref=what)}:")
    label.setBuddy(reason)
    return label, reason


class LotCorrectionForm:
    """The part of a ReceiveDialog that corrects lot `lot` of `product`, saved once: in place
    while the form keeps its product and number, else as one delivery in place of the lot
    voided."""

    def __init__(self, dialog: ReceiveDialog, product: str, lot: str) -> None:
        self.product, self.lot = product, lot
        with dialog.ctx.db.read() as session:
            self.old = lot_draft(session, product, lot)
            self.refusal = lot_still_used(session, product, lot)
        dialog.setWindowTitle(CORRECT_LOT_TITLE.format(lot=lot, product=product))
        label, self.reason = _reason_row(f"lot {lot}", "lot number misread from the box")
        form = QFormLayout()
        form.addRow(label, self.reason)
        layout = dialog.layout()
        if isinstance(layout, QVBoxLayout):
            layout.insertLayout(0, form)
        dialog.session_box.hide()
        dialog.print_labels.hide()
        dialog.row_labels[dialog.location_combo].setText(CORRECT_LOCATION_ROW)
        dialog.row_labels[dialog.status_combo].setText(CORRECT_STATUS_ROW)
        dialog.receive_button.setText(CORRECT_LOT_SAVE)
        QWidget.setTabOrder(self.reason, dialog.scan_edit)
        dialog.correction = self  # before filling: the lot corrected is no lot to join
        dialog.fill_from(self.old)
        self.reason.setFocus()

    def is_the_lot(self, product: str, lot: str) -> bool:
        """Whether the form names the lot being corrected (it is not a lot to join): saving
        then corrects it in place."""
        return (product, lot.strip()) == (self.product, self.lot)

    def show_state(self, dialog: ReceiveDialog, in_place: bool) -> None:
        """In place, the lot's uses stay with it; another product or number voids the lot,
        which its uses refuse (the refusal shown, Save disabled)."""
        dialog.receive_button.setToolTip(CORRECT_IN_PLACE_TIP if in_place else CORRECT_VOID_TIP)
        refused = not in_place and self.refusal is not None
        dialog.receive_button.setEnabled(not refused)
        if refused:
            dialog.error_label.show_text(f"Error: {self.refusal}.")

    def write(
        self,
        session: Session,
        draft: LotDraft,
        *,
        today: dt.date,
        user: str,
        scanned_gtin: str | None,
        gtin_confirmed: bool,
    ) -> LotCorrection | LotCorrectedInPlace:
        if self.is_the_lot(draft.product, draft.lot):
            return correct_lot_in_place(
                session,
                self.product,
                self.lot,
                draft,
                reason=self.reason.text(),
                today=today,
                user=user,
            )
        return correct_lot(
            session,
            self.product,
            self.lot,
            draft,
            reason=self.reason.text(),
            today=today,
            user=user,
            scanned_gtin=scanned_gtin,
            gtin_confirmed=gtin_confirmed,
        )


class MovementCorrectionForm:
    """The movement's own dialog (`dialog`), filled in from movement `ref`, whose OK voids
    it and records the form in its place."""

    def __init__(self, ctx: AppContext, ref: str, parent: QWidget | None = None) -> None:
        self.ref = ref
        with ctx.db.read() as session:
            line, old = movement_draft(session, ref)
            locations = location_names(session) if old.kind is MovementKind.TRANSFER else []
        self.old = old
        self.dialog: WasteDialog | LotStatusDialog | TransferDialog
        if old.kind is MovementKind.WASTE:
            self.dialog = WasteDialog(ctx, line, parent)
            self.dialog.vials.setValue(old.vials)
        elif old.kind is MovementKind.STATUS_CHANGE:
            self.dialog = LotStatusDialog(ctx, line, parent)
            self.dialog.status.setCurrentIndex(max(0, self.dialog.status.findData(old.status)))
        else:
            self.dialog = TransferDialog(ctx, line, locations, parent)
            self.dialog.location.setCurrentIndex(
                max(0, self.dialog.location.findText(old.location or ""))
            )
        dialog = self.dialog
        dialog.setWindowTitle(CORRECT_MOVEMENT_TITLE.format(what=phrase(old.kind), ref=ref))
        dialog.date.setDate(_qdate(old.date))
        dialog.reason.setPlainText(old.reason)
        label, self.reason = _reason_row(ref, "two vials recorded, one was wasted")
        dialog.form.insertRow(0, label, self.reason)

        def write(session: Session) -> str:
            done = correct_movement(
                session,
                ref,
                dialog.draft(),
                reason=self.reason.text(),
                today=ctx.today(),
                user=ctx.user,
            )
            return CORRECT_STOCK_DONE.format(old=done.voided, new=done.recorded)

        dialog.correction = write
        self.reason.setFocus()
