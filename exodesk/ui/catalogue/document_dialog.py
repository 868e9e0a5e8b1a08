"""Registering a document (certificate, declaration, IFU, certificate of analysis, ATMP
authorisation, MFDS registration, safety report) with its PDF or image, and changing a
document's status with a reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import DocumentKind, DocumentStatus
from exodesk.models.vocabulary import choices, description, label, phrase
from exodesk.services.catalogue.documents import (
    FILE_TYPES,
    DocumentDetail,
    DocumentDraft,
    register_document,
    update_document_status,
)
from exodesk.services.catalogue.products import lots_by_product
from exodesk.services.errors import ExoDeskError
from exodesk.services.queries import product_names
from exodesk.services.register.bodies import named_body_number, register_bodies
from exodesk.services.register.shipped import shipped_register
from exodesk.ui.catalogue.body_words import body_words
from exodesk.ui.common.date_field import DateField
from exodesk.ui.common.error_line import ERROR_STYLE, ErrorLine, mark_label
from exodesk.ui.common.file_dialogs import ask_open_file
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write

FILE_FILTER = "PDF or image (" + " ".join(f"*{s}" for s in FILE_TYPES) + ");;All files (*)"
WARNING_STYLE = "color: #8a5300;"
# The change a status is most often followed by (preselected in the status dialog).
NEXT_STATUS = {
    DocumentStatus.SUSPENDED: DocumentStatus.REINSTATED,
    DocumentStatus.WITHDRAWN: DocumentStatus.ISSUED,
}


def _day(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class DocumentDialog(QDialog):
    """Register a new document; `detail` holds it once registered (the dialog accepted)."""

    def __init__(
        self, ctx: AppContext, parent: QWidget | None = None, *, product: str | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.detail: DocumentDetail | None = None
        self.setWindowTitle("Register a document")
        with ctx.db.read() as session:
            names = product_names(session)
            self._lots = lots_by_product(session)
            self._bodies = register_bodies(session)
        self._as_of = shipped_register().as_of

        self.kind = QComboBox()
        for kind, words in choices(DocumentKind):
            self.kind.addItem(words, kind.value)
        self.kind_hint = QLabel()
        self.kind_hint.setWordWrap(True)
        self.kind_hint.setStyleSheet("color: palette(placeholder-text);")
        self.number = QLineEdit()
        self.number.setPlaceholderText("As printed, e.g. CE 2913-MDR-04417")
        self.issuer = QLineEdit()
        self.issuer.setPlaceholderText("Notified body, manufacturer or authority")
        self.body_number = QLineEdit()
        self.body_number.setMaxLength(8)
        self.body_number.setMaximumWidth(200)
        self.body_number.setPlaceholderText("taken from the issuer")
        self.body_number.setToolTip(
            "The notified body's four digits, printed beside the CE mark. Leave empty to take "
            "them from the issuer."
        )
        self.body_hint = QLabel()
        self.body_hint.setWordWrap(True)
        self.body_hint.setTextFormat(Qt.TextFormat.PlainText)
        day = self.ctx.today()
        today = QDate(day.year, day.month, day.day)
        self.has_issued = QCheckBox("&Issued on")
        self.has_issued.setChecked(True)
        self.issued = DateField(today)
        self.issued.setCalendarPopup(True)
        self.issued.setDisplayFormat("yyyy-MM-dd")
        self.has_expires = QCheckBox("E&xpires on")
        self.has_expires.setToolTip("Leave unticked for a document that never expires")
        self.expires = DateField(today.addYears(1))
        self.expires.setCalendarPopup(True)
        self.expires.setDisplayFormat("yyyy-MM-dd")
        self.expires.setEnabled(False)
        self.products = QListWidget()
        self.products.setMinimumHeight(120)
        for name in names:
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if name == product else Qt.CheckState.Unchecked
            )
            self.products.addItem(item)
        self.lot = QComboBox()
        self.status = QComboBox()
        for status, words in choices(DocumentStatus):
            self.status.addItem(words, status.value)
        self.file = QLineEdit()
        self.file.setPlaceholderText("Optional: the scanned PDF or image")
        self.browse = QPushButton("&Browse…")
        self.browse.setAutoDefault(False)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(self.browse)

        form = QFormLayout()
        self.labels: dict[str, QLabel] = {}

        def row(field: str, title: str, widget: QWidget) -> None:
            label = QLabel(title)
            label.setBuddy(widget)
            self.labels[field] = label
            form.addRow(label, widget)

        row("kind", "&Kind", self.kind)
        form.addRow("", self.kind_hint)
        row("number", "&Number", self.number)
        row("issuer", "Iss&uer", self.issuer)
        row("body_number", "Notified &body number", self.body_number)
        form.addRow("", self.body_hint)
        form.addRow(self.has_issued, self.issued)
        form.addRow(self.has_expires, self.expires)
        row("products", "&Products covered", self.products)
        row("lot", "&Lot", self.lot)
        row("status", "&Status", self.status)
        file_label = QLabel("&File")
        file_label.setBuddy(self.file)
        self.labels["file"] = file_label
        form.addRow(file_label, file_row)

        self.error = ErrorLine()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.register_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.register_button.setText("&Register")
        self.register_button.setDefault(True)
        self.form = form
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.body_number.textChanged.connect(self._show_body)
        self.issuer.textChanged.connect(self._show_body)
        self.buttons.accepted.connect(self.register)
        self.buttons.rejected.connect(self.reject)
        self.browse.clicked.connect(self.choose_file)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.products.itemChanged.connect(self._refresh_lots)
        self.has_issued.toggled.connect(self.issued.setEnabled)
        self.has_expires.toggled.connect(self.expires.setEnabled)
        self._kind_changed()
        self._refresh_lots()
        self.resize(560, 640)

    # -- inputs -------------------------------------------------------------------------------

    def set_file(self, path: Path | None) -> None:
        """The file to attach (the Browse… button sets it from a file dialog)."""
        self.file.setText("" if path is None else str(path))

    def choose_file(self) -> None:
        chosen = ask_open_file(self, "Choose the document's PDF or image", FILE_FILTER)
        if chosen is not None:
            self.set_file(chosen)

    def set_kind(self, kind: DocumentKind) -> None:
        self.kind.setCurrentIndex(self.kind.findData(kind.value))

    def check_product(self, name: str, checked: bool = True) -> None:
        for i in range(self.products.count()):
            item = self.products.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == name:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def checked_products(self) -> list[str]:
        items = (self.products.item(i) for i in range(self.products.count()))
        return [
            item.data(Qt.ItemDataRole.UserRole)
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]

    def is_certificate(self) -> bool:
        return DocumentKind(self.kind.currentData()) is DocumentKind.CE_CERTIFICATE

    def body_ok(self) -> bool:
        """Whether the body number typed is empty or four digits."""
        text = self.body_number.displayText().strip()
        return not text or (len(text) == 4 and text.isascii() and text.isdigit())

    def _show_body(self) -> None:
        """The body's name from the register as the number or the issuer is typed."""
        if not self.body_ok():
            self.body_hint.setText(
                "A notified body number is exactly four digits, e.g. 0123 (leave it empty to "
                "take the digits from the issuer)."
            )
            self.body_hint.setStyleSheet(ERROR_STYLE)
            return
        typed = self.body_number.displayText().strip()
        number = named_body_number(typed or None, self.issuer.displayText())
        text, known = body_words(
            number, self._bodies, self._as_of, from_issuer=bool(number and not typed)
        )
        self.body_hint.setText(text if known else f"Warning: {text}")
        self.body_hint.setStyleSheet("" if known else WARNING_STYLE)

    def _kind_changed(self) -> None:
        kind = DocumentKind(self.kind.currentData())
        self.kind_hint.setText(description(kind))
        certificate = kind is DocumentKind.CE_CERTIFICATE
        self.form.setRowVisible(self.body_number, certificate)
        self.form.setRowVisible(self.body_hint, certificate)
        self._show_body()
        if kind is DocumentKind.CERTIFICATE_OF_ANALYSIS and self.lot.currentIndex() == 0:
            if self.lot.count() > 1:
                self.lot.setCurrentIndex(1)

    def _refresh_lots(self) -> None:
        chosen = self.lot.currentData()
        self.lot.blockSignals(True)
        self.lot.clear()
        self.lot.addItem("— none —", None)
        for name in self.checked_products():
            for code in self._lots.get(name, []):
                self.lot.addItem(f"{code}  ({name})", code)
        index = self.lot.findData(chosen) if chosen is not None else -1
        self.lot.setCurrentIndex(max(index, 0))
        self.lot.blockSignals(False)
        self._kind_changed()

    def draft(self) -> DocumentDraft:
        issued = _day(self.issued.date()) if self.has_issued.isChecked() else None
        expires = _day(self.expires.date()) if self.has_expires.isChecked() else None
        issuer = self.issuer.displayText().strip()
        return DocumentDraft(
            kind=DocumentKind(self.kind.currentData()),
            number=self.number.displayText().strip(),
            issuer=issuer or None,
            issued=issued,
            expires=expires,
            products=tuple(self.checked_products()),
            lot=self.lot.currentData(),
            status=DocumentStatus(self.status.currentData()),
            body_number=(self.body_number.displayText().strip() or None)
            if self.is_certificate()
            else None,
        )

    def file_path(self) -> Path | None:
        text = self.file.displayText().strip()
        return Path(text).expanduser() if text else None

    # -- action -------------------------------------------------------------------------------

    def register(self) -> None:
        draft, file, ctx = self.draft(), self.file_path(), self.ctx
        user, store, today = ctx.user, ctx.document_store, ctx.today()
        for plain in self.labels.values():
            mark_label(plain, False)
        run_write(
            ctx,
            lambda session: register_document(
                session, draft, user=user, store=store, file=file, today=today
            ),
            Changes.DOCUMENTS,
            error_line=self.error,
            on_success=self._registered,
            on_failure=self._mark_fields,
        )

    def _registered(self, detail: DocumentDetail) -> None:
        self.detail = detail
        self.accept()

    def _mark_fields(self, refused: ExoDeskError) -> None:
        first: QWidget | None = None
        for problem in refused.problems:
            label = self.labels.get(problem.field.split("[", 1)[0])
            if label is not None:
                mark_label(label, True)
                first = first or label.buddy()
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)


