"""Recording a treatment: the form, a live list of the compliance findings it would raise,
and Save, which block findings refuse unless the user overrides them with a written reason."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QSize
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import Route, Severity, Zone
from exodesk.models.vocabulary import choices, rule_title, short_label
from exodesk.services.compliance.rules import Flag
from exodesk.services.errors import ExoDeskError, Problem
from exodesk.services.queries import product_names
from exodesk.services.treatments.recording import (
    Blocked,
    LotChoice,
    RecordedTreatment,
    TreatmentDraft,
    findings_for,
    intended_routes,
    known_practitioners,
    lots_for_treatment,
    record_treatment,
)
from exodesk.ui.common import severity
from exodesk.ui.common.error_line import ERROR_STYLE, ErrorLine
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write

NO_USABLE_LOT = "No usable lot: all expired, unreleased or empty."
MAX_VIALS = 1000


def lot_label(choice: LotChoice) -> str:
    where = f" — {choice.location}" if choice.location else ""
    return f"{choice.lot} — exp {choice.expiry.isoformat()} — {choice.on_hand} on hand{where}"


def _rule_words(flags: list[Flag]) -> str:
    return ", ".join(dict.fromkeys(rule_title(f.rule) for f in flags))


class TreatmentDialog(QDialog):
    """Record one treatment. `recorded` holds the result after a successful Save."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, product: str | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.recorded: RecordedTreatment | None = None
        self.findings: list[Flag] = []
        self.setWindowTitle("Record a treatment")
        self._build()
        self._load_choices(product)
        self.resize(860, 720)

    # -- building ----------------------------------------------------------------------

    def _build(self) -> None:
        self.patient = QLineEdit()
        self.patient.setPlaceholderText("Pseudonymous reference, e.g. P-0042")
        self.practitioner = QComboBox()
        self.practitioner.setEditable(True)
        self.practitioner.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = self.practitioner.lineEdit()
        if line is not None:
            line.setPlaceholderText("Who gave the treatment")
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.product = QComboBox()
        self.product.setPlaceholderText("Choose a product")
        self.lot = QComboBox()
        self.lot.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.lot_note = QLabel(NO_USABLE_LOT)
        self.lot_note.setStyleSheet(ERROR_STYLE)
        self.lot_note.setWordWrap(True)
        self.lot_note.hide()
        self.route = QComboBox()
        for route, label in choices(Route):
            self.route.addItem(label, route.value)
        self.zone = QComboBox()
        for zone, label in choices(Zone):
            self.zone.addItem(label, zone.value)
        self.vials = QSpinBox()
        self.vials.setRange(1, MAX_VIALS)
        self.vials.setSuffix(" vial(s)")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        field: QWidget
        for text, field in (
            ("&Patient reference:", self.patient),
            ("P&ractitioner:", self.practitioner),
            ("D&ate:", self.date),
            ("Pro&duct:", self.product),
            ("&Lot (first expiry first):", self.lot),
        ):
            form.addRow(self._label(text, field), field)
        form.addRow("", self.lot_note)
        for text, field in (
            ("Ro&ute:", self.route),
            ("&Zone:", self.zone),
            ("&Vials:", self.vials),
        ):
            form.addRow(self._label(text, field), field)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.findings_list = QListWidget()
        self.findings_list.setWordWrap(True)
        self.findings_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.findings_list.setUniformItemSizes(False)
        self.findings_list.setIconSize(QSize(20, 20))
        self.findings_list.setSpacing(2)
        self.findings_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.findings_list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.findings_list.setMinimumHeight(170)
        findings_label = self._label("Fi&ndings for this treatment:", self.findings_list)
        box = QGroupBox("Compliance check")
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(findings_label)
        box_layout.addWidget(self.summary)
        box_layout.addWidget(self.findings_list, 1)

        self.override = QCheckBox("&Override the block findings")
        self.override.setEnabled(False)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText(
            "Why this treatment is given despite the block findings (kept in the audit trail)"
        )
        self.reason.setEnabled(False)
        self.reason.setFixedHeight(64)
        reason_label = self._label("R&eason for overriding:", self.reason)
        box_layout.addWidget(self.override)
        box_layout.addWidget(reason_label)
        box_layout.addWidget(self.reason)

        self.error = ErrorLine()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        assert save is not None
        self.save_button: QPushButton = save
        self.save_button.setText("&Save")
        self.save_button.setDefault(True)
        self.save_button.setAutoDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(box, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.product.currentIndexChanged.connect(self._product_changed)
        self.date.dateChanged.connect(self._refill_lots)
        self.lot.currentIndexChanged.connect(self._refresh_findings)
        self.route.currentIndexChanged.connect(self._refresh_findings)
        self.zone.currentIndexChanged.connect(self._refresh_findings)
        self.override.toggled.connect(self._override_toggled)
        self.reason.textChanged.connect(self.error.clear)

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _load_choices(self, product: str | None) -> None:
        with self.ctx.db.read() as session:
            products = product_names(session)
            practitioners = known_practitioners(session)
        self.practitioner.addItems(practitioners)
        self.practitioner.setCurrentIndex(-1)
        today = self.ctx.today()
        self.date.setMaximumDate(QDate(today.year, today.month, today.day))
        self.date.setDate(QDate(today.year, today.month, today.day))
        self.product.addItems(products)
        self.product.setCurrentIndex(products.index(product) if product in products else -1)
        self._refresh_findings()

    # -- reading the form --------------------------------------------------------------

    def _day(self) -> dt.date:
        day = self.date.date()
        return dt.date(day.year(), day.month(), day.day())

    def _product_name(self) -> str:
        return self.product.currentText() if self.product.currentIndex() >= 0 else ""

    def _lot_code(self) -> str:
        code = self.lot.currentData()
        return code if isinstance(code, str) else ""

    def draft(self) -> TreatmentDraft:
        return TreatmentDraft(
            date=self._day(),
            product=self._product_name(),
            lot=self._lot_code(),
            patient=self.patient.text(),
            practitioner=self.practitioner.currentText(),
            route=str(self.route.currentData()),
            zone=str(self.zone.currentData()),
            vials=self.vials.value(),
        )

    # -- reacting to edits -------------------------------------------------------------

    def _product_changed(self) -> None:
        product = self._product_name()
        if product:
            with self.ctx.db.read() as session:
                routes = intended_routes(session, product)
            current = self.route.currentData()
            if routes and current not in routes:
                self.route.setCurrentIndex(self.route.findData(routes[0]))
        self._refill_lots()

    def _refill_lots(self) -> None:
        product = self._product_name()
        keep = self._lot_code()
        choices: list[LotChoice] = []
        if product:
            with self.ctx.db.read() as session:
                choices = lots_for_treatment(session, product, self._day())
        self.lot.blockSignals(True)
        self.lot.clear()
        for choice in choices:
            self.lot.addItem(lot_label(choice), choice.lot)
        index = self.lot.findData(keep)
        self.lot.setCurrentIndex(index if index >= 0 else (0 if choices else -1))
        self.lot.blockSignals(False)
        self.lot.setEnabled(bool(choices))
        self.lot_note.setVisible(bool(product) and not choices)
        self._refresh_findings()

    def _refresh_findings(self) -> None:
        draft = self.draft()
        findings: list[Flag] = []
        if draft.product:
            try:
                with self.ctx.db.read() as session:
                    findings = findings_for(session, draft, self.ctx.today())
            except ExoDeskError as exc:
                self.error.show_problems(exc.problems)
        self._show_findings(findings)

    def _show_findings(self, findings: list[Flag]) -> None:
        self.findings = findings
        self.findings_list.clear()
        for flag in findings:
            item = QListWidgetItem(
                severity.icon(flag.severity), f"{short_label(flag.severity)}: {flag.message}"
            )
            item.setBackground(QBrush(severity.BACKGROUND[flag.severity]))
            item.setForeground(QBrush(severity.TEXT_ON_BACKGROUND))
            item.setToolTip(f"{rule_title(flag.rule)}: {flag.message}")
            self.findings_list.addItem(item)
        blocks = self.blocks()
        counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
        if not self._product_name():
            self.summary.setText("Choose a product to see what the compliance rules say.")
        elif not findings:
            self.summary.setText("No findings: nothing stops this treatment.")
        elif blocks:
            self.summary.setText(
                f"{counts[Severity.BLOCK]} block · {counts[Severity.WARN]} warn · "
                f"{counts[Severity.INFO]} info. Save is refused while block findings remain, "
                "unless you override them and write the reason."
            )
        else:
            self.summary.setText(
                f"{counts[Severity.WARN]} warn · {counts[Severity.INFO]} info. Read them; "
                "they do not stop the treatment."
            )
        self.summary.setStyleSheet("font-weight: bold;" if blocks else "")
        self.override.setEnabled(bool(blocks))
        if not blocks:
            self.override.setChecked(False)

    def blocks(self) -> list[Flag]:
        return [f for f in self.findings if f.severity is Severity.BLOCK]

    def _override_toggled(self, on: bool) -> None:
        self.reason.setEnabled(on)
        if on:
            self.reason.setFocus()

    # -- saving ------------------------------------------------------------------------

    def _show_error(self, message: str) -> None:
        self.error.show_text(f"Error: {message}")

    def save(self) -> None:
        self.error.clear()
        reason = self.reason.toPlainText() if self.override.isChecked() else None
        draft, today, user = self.draft(), self.ctx.today(), self.ctx.user
        run_write(
            self.ctx,
            lambda session: record_treatment(
                session, draft, today=today, user=user, override_reason=reason
            ),
            Changes.TREATMENTS | Changes.STOCK,
            on_success=self._recorded,
            on_failure=self._refused,
        )

    def _recorded(self, recorded: RecordedTreatment) -> None:
        self.recorded = recorded
        self.accept()

    def _refused(self, refused: ExoDeskError) -> None:
        if isinstance(refused, Blocked):
            self._refresh_findings()
            self._refuse(refused.flags)
            return
        self.error.show_problems(self._explained(p) for p in refused.problems)

    def _explained(self, problem: Problem) -> Problem:
        if problem.field == "lot" and self._product_name() and self.lot.count() == 0:
            return Problem(
                "lot",
                f"{self._product_name()} has no usable lot (all expired, unreleased or empty)",
            )
        return problem

    def _refuse(self, blocks: list[Flag]) -> None:
        what = f"{len(blocks)} block finding{'s' if len(blocks) != 1 else ''}"
        if self.override.isChecked():
            self._show_error(
                f"Save refused: write the reason for overriding the {what} "
                f"({_rule_words(blocks)}) before saving."
            )
            self.reason.setFocus()
        else:
            self._show_error(
                f"Save refused: this treatment has {what} ({_rule_words(blocks)}). Change the "
                "treatment, or tick “Override the block findings” and write the reason."
            )
