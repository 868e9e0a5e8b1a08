""" "Reconstitute a vial…": the product (only those with a reconstitution window), its lot
(first expiry first out), who (the signed-in user) and when (now), then the vial's label."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.vocabulary import (
    RECONSTITUTE_NO_LOT,
    RECONSTITUTE_NO_PRODUCT,
    RECONSTITUTE_PRINT,
    RECONSTITUTE_TITLE,
)
from exodesk.services.stock.vials import (
    VialRow,
    open_vials,
    reconstitute_vial,
    use_by,
    window_products,
)
from exodesk.services.treatments.recording import LotChoice, lots_for_treatment
from exodesk.ui.common.date_field import DateField, qdate
from exodesk.ui.common.error_line import ERROR_STYLE, ErrorLine
from exodesk.ui.labels.print_label import print_vial_label
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write
from exodesk.ui.treatments.vial_choice import STAMP, TimeField, clinic_now, vial_label


def _lot_text(choice: LotChoice, already_open: int) -> str:
    where = f" — {choice.location}" if choice.location else ""
    opened = f", {already_open} open" if already_open else ""
    return (
        f"{choice.lot} — exp {choice.expiry.isoformat()} — {choice.on_hand} on hand{opened}{where}"
    )


class ReconstituteDialog(QDialog):
    """`opened` holds the vial once it is recorded; its label is then offered (`ask_print`
    says whether to print it; tests replace it)."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, product: str | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.opened: VialRow | None = None
        self._expiry: dict[str, dt.date] = {}  # the lots offered: their expiry
        self.setWindowTitle(RECONSTITUTE_TITLE)
        self.product = QComboBox()
        self.product.setPlaceholderText("Choose a product")
        self.lot = QComboBox()
        self.lot.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.lot.setMinimumContentsLength(30)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet(ERROR_STYLE)
        self.note.hide()
        self.by = QLineEdit(ctx.user)
        self.by.setPlaceholderText("Name or initials, as on the label")
        now = clinic_now(ctx)
        self.day = DateField(now.date())
        self.day.setMaximumDate(qdate(now.date()))
        self.time = TimeField()
        self.time.set_time(now.time())
        when = QHBoxLayout()
        when.setContentsMargins(0, 0, 0, 0)
        when.addWidget(self.day)
        when.addWidget(self.time)
        when.addStretch(1)
        self.window_note = QLabel()
        self.window_note.setWordWrap(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for text, field in (
            ("Pro&duct:", self.product),
            ("&Lot (first expiry first):", self.lot),
            ("&Who reconstituted it:", self.by),
        ):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        when_label = QLabel("W&hen:")
        when_label.setBuddy(self.day)
        form.addRow(when_label, when)
        form.addRow("", self.window_note)
        form.insertRow(2, "", self.note)
        self.error = ErrorLine()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(
            "&Reconstitute", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        with ctx.db.read() as session:
            self.hours = window_products(session)
        products = list(self.hours)
        self.product.addItems(products)
        self.product.currentIndexChanged.connect(self._refill_lots)
        self.day.dateChanged.connect(self._refill_lots)
        self.lot.currentIndexChanged.connect(self._show_window)
        self.time.timeChanged.connect(self._show_window)
        if not products:
            self.note.setText(RECONSTITUTE_NO_PRODUCT)
            self.note.show()
        self.product.setCurrentIndex(
            products.index(product) if product in products else (0 if len(products) == 1 else -1)
        )
        self._refill_lots()
        self.resize(640, self.sizeHint().height())

    def _product_name(self) -> str:
        return self.product.currentText() if self.product.currentIndex() >= 0 else ""

    def when(self) -> dt.datetime:
        day = self.day.date()
        return dt.datetime.combine(dt.date(day.year(), day.month(), day.day()), self.time.value())

    def _refill_lots(self) -> None:
        product = self._product_name()
        choices: list[LotChoice] = []
        opened: Counter[str] = Counter()
        self._expiry = {}
        if product:
            with self.ctx.db.read() as session:
                choices = lots_for_treatment(session, product, self.when().date())
                opened.update(v.lot for v in open_vials(session, product=product))
        self.lot.blockSignals(True)
        self.lot.clear()
        for choice in choices:
            self._expiry[choice.lot] = choice.expiry
            if choice.on_hand > opened[choice.lot]:
                self.lot.addItem(_lot_text(choice, opened[choice.lot]), choice.lot)
        self.lot.setCurrentIndex(0 if self.lot.count() else -1)
        self.lot.blockSignals(False)
        self.lot.setEnabled(self.lot.count() > 0)
        if product:
            self.note.setText(RECONSTITUTE_NO_LOT)
            self.note.setVisible(self.lot.count() == 0)
        self.save_button.setEnabled(self.lot.count() > 0)
        self._show_window()

    def _show_window(self) -> None:
        """The window the vial will have: its hours, and until when."""
        lot, hours = self.lot.currentData(), self.hours.get(self._product_name())
        if not isinstance(lot, str) or hours is None:
            self.window_note.setText("")
            return
        until = use_by(self.when(), hours, self._expiry[lot])
        self.window_note.setText(
            f"Usable for {hours} hours after reconstitution: until {until:{STAMP}}."
        )

    def save(self) -> None:
        self.error.clear()
        ctx, product, at, by = self.ctx, self._product_name(), self.when(), self.by.text()
        lot = self.lot.currentData()
        if not product or not isinstance(lot, str):
            self.error.show_text("Error: choose a product and a lot.")
            return
        now = clinic_now(ctx)
        run_write(
            ctx,
            lambda session: reconstitute_vial(
                session, product, lot, at=at, by=by, user=ctx.user, now=now
            ),
            Changes.STOCK,
            error_line=self.error,
            on_success=self._opened,
        )

    def _opened(self, row: VialRow) -> None:
        self.opened = row
        if self.ask_print(row):
            print_vial_label(self.parentWidget() or self, vial_label(row))
        self.accept()

    def ask_print(self, row: VialRow) -> bool:
        answer = QMessageBox.question(
            self,
            RECONSTITUTE_TITLE,
            RECONSTITUTE_PRINT.format(ref=row.ref, use_by=f"{row.use_by:{STAMP}}"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes
