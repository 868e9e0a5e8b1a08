"""Correcting a lot or a stock movement in the window: the record's own dialog (the receive
dialog for a lot; the waste, status or move dialog for a movement) filled in from the stored
record, a line asking what was wrong, and Save voids the old record and writes the new one in
one transaction (`services.stock.corrections`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from exodesk.models.enums import MovementKind
from exodesk.models.vocabulary import CORRECT_REASON, phrase
from exodesk.services.queries import location_names
from exodesk.services.stock.corrections import (
    LotCorrection,
    LotDraft,
    correct_lot,
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

# The words of stock corrections (beside the vocabulary's CORRECT_ACTION, CORRECT_REASON).
CORRECT_LOT_ACTION = "Co&rrect the lot…"
CORRECT_LINE_ACTION = "Correct this l&ine…"
CORRECT_LOT_TITLE = "Correct lot {lot} of {product}"
CORRECT_MOVEMENT_TITLE = "Correct {what} {ref}"
CORRECT_STOCK_DONE = "{old} is void; the corrected record is {new}."
CORRECT_SAME_LOT = (
    "This is the lot being corrected. A void lot keeps its number: correct the lot number or "
    "the product."
)
CORRECT_LOT_SAVE = "Save the co&rrection"


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _reason_row(what: str, example: str) -> tuple[QLabel, QLineEdit]:
    reason = QLineEdit()
    reason.setPlaceholderText(f"e.g. {example}")
    label = QLabel(f"&{CORRECT_REASON.format(ref=what)}:")
    label.setBuddy(reason)
    return label, reason


class LotCorrectionForm:
    """The part of a ReceiveDialog that corrects lot `lot` of `product`: one delivery,
    saved once, in place of the lot voided."""

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
        dialog.receive_button.setText(CORRECT_LOT_SAVE)
        dialog.receive_button.setToolTip("Void the lot and receive this delivery in its place")
        QWidget.setTabOrder(self.reason, dialog.scan_edit)
        dialog.correction = self  # before filling: the lot corrected is no lot to join
        dialog.fill_from(self.old)
        if self.refusal is not None:
            dialog.error_label.show_text(f"Error: {self.refusal}.")
            dialog.receive_button.setEnabled(False)
        self.reason.setFocus()

    def is_the_lot(self, product: str, lot: str) -> bool:
        """Whether the form names the lot being corrected (it is not a lot to join)."""
        return (product, lot.strip()) == (self.product, self.lot)

    def write(
        self,
        session: Session,
        draft: LotDraft,
        *,
        today: dt.date,
        user: str,
        scanned_gtin: str | None,
        gtin_confirmed: bool,
    ) -> LotCorrection:
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
