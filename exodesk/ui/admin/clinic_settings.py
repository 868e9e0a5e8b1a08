"""The clinic's settings: its name (the window's title shows it), the market it practises in
(the rules check each product is marketed there) and how far ahead the rules warn of a
certificate or a lot expiring (the contract's defaults unless the clinic sets its own)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.vocabulary import MARKET_NAMES, market_label
from exodesk.services.catalogue.clinic import (
    MAX_WARNING_DAYS,
    ClinicSettings,
    get_clinic_settings,
    update_clinic,
)
from exodesk.services.errors import ExoDeskError, Problem
from exodesk.settings import CERTIFICATE_EXPIRING_DAYS, LOT_EXPIRING_DAYS
from exodesk.ui.common.error_line import ErrorLine, mark_label
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write

FIELD_LABELS = {
    "name": "Clinic name",
    "market": "Market",
    "certificate_warning_days": "Certificates: warn",
    "lot_warning_days": "Lots: warn",
}


def _days(default: int) -> QSpinBox:
    """0 shows as the default: the clinic sets no horizon of its own."""
    box = QSpinBox()
    box.setRange(0, MAX_WARNING_DAYS)
    box.setSpecialValueText(f"the default, {default} days")
    box.setSuffix(" days ahead")
    box.setMinimumWidth(220)
    box.setMaximumWidth(280)
    return box


class ClinicSettingsPanel(QWidget):
    shows = Changes.SETTINGS

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.name = QLineEdit()
        self.name.setMaxLength(200)
        self.name.setPlaceholderText("As it appears on your letterhead")
        self.name.setMaximumWidth(560)
        self.market = QComboBox()
        self.market.setEditable(True)
        self.market.setMaximumWidth(360)
        self.market.setToolTip(
            "Where the clinic practises: the rules check that each product is marketed there. "
            "Pick one, or type another two-letter country code."
        )
        for code in MARKET_NAMES:
            self.market.addItem(market_label(code), code)
        self.certificate_days = _days(CERTIFICATE_EXPIRING_DAYS)
        self.lot_days = _days(LOT_EXPIRING_DAYS)
        self.save_button = QPushButton("&Save clinic settings")
        self.saved = QLabel()
        self.saved.setWordWrap(True)
        self.error = ErrorLine()
        form = QFormLayout()
        self.labels: dict[str, QLabel] = {}
        for key, text, field in (
            ("name", "Clinic &name:", self.name),
            ("market", "&Market:", self.market),
            ("certificate_warning_days", "&Certificates: warn", self.certificate_days),
            ("lot_warning_days", "&Lots: warn", self.lot_days),
        ):
            row_label = QLabel(text)
            row_label.setBuddy(field)
            self.labels[key] = row_label
            form.addRow(row_label, field)
        hint = QLabel(
            "The rules warn when a CE certificate expires, or a lot in stock expires, within "
            f"this many days. Leave a horizon at 0 for the default (certificates "
            f"{CERTIFICATE_EXPIRING_DAYS} days, lots {LOT_EXPIRING_DAYS} days); at most "
            f"{MAX_WARNING_DAYS}."
        )
        hint.setWordWrap(True)
        hint.setMaximumWidth(720)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.saved, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.save_button.clicked.connect(self.save)
        ctx.bus.changed.connect(self._changed)
        self.reload()

    def _changed(self, changes: Changes) -> None:
        if changes & self.shows:
            self.reload()

    def reload(self) -> None:
        try:
            with self.ctx.db.read() as session:
                current = get_clinic_settings(session)
        except ExoDeskError as refused:
            self.error.show_problems(refused.problems)
            return
        if current is None:
            self.saved.setText("No clinic is set yet: give its name and market, then save.")
            return
        self.name.setText(current.name)
        self.set_market(current.market)
        self.certificate_days.setValue(current.certificate_warning_days or 0)
        self.lot_days.setValue(current.lot_warning_days or 0)

    def set_market(self, code: str) -> None:
        index = self.market.findData(code)
        if index >= 0:
            self.market.setCurrentIndex(index)
        else:
            self.market.setEditText(code)

    def market_code(self) -> str:
        """The code chosen, or the one typed ('fr' and 'FR — France' both give FR)."""
        text = self.market.currentText().strip()
        index = self.market.findText(text)
        if index >= 0:
            return str(self.market.itemData(index))
        return text.split(" ", 1)[0].upper() if text else ""

    def wanted(self) -> ClinicSettings:
        return ClinicSettings(
            self.name.text(),
            self.market_code(),
            self.certificate_days.value() or None,
            self.lot_days.value() or None,
        )

    def save(self) -> None:
        wanted, by = self.wanted(), self.ctx.user
        self.saved.clear()
        for row_label in self.labels.values():
            mark_label(row_label, False)
        run_write(
            self.ctx,
            lambda session: update_clinic(session, wanted, by=by),
            Changes.SETTINGS,
            on_success=self._saved,
            on_failure=self._refused,
        )

    def _saved(self, stored: ClinicSettings) -> None:
        self.error.clear()
        self.saved.setText(
            f"Saved. The rules now warn {stored.certificate_days} days before a certificate "
            f"expires and {stored.lot_days} days before a lot does."
        )

    def _refused(self, refused: ExoDeskError) -> None:
        lines = []
        for problem in refused.problems:
            lines.append(f"{FIELD_LABELS.get(problem.field, problem.field)}: {problem.message}")
            if problem.field in self.labels:
                mark_label(self.labels[problem.field], True)
        self.error.show_problems([Problem("", line) for line in lines])

    def focus_search(self) -> None:
        self.name.setFocus()
