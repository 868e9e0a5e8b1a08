"""The product editor: every field of a product, with the contract's vocabularies in the
clinic's words; saving validates through the catalogue service and names each wrong field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from exodesk.models.enums import Form, RegulatoryClass, Route, SourceType
from exodesk.services.accounts.users import NotPermitted
from exodesk.services.catalogue.products import ProductDetail, UnknownProduct, save_product
from exodesk.services.interchange.schema import InvalidInput
from exodesk.ui.shell.context import AppContext

SOURCE_LABELS = {
    SourceType.MSC: "Mesenchymal stem cells (MSC)",
    SourceType.PLACENTA: "Placenta",
    SourceType.PLATELET: "Platelets (PRP-derived)",
    SourceType.PLANT: "Plant (plant stem cell, fruit)",
    SourceType.CONDITIONED_MEDIA: "Conditioned media / secretome",
    SourceType.OTHER: "Other",
}
FORM_LABELS = {
    Form.LYOPHILISED: "Lyophilised (freeze-dried vial)",
    Form.LIQUID: "Liquid",
    Form.SERUM: "Serum",
    Form.CREAM: "Cream",
}
CLASS_LABELS = {
    RegulatoryClass.COSMETIC: "Cosmetic",
    RegulatoryClass.DEVICE_I: "Medical device, class I",
    RegulatoryClass.DEVICE_IIA: "Medical device, class IIa",
    RegulatoryClass.DEVICE_IIB: "Medical device, class IIb",
    RegulatoryClass.DEVICE_III: "Medical device, class III",
    RegulatoryClass.ATMP: "ATMP (advanced therapy medicinal product)",
    RegulatoryClass.UNKNOWN: "Unknown (not stated by the supplier)",
}
CLASS_NEEDS = {
    RegulatoryClass.COSMETIC: (
        "No certificate needed; but human-derived material (MSC, placenta, platelets) is "
        "banned from cosmetics in the UK and EU."
    ),
    RegulatoryClass.DEVICE_I: "Needs the manufacturer's Declaration of Conformity.",
    RegulatoryClass.DEVICE_IIA: "Needs a CE (or UKCA) certificate from a notified body.",
    RegulatoryClass.DEVICE_IIB: "Needs a CE (or UKCA) certificate from a notified body.",
    RegulatoryClass.DEVICE_III: "Needs a CE (or UKCA) certificate from a notified body.",
    RegulatoryClass.ATMP: "Needs an MHRA or EMA marketing authorisation.",
    RegulatoryClass.UNKNOWN: "Do not use until the supplier states the class and its documents.",
}
ROUTE_LABELS = {
    Route.TOPICAL_POST_PROCEDURE: "Topical after a procedure",
    Route.INTRADERMAL: "Intradermal injection",
    Route.SUBDERMAL_SCALP: "Subdermal scalp injection",
    Route.INTRAVENOUS: "Intravenous",
    Route.INTRAMUSCULAR: "Intramuscular",
    Route.NEBULISED: "Nebulised",
    Route.NASAL: "Nasal",
    Route.EYE_DROPS: "Eye drops",
}
ERROR_STYLE = "color: #a4161a;"
INVALID_STYLE = "background-color: #f8d7da; color: #1a1a1a;"
NO_HOURS = -1
E = TypeVar("E", bound=StrEnum)

BLANK = ProductDetail(
    name="",
    source_type=SourceType.OTHER,
    form=Form.LYOPHILISED,
    regulatory_class=RegulatoryClass.UNKNOWN,
)


def error_field(error: str) -> str:
    """The field an error line names: 'markets[1]: ...' -> 'markets'."""
    return re.split(r"[.\[:]", error, maxsplit=1)[0].strip()


def _combo(labels: Mapping[E, str]) -> QComboBox:
    combo = QComboBox()
    for value, label in labels.items():
        combo.addItem(label, value.value)
    return combo


class ProductEditor(QWidget):
    """Edits one product (or a new one). `saved(name)` after a successful save, before the
    change is announced on the bus."""

    saved = Signal(str)
    dirty_changed = Signal(bool)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._loaded = BLANK
        self._original: str | None = None
        self._dirty = False
        self._loading = False

        self.heading = QLabel()
        self.heading.setStyleSheet("font-weight: bold; font-size: 14pt;")
        self.name = QLineEdit()
        self.manufacturer = QLineEdit()
        self.country = QLineEdit()
        self.country.setMaxLength(2)
        self.country.setPlaceholderText("KR, DE, EU …")
        self.country.setValidator(
            QRegularExpressionValidator(QRegularExpression("[A-Za-z]{0,2}"), self.country)
        )
        self.country.setMaximumWidth(80)
        self.gtin = QLineEdit()
        self.gtin.setPlaceholderText("14 digits from the box's barcode (8, 12, 13 padded)")
        self.gtin.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,14}"), self.gtin)
        )
        self.source_type = _combo(SOURCE_LABELS)
        self.form = _combo(FORM_LABELS)
        self.regulatory_class = _combo(CLASS_LABELS)
        self.class_needs = QLabel()
        self.class_needs.setWordWrap(True)
        self.class_needs.setStyleSheet("color: palette(placeholder-text);")
        self.routes = {route: QCheckBox(label) for route, label in ROUTE_LABELS.items()}
        self.routes_box = QGroupBox("Intended &routes")
        grid = QGridLayout(self.routes_box)
        for i, box in enumerate(self.routes.values()):
            grid.addWidget(box, i // 2, i % 2)
        self.periorbital = QCheckBox("Approved for the &periorbital zone (under the eyes)")
        self.markets = QLineEdit()
        self.markets.setPlaceholderText("Where it is marketed, e.g. UK, EU, KR")
        self.composition = QCheckBox("Composition and purification method &documented")
        self.reconstitution = QSpinBox()
        self.reconstitution.setRange(NO_HOURS, 10_000)
        self.reconstitution.setSpecialValueText("—")
        self.reconstitution.setSuffix(" hours")
        self.reconstitution.setToolTip("How long the product may be used once reconstituted")
        self.reconstitution.setMaximumWidth(140)

        self.widgets: dict[str, QWidget] = {
            "name": self.name,
            "manufacturer": self.manufacturer,
            "country": self.country,
            "gtin": self.gtin,
            "source_type": self.source_type,
            "form": self.form,
            "regulatory_class": self.regulatory_class,
            "intended_routes": self.routes_box,
            "periorbital_approved": self.periorbital,
            "markets": self.markets,
            "composition_documented": self.composition,
            "reconstitution_hours": self.reconstitution,
        }
        self.labels: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for field, title in (
            ("name", "&Name"),
            ("manufacturer", "&Manufacturer"),
            ("country", "C&ountry"),
            ("gtin", "&GTIN"),
            ("source_type", "So&urce"),
            ("form", "&Form"),
            ("regulatory_class", "&Class"),
        ):
            label = QLabel(title)
            label.setBuddy(self.widgets[field])
            self.labels[field] = label
            form.addRow(label, self.widgets[field])
        form.addRow("", self.class_needs)
        form.addRow(self.routes_box)
        form.addRow(self.periorbital)
        markets_label = QLabel("Mar&kets")
        markets_label.setBuddy(self.markets)
        self.labels["markets"] = markets_label
        form.addRow(markets_label, self.markets)
        form.addRow(self.composition)
        hours_label = QLabel("Reconstitution &hours")
        hours_label.setBuddy(self.reconstitution)
        self.labels["reconstitution_hours"] = hours_label
        form.addRow(hours_label, self.reconstitution)

        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.status = QLabel()
        self.save_button = QPushButton("&Save")
        self.save_button.setDefault(True)
        self.save_button.setToolTip("Save the product (Ctrl+S)")
        self.revert_button = QPushButton("Re&vert")
        self.revert_button.setToolTip("Discard the changes and show the product as stored")
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addLayout(buttons)

        shortcut = QShortcut(
            QKeySequence.StandardKey.Save,
            self,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        shortcut.activated.connect(self.save)
        for edit in (self.name, self.manufacturer, self.country, self.gtin, self.markets):
            edit.textEdited.connect(self._changed)
            edit.returnPressed.connect(self.save)
        for combo in (self.source_type, self.form, self.regulatory_class):
            combo.currentIndexChanged.connect(self._changed)
        for box in (*self.routes.values(), self.periorbital, self.composition):
            box.toggled.connect(self._changed)
        self.reconstitution.valueChanged.connect(self._changed)
        self.load(None)

    # -- state ------------------------------------------------------------------------------

    @property
    def original_name(self) -> str | None:
        """The stored name of the product being edited; None for a new product."""
        return self._original

    @property
    def loaded(self) -> ProductDetail:
        """The product as last loaded or saved."""
        return self._loaded

    @property
    def is_new(self) -> bool:
        return self._original is None

    def is_dirty(self) -> bool:
        return self._dirty

    def load(self, detail: ProductDetail | None) -> None:
        """Show a stored product, or a blank new one (None)."""
        self._loading = True
        try:
            self._original = None if detail is None else detail.name
            self._loaded = BLANK if detail is None else detail
            self._show(self._loaded)
        finally:
            self._loading = False
        self.heading.setText("New product" if detail is None else detail.name)
        self.clear_errors()
        self.status.clear()
        self._changed()

    def _show(self, d: ProductDetail) -> None:
        self.name.setText(d.name)
        self.manufacturer.setText(d.manufacturer or "")
        self.country.setText(d.country or "")
        self.gtin.setText(d.gtin or "")
        self.source_type.setCurrentIndex(self.source_type.findData(d.source_type.value))
        self.form.setCurrentIndex(self.form.findData(d.form.value))
        self.regulatory_class.setCurrentIndex(
            self.regulatory_class.findData(d.regulatory_class.value)
        )
        for route, box in self.routes.items():
            box.setChecked(route in d.intended_routes)
        self.periorbital.setChecked(d.periorbital_approved)
        self.markets.setText(", ".join(d.markets))
        self.composition.setChecked(d.composition_documented)
        hours = d.reconstitution_hours
        self.reconstitution.setValue(NO_HOURS if hours is None else hours)

    def value(self) -> ProductDetail:
        """The product as the fields show it now (not yet validated)."""
        gtin = self.gtin.displayText().strip()
        if len(gtin) in (8, 12, 13):
            gtin = gtin.zfill(14)
        markets = [m.strip().upper() for m in re.split(r"[,;\s]+", self.markets.displayText())]
        hours = self.reconstitution.value()
        return ProductDetail(
            name=self.name.displayText().strip(),
            manufacturer=self.manufacturer.displayText().strip() or None,
            country=self.country.displayText().strip().upper() or None,
            gtin=gtin or None,
            source_type=SourceType(self.source_type.currentData()),
            form=Form(self.form.currentData()),
            regulatory_class=RegulatoryClass(self.regulatory_class.currentData()),
            intended_routes=tuple(r for r, box in self.routes.items() if box.isChecked()),
            periorbital_approved=self.periorbital.isChecked(),
            markets=tuple(m for m in markets if m),
            composition_documented=self.composition.isChecked(),
            reconstitution_hours=None if hours == NO_HOURS else hours,
        )

    def _changed(self) -> None:
        cls = RegulatoryClass(self.regulatory_class.currentData())
        self.class_needs.setText(CLASS_NEEDS[cls])
        if self._loading:
            return
        dirty = self.value() != self._loaded
        self.save_button.setEnabled(dirty or self.is_new)
        self.revert_button.setEnabled(dirty)
        if dirty:
            self.status.clear()
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirty_changed.emit(dirty)

    # -- actions ----------------------------------------------------------------------------

    def revert(self) -> None:
        self.load(None if self._original is None else self._loaded)

    def save(self) -> bool:
        """Validate and store the product; on refusal show each error naming its field."""
        if not (self._dirty or self.is_new):
            return True
        detail = self.value()
        try:
            with self.ctx.db.write() as session:
                stored = save_product(
                    session, detail, original_name=self._original, user=self.ctx.user
                )
        except (InvalidInput, NotPermitted) as exc:
            self.show_errors(exc.errors)
            return False
        except UnknownProduct as exc:
            self.show_errors([f"name: {exc}; it was renamed or removed meanwhile"])
            return False
        except SQLAlchemyError as exc:
            self.show_errors([f"(database): could not save ({type(exc).__name__}); try again"])
            return False
        created = self.is_new
        self.load(stored)
        self.status.setText("Created." if created else "Saved.")
        self.saved.emit(stored.name)
        self.ctx.announce_change()
        return True

    def clear_errors(self) -> None:
        self.error.clear()
        self.error.hide()
        for field, widget in self.widgets.items():
            widget.setStyleSheet("")
            widget.setToolTip("")
            label = self.labels.get(field)
            if label is not None:
                label.setStyleSheet("")
        self.reconstitution.setToolTip("How long the product may be used once reconstituted")

    def show_errors(self, errors: list[str]) -> None:
        self.clear_errors()
        first: QWidget | None = None
        for error in errors:
            field = error_field(error)
            widget = self.widgets.get(field)
            if widget is None:
                continue
            widget.setStyleSheet(INVALID_STYLE)
            widget.setToolTip(error)
            label = self.labels.get(field)
            if label is not None:
                label.setStyleSheet(ERROR_STYLE)
            first = first or widget
        self.error.setText("Error: " + "\n".join(errors))
        self.error.show()
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
