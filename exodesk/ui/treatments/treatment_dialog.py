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
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import Route, Severity, Zone
from exodesk.models.vocabulary import (
    DISCARD_TITLE,
    DISCARD_TREATMENT,
    OVERRIDE_CONFIRM,
    OVERRIDE_CONFIRM_BUTTON,
    OVERRIDE_CONFIRM_TITLE,
    OVERRIDE_REASON_HINT,
    PRACTITIONER_NONE,
    choices,
    rule_title,
    short_label,
)
from exodesk.services.compliance.rules import Flag
from exodesk.services.errors import ExoDeskError, NotPermitted, Problem
from exodesk.services.interchange.schema import reason_problem
from exodesk.services.queries import product_names
from exodesk.services.treatments.recording import (
    Blocked,
    LotChoice,
    Practitioners,
    RecordedTreatment,
    TreatmentDraft,
    findings_for,
    intended_routes,
    lots_for_treatment,
    practitioners_for,
    record_treatment,
)
from exodesk.ui.common import severity
from exodesk.ui.common.date_field import DateField
from exodesk.ui.common.error_line import ERROR_STYLE, ErrorLine
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write
from exodesk.ui.treatments.correcting import CorrectionForm
from exodesk.ui.treatments.vial_choice import TimeField, clinic_now
from exodesk.ui.treatments.vial_fields import VialFields

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
        self,
        ctx: AppContext,
        parent: QWidget | None = None,
        product: str | None = None,
        *,
        correcting: str | None = None,  # a treatment's ref: fill the form, save a correction
        vial: str | None = None,  # an open vial's ref: the treatment uses it
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.recorded: RecordedTreatment | None = None
        self.findings: list[Flag] = []
        self.setWindowTitle("Record a treatment")
        self._build()
        self._load_choices(product)
        self.correction = CorrectionForm(self, correcting) if correcting is not None else None
        if correcting is not None:
            self.vials_box.fill_from_card(correcting)
        if vial is not None:
            self.vials_box.choose(vial)
        self.resize(860, 660)  # with its title bar, fits 1024×768 above a taskbar
        self._untouched = self._form_state()

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
        self.date = DateField()
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
        self.time = TimeField()
        self.time.set_time(clinic_now(self.ctx).time())
        self.vials_box = VialFields(self)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        field: QWidget
        for text, field in (
            ("&Patient reference:", self.patient),
            ("P&ractitioner:", self.practitioner),
            ("D&ate:", self.date),
            ("Pro&duct:", self.product),
            ("Open v&ial:", self.vials_box.vial),
            ("&Lot (first expiry first):", self.lot),
        ):
            row = self._day_and_time() if field is self.date else field
            form.addRow(self._label(text, field), row)
        form.addRow("", self.lot_note)
        form.addRow(self.vials_box.known, self.vials_box.when)
        self.vials_box.form = form
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
        self.findings_list.setMinimumHeight(120)
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
        self.reason_hint = QLabel(f"Write {OVERRIDE_REASON_HINT}.")
        self.reason_hint.setWordWrap(True)
        self.reason_hint.hide()
        box_layout.addWidget(self.override)
        box_layout.addWidget(reason_label)
        box_layout.addWidget(self.reason)
        box_layout.addWidget(self.reason_hint)

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
        self.time.timeChanged.connect(self._refresh_findings)
        self.lot.currentIndexChanged.connect(self.vials_box.lot_changed)
        self.lot.currentIndexChanged.connect(self._refresh_findings)
        self.route.currentIndexChanged.connect(self._refresh_findings)
        self.zone.currentIndexChanged.connect(self._refresh_findings)
        self.override.toggled.connect(self._override_toggled)
        self.reason.textChanged.connect(self.error.clear)
        self.reason.textChanged.connect(self._check_reason)
        self.vials_box.refill(self._product_name())

    def _day_and_time(self) -> QWidget:
        """The date, then the time given (now by default) on the same row."""
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.date, 1)
        layout.addWidget(self._label("&Time given:", self.time))
        layout.addWidget(self.time)
        return row

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _load_choices(self, product: str | None) -> None:
        with self.ctx.db.read() as session:
            products = product_names(session)
            try:
                self.practitioners = practitioners_for(session, self.ctx.user)
            except NotPermitted:  # a stale sign-in: the service refuses the save anyway
                self.practitioners = Practitioners((), free_text=False)
        self._fill_practitioners()
        today = self.ctx.today()
        self.date.setMaximumDate(QDate(today.year, today.month, today.day))
        self.date.setDate(QDate(today.year, today.month, today.day))
        self.product.addItems(products)
        self.product.setCurrentIndex(products.index(product) if product in products else -1)
        self._refresh_findings()

    def _fill_practitioners(self) -> None:
        """Free text (earlier names suggested) only while the database has no accounts;
        otherwise the signed-in practitioner, or for an admin a practitioner account."""
        chosen = self.practitioners
        self.practitioner.setEditable(chosen.free_text)
        self.practitioner.addItems(list(chosen.names))
        if chosen.free_text:
            self.practitioner.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            line = self.practitioner.lineEdit()
            if line is not None:
                line.setPlaceholderText("Who gave the treatment")
            self.practitioner.setCurrentIndex(-1)
            return
        if not chosen.names:
            self.practitioner.setPlaceholderText(PRACTITIONER_NONE.capitalize())
        else:
            self.practitioner.setPlaceholderText("Choose who gave the treatment")
        self.practitioner.setCurrentIndex(0 if len(chosen.names) == 1 else -1)

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
            time=self.time.value(),
            reconstituted=self.vials_box.reconstituted(),
            vial=self.vials_box.chosen(),
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
        self.vials_box.refill(product)

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
        self.reason_hint.setVisible(on)
        self._check_reason()
        if on:
            self.reason.setFocus()

    def reason_ok(self) -> bool:
        return reason_problem(self.reason.toPlainText()) is None

    def _check_reason(self) -> None:
        """Say live whether the reason will do: at least 15 characters and three words."""
        typed = bool(self.reason.toPlainText().strip())
        self.reason_hint.setStyleSheet(ERROR_STYLE if typed and not self.reason_ok() else "")
        self.reason_hint.setText(
            "The reason will do." if self.reason_ok() else f"Write {OVERRIDE_REASON_HINT}."
        )

    # -- leaving -------------------------------------------------------------------------

    def _form_state(self) -> tuple[object, ...]:
        correction = getattr(self, "correction", None)
        return (
            self.patient.text(),
            self.practitioner.currentText(),
            self._day(),
            self.time.value(),
            self._product_name(),
            self.vials_box.chosen(),
            self.vials_box.reconstituted(),
            self._lot_code(),
            self.route.currentData(),
            self.zone.currentData(),
            self.vials.value(),
            self.override.isChecked(),
            self.reason.toPlainText(),
            correction.reason.text() if correction is not None else "",
        )

    def touched(self) -> bool:
        """Whether anything was entered since the dialog opened."""
        return self._form_state() != self._untouched

    def _what_would_be_lost(self) -> str:
        parts = []
        if self.patient.text().strip():
            parts.append(f"patient {self.patient.text().strip()}")
        if self._product_name():
            parts.append(self._product_name())
        if self.reason.toPlainText().strip():
            parts.append("the reason for overriding")
        return ", ".join(parts) or "the fields you changed"

    def discard_box(self) -> QMessageBox:
        """The question asked before a half-filled treatment is discarded."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            DISCARD_TITLE,
            DISCARD_TREATMENT.format(what=self._what_would_be_lost()),
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            self,
        )
        discard = box.button(QMessageBox.StandardButton.Discard)
        keep = box.button(QMessageBox.StandardButton.Cancel)
        assert discard is not None and keep is not None
        discard.setText("&Discard it")
        keep.setText("&Keep editing")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(keep)
        return box

    def reject(self) -> None:
        """Escape, Cancel or the window's close: at once when untouched, else ask first."""
        if self.touched():
            box = self.discard_box()
            box.exec()
            if box.clickedButton() is not box.button(QMessageBox.StandardButton.Discard):
                return
        super().reject()

    # -- saving ------------------------------------------------------------------------

    def _show_error(self, message: str) -> None:
        self.error.show_text(f"Error: {message}")

    def override_box(self, blocks: list[Flag]) -> QMessageBox:
        """The confirmation naming the rules about to be overridden, and the reason."""
        titles = list(dict.fromkeys(rule_title(f.rule) for f in blocks))
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            OVERRIDE_CONFIRM_TITLE,
            OVERRIDE_CONFIRM.format(
                count=len(titles),
                s="s" if len(titles) != 1 else "",
                rules="\n".join(f"• {t}" for t in titles),
                reason=self.reason.toPlainText().strip(),
            ),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.addButton(OVERRIDE_CONFIRM_BUTTON, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box

    def _confirm_override(self) -> bool:
        box = self.override_box(self.blocks())
        box.exec()
        return box.buttonRole(box.clickedButton()) is QMessageBox.ButtonRole.AcceptRole

    def save(self) -> None:
        self.error.clear()
        overriding = self.override.isChecked() and bool(self.blocks())
        if overriding and self.reason_ok() and not self._confirm_override():
            return
        reason = self.reason.toPlainText() if self.override.isChecked() else None
        draft, today, user = self.draft(), self.ctx.today(), self.ctx.user
        record = record_treatment if self.correction is None else self.correction.record
        run_write(
            self.ctx,
            lambda session: record(session, draft, today=today, user=user, override_reason=reason),
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
