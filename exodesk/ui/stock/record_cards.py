"""The detail card of a record named as the window's `open_requested(kind, key)` names it:
a lot's card for ("lot", (product, lot)), a treatment's for ("treatment", ref)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget

from exodesk.ui.shell.context import AppContext
from exodesk.ui.stock.lot_card import LotCardDialog

CARD_KINDS = ("lot", "treatment")


def open_record_card(
    ctx: AppContext, kind: str, key: object, parent: QWidget | None
) -> QDialog | None:
    """Open (window-modal) the card of the record; None when this kind has no card."""
    dialog: QDialog
    if kind == "lot" and isinstance(key, tuple | list) and len(key) == 2:
        dialog = LotCardDialog(ctx, str(key[0]), str(key[1]), parent)
    elif kind == "treatment" and isinstance(key, str):
        from exodesk.ui.treatments.treatment_card import TreatmentCardDialog

        dialog = TreatmentCardDialog(ctx, key, parent)
    else:
        return None
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
