"""The treatment dialog's vial fields, for a product with a reconstitution window: "Open
vial" lists that product's open vials (the one to use first first; choosing one fills the lot
and when it was reconstituted, and the treatment closes it), and "Reconstituted at" for a
vial opened without ExoDesk."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QWidget

from exodesk.models.vocabulary import VIAL_NONE
from exodesk.services.stock.vials import VialRow, open_vials, window_products
from exodesk.services.treatments.cards import treatment_card
from exodesk.ui.common.date_field import DateField, qdate
from exodesk.ui.treatments.vial_choice import TimeField, clinic_now, short_vial_text

if TYPE_CHECKING:
    from exodesk.ui.treatments.treatment_dialog import TreatmentDialog

NONE = ""  # the data of "Not from an open vial"


class VialFields:
    def __init__(self, dialog: TreatmentDialog) -> None:
        self.dialog = dialog
        self.form: QFormLayout | None = None  # the dialog's, once it holds these fields
        self.rows: dict[str, VialRow] = {}
        with dialog.ctx.db.read() as session:
            self.hours = window_products(session)
        self.vial = QComboBox()
        self.vial.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.vial.setToolTip("The open vial this treatment uses: it is closed when it is saved")
        self.known = QCheckBox("Re&constituted at:")
        self.known.setToolTip(
            "When the vial used was reconstituted, for one opened without ExoDesk"
        )
        self.day = DateField()
        self.time = TimeField()
        self.when = QWidget()
        row = QHBoxLayout(self.when)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.day)
        row.addWidget(self.time)
        row.addStretch(1)
        self._set_when(clinic_now(dialog.ctx))
        self.day.setEnabled(False)
        self.time.setEnabled(False)
        self.vial.currentIndexChanged.connect(self._apply)
        self.known.toggled.connect(self._known_toggled)
        self.day.dateChanged.connect(self._changed)
        self.time.timeChanged.connect(self._changed)

    # -- reading -------------------------------------------------------------------------

    def chosen(self) -> str | None:
        ref = self.vial.currentData()
        return ref if isinstance(ref, str) and ref else None

    def reconstituted(self) -> dt.datetime | None:
        if not self.known.isChecked() or not self._has_window():
            return None
        day = self.day.date()
        return dt.datetime.combine(dt.date(day.year(), day.month(), day.day()), self.time.value())

    def _has_window(self) -> bool:
        return self.dialog._product_name() in self.hours

    # -- filling -------------------------------------------------------------------------

    def refill(self, product: str) -> None:
        """The product's open vials, the first still in its window chosen."""
        rows: list[VialRow] = []
        if product in self.hours:
            with self.dialog.ctx.db.read() as session:
                rows = open_vials(session, product=product)
        now = clinic_now(self.dialog.ctx)
        self.rows = {r.ref: r for r in rows}
        self.vial.blockSignals(True)
        self.vial.clear()
        for vial in rows:
            self.vial.addItem(short_vial_text(vial, now), vial.ref)
        self.vial.addItem(VIAL_NONE, NONE)
        usable = next((i for i, r in enumerate(rows) if r.state(now) != "expired"), len(rows))
        self.vial.setCurrentIndex(usable)
        self.vial.blockSignals(False)
        if self.form is not None:
            self.form.setRowVisible(self.vial, product in self.hours)
            self.form.setRowVisible(self.when, product in self.hours)
        self._apply()

    def choose(self, ref: str) -> None:
        """Use the open vial `ref` (choosing its product first)."""
        with self.dialog.ctx.db.read() as session:
            found = next((r for r in open_vials(session) if r.ref == ref), None)
        if found is None:
            return
        product = self.dialog.product
        if self.dialog._product_name() != found.product:
            product.setCurrentIndex(product.findText(found.product))
        index = self.vial.findData(ref)
        if index >= 0:
            self.vial.setCurrentIndex(index)

    def fill_from_card(self, ref: str) -> None:
        """A treatment being corrected keeps its time and when its vial was reconstituted."""
        with self.dialog.ctx.db.read() as session:
            card = treatment_card(session, ref, self.dialog.ctx.today())
        if card.time is not None:
            self.dialog.time.set_time(card.time)
        self.vial.setCurrentIndex(self.vial.findData(NONE))
        if card.reconstituted is not None:
            self._set_when(card.reconstituted)
            self.known.setChecked(True)

    def _set_when(self, at: dt.datetime) -> None:
        self.day.setDate(qdate(at.date()))
        self.time.set_time(at.time())

    # -- reacting ------------------------------------------------------------------------

    def _apply(self) -> None:
        """A vial chosen fills the lot and when it was reconstituted (not editable then)."""
        row = self.rows.get(self.chosen() or "")
        lot = self.dialog.lot
        if row is not None:
            if lot.findData(row.lot) < 0:
                lot.addItem(f"{row.lot} (the open vial's lot)", row.lot)
                lot.setEnabled(True)
            self._set_when(row.reconstituted_at)
            self.known.setChecked(True)
            lot.setCurrentIndex(lot.findData(row.lot))
        elif self.known.isChecked() and not self.known.isEnabled():
            self.known.setChecked(False)  # the vial's time goes with the vial
        self.known.setEnabled(row is None)
        self._known_toggled(self.known.isChecked())

    def _known_toggled(self, on: bool) -> None:
        editable = on and self.chosen() is None
        self.day.setEnabled(editable)
        self.time.setEnabled(editable)
        self._changed()

    def _changed(self) -> None:
        self.dialog._refresh_findings()

    def lot_changed(self) -> None:
        """Another lot than the open vial's: the treatment does not use that vial."""
        row = self.rows.get(self.chosen() or "")
        if row is not None and self.dialog._lot_code() != row.lot:
            self.vial.setCurrentIndex(self.vial.findData(NONE))