class StatusDialog(QDialog):
    """Record that a document was restricted, suspended, reinstated, withdrawn or reissued,
    and why."""

    def __init__(
        self, ctx: AppContext, detail: DocumentDetail, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.document = detail
        self.setWindowTitle("Change document status")
        what = QLabel(
            f"{label(detail.kind)} <b>{detail.number}</b> is now <b>{phrase(detail.status)}</b>."
        )
        what.setWordWrap(True)
        self.status = QComboBox()
        for status, words in choices(DocumentStatus):
            self.status.addItem(words, status.value)
            self.status.setItemData(
                self.status.count() - 1, description(status), Qt.ItemDataRole.ToolTipRole
            )
        other = NEXT_STATUS.get(detail.status, DocumentStatus.SUSPENDED)
        self.status.setCurrentIndex(self.status.findData(other.value))
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("Why, e.g. 'withdrawn by the notified body on …'")
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(90)
        form = QFormLayout()
        status_label = QLabel("New &status")
        status_label.setBuddy(self.status)
        reason_label = QLabel("&Reason")
        reason_label.setBuddy(self.reason)
        form.addRow(status_label, self.status)
        form.addRow(reason_label, self.reason)
        self.error = ErrorLine()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Change status")
        self.ok_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        self.resize(440, 260)

    def apply(self) -> None:
        kind, number = self.document.kind, self.document.number
        status = DocumentStatus(self.status.currentData())
        user, reason = self.ctx.user, self.reason.toPlainText()
        run_write(
            self.ctx,
            lambda session: update_document_status(
                session, kind, number, status, user=user, reason=reason
            ),
            Changes.DOCUMENTS,
            error_line=self.error,
            on_success=lambda _: self.accept(),
        )
