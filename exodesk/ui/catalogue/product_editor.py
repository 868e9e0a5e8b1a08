"""The product editor: every field of a product, with the contract's vocabularies in the
clinic's words; saving validates through the catalogue service and names each wrong field."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from typing import TypeVar

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import Form, RegulatoryClass, Route, SourceType
from exodesk.models.vocabulary import choices, description
from exodesk.services.catalogue.products import ProductDetail, UnknownProduct, save_product
from exodesk.services.errors import ExoDeskError, InvalidInput, Problem
from exodesk.services.interchange.schema import MAX_REORDER_LEVEL
from exodesk.ui.common.error_line import ErrorLine, mark_invalid, mark_label
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write

NO_HOURS = -1
NO_LEVEL = -1  # the reorder level's "not set" (shown as —)
E = TypeVar("E", bound=StrEnum)

BLANK = ProductDetail(
    name="",
    source_type=SourceType.OTHER,
    form=Form.LYOPHILISED,
    regulatory_class=RegulatoryClass.UNKNOWN,
)


def _combo(vocabulary: type[E]) -> QComboBox:
    combo = QComboBox()
    for value, label in choices(vocabulary):
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
        self.source_type = _combo(SourceType)
        self.form = _combo(Form)
        self.regulatory_class = _combo(RegulatoryClass)
        self.class_needs = QLabel()
        self.class_needs.setWordWrap(True)
        self.class_needs.setStyleSheet("color: palette(placeholder-text);")
        self.routes = {route: QCheckBox(label) for route, label in choices(Route)}
        self.routes_box = QGroupBox("Intended &routes")
        grid = QGridLayout(self.routes_box)
        for i, box in enumerate(self.routes.values()):  # one column: the form stays narrow
            grid.addWidget(box, i, 0)
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
        self.reorder_level = QSpinBox()
        self.reorder_level.setRange(NO_LEVEL, MAX_REORDER_LEVEL)
        self.reorder_level.setSpecialValueText("—")
        self.reorder_level.setSuffix(" vials")
        self.reorder_level.setToolTip(
            "At or below this many usable vials (released, not expired), the Dashboard lists "
            "the product as running low; — for none"
        )
        self.reorder_level.setMaximumWidth(140)

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
            "reorder_level": self.reorder_level,
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
        level_label = QLabel("Reor&der at")
        level_label.setBuddy(self.reorder_level)
        self.labels["reorder_level"] = level_label
        numbers = QHBoxLayout()  # two short numbers on one row: the form fits 1280×800
        numbers.addWidget(self.reconstitution)
        numbers.addSpacing(12)
        numbers.addWidget(level_label)
        numbers.addWidget(self.reorder_level)
        numbers.addStretch(1)
        form.addRow(hours_label, numbers)

        self.error = ErrorLine()
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

        fields = QWidget()  # the fields scroll on a small screen; heading and buttons stay
        fields_layout = QVBoxLayout(fields)
        fields_layout.setContentsMargins(0, 0, 0, 0)
        fields_layout.addLayout(form)
        fields_layout.addWidget(self.error)
        fields_layout.addStretch(1)
        self.fields_scroll = QScrollArea()
        self.fields_scroll.setWidget(fields)
        self.fields_scroll.setWidgetResizable(True)
        self.fields_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.fields_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # as wide as the fields need (never cut at the side), plus room for the scroll bar
        self.fields_scroll.setMinimumWidth(
            fields.minimumSizeHint().width()
            + self.fields_scroll.verticalScrollBar().sizeHint().width()
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.fields_scroll, 1)
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
        self.reorder_level.valueChanged.connect(self._changed)
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
        level = d.reorder_level
        self.reorder_level.setValue(NO_LEVEL if level is None else level)

    def value(self) -> ProductDetail:
        """The product as the fields show it now (not yet validated)."""
        gtin = self.gtin.displayText().strip()
        if len(gtin) in (8, 12, 13):
            gtin = gtin.zfill(14)
        markets = [m.strip().upper() for m in re.split(r"[,;\s]+", self.markets.displayText())]
        hours = self.reconstitution.value()
        level = self.reorder_level.value()
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
            reorder_level=None if level == NO_LEVEL else level,
        )

    def _changed(self) -> None:
        cls = RegulatoryClass(self.regulatory_class.currentData())
        self.class_needs.setText(description(cls))
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
        detail, original, user = self.value(), self._original, self.ctx.user
        created = self.is_new
        return run_write(
            self.ctx,
            lambda session: save_product(session, detail, original_name=original, user=user),
            Changes.PRODUCTS,
            on_success=lambda stored: self._stored(stored, created),
            on_failure=self.show_refusal,
        )

    def _stored(self, stored: ProductDetail, created: bool) -> None:
        self.load(stored)
        self.status.setText("Created." if created else "Saved.")
        self.saved.emit(stored.name)

    def clear_errors(self) -> None:
        self.error.clear()
        for field, widget in self.widgets.items():
            mark_invalid(widget, False)
            label = self.labels.get(field)
            if label is not None:
                mark_label(label, False)
        self.reconstitution.setToolTip("How long the product may be used once reconstituted")

    def show_refusal(self, refused: ExoDeskError) -> None:
        if isinstance(refused, UnknownProduct):
            refused = InvalidInput(
                [Problem("name", f"{refused.message}; it was renamed or removed meanwhile")]
            )
        self.show_problems(refused.problems)

    def show_problems(self, problems: Sequence[Problem]) -> None:
        """Each problem on the error line; the fields they name marked, the first focused."""
        self.clear_errors()
        first: QWidget | None = None
        for problem in problems:
            field = _form_field(problem.field)
            widget = self.widgets.get(field)
            if widget is None:
                continue
            mark_invalid(widget, True, str(problem))
            label = self.labels.get(field)
            if label is not None:
                mark_label(label, True)
            first = first or widget
        self.error.show_problems(problems)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)


def _form_field(path: str) -> str:
    """The form field of a problem's path: `markets[1]` is the markets field."""
    return path.split("[", 1)[0].split(".", 1)[0]
