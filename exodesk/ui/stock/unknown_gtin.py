"""A scanned box whose GTIN no product has: offer to assign the GTIN to a product (admin) or
to create the product from the scan, so the box never lands under another product silently;
and the confirmation asked before a box is received under a product with another GTIN."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QInputDialog,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.vocabulary import (
    GTIN_MISMATCH,
    GTIN_MISMATCH_CONFIRM,
    GTIN_MISMATCH_TITLE,
    UNKNOWN_GTIN,
    UNKNOWN_GTIN_ASSIGN,
    UNKNOWN_GTIN_BY_HAND,
    UNKNOWN_GTIN_CREATE,
    UNKNOWN_GTIN_TITLE,
)
from exodesk.services.accounts.users import Permission, needs_text
from exodesk.ui.catalogue.product_editor import ProductEditor
from exodesk.ui.shell.context import AppContext


class UnknownGtinBox(QMessageBox):
    """Assign…, Create…, or Cancel (pick the product by hand, confirming on Receive)."""

    def __init__(self, ctx: AppContext, gtin: str, parent: QWidget | None = None) -> None:
        super().__init__(
            QMessageBox.Icon.Question,
            UNKNOWN_GTIN_TITLE,
            UNKNOWN_GTIN.format(gtin=gtin),
            QMessageBox.StandardButton.Cancel,
            parent,
        )
        self.assign_button: QPushButton = self.addButton(
            UNKNOWN_GTIN_ASSIGN, QMessageBox.ButtonRole.ActionRole
        )
        self.create_button: QPushButton = self.addButton(
            UNKNOWN_GTIN_CREATE, QMessageBox.ButtonRole.ActionRole
        )
        by_hand = self.button(QMessageBox.StandardButton.Cancel)
        if by_hand is not None:
            by_hand.setText(UNKNOWN_GTIN_BY_HAND)
        may = ctx.may(Permission.EDIT_CATALOGUE)
        for button in (self.assign_button, self.create_button):
            button.setEnabled(may)
        if not may:
            why = needs_text(Permission.EDIT_CATALOGUE)
            self.setInformativeText(f"{why[0].upper()}{why[1:]}: ask an admin.")
        self.setDefaultButton(self.create_button if may else QMessageBox.StandardButton.Cancel)


def ask_product_for_gtin(parent: QWidget, gtin: str, products: list[str]) -> str | None:
    """Which product (of those with no GTIN yet) gets this GTIN, or None."""
    if not products:
        QMessageBox.information(
            parent,
            UNKNOWN_GTIN_TITLE,
            "Every product has a GTIN already: create the product instead, or change a "
            "product's GTIN in the product editor.",
        )
        return None
    item, ok = QInputDialog.getItem(
        parent, UNKNOWN_GTIN_ASSIGN.rstrip("…"), f"Give GTIN {gtin} to:", products, 0, False
    )
    return item if ok and item in products else None


def confirm_other_gtin(parent: QWidget, scanned: str, product: str, own: str | None) -> bool:
    """The explicit confirmation to receive a box under a product with another GTIN."""
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        GTIN_MISMATCH_TITLE,
        GTIN_MISMATCH.format(scanned=scanned, product=product, own=own or "no GTIN on file"),
        QMessageBox.StandardButton.Cancel,
        parent,
    )
    yes = box.addButton(
        GTIN_MISMATCH_CONFIRM.format(product=product), QMessageBox.ButtonRole.YesRole
    )
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is yes


class NewProductDialog(QDialog):
    """The product editor, blank but for the scanned GTIN. `created` is the product's name
    once saved."""

    def __init__(self, ctx: AppContext, gtin: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New product from the scan")
        self.created: str | None = None
        self.editor = ProductEditor(ctx, self)
        self.editor.load(None)
        self.editor.gtin.setText(gtin)
        self.editor.saved.connect(self._saved)
        layout = QVBoxLayout(self)
        layout.addWidget(self.editor)
        self.resize(900, 700)

    def _saved(self, name: str) -> None:
        self.created = name
        self.accept()
