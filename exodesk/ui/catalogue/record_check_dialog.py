""" "Record a check…": that a CE certificate or ATMP authorisation was looked up with its
issuer or a public register (NANDO, EUDAMED, the notified body, the MHRA), by whom, on which
day, with an optional note for the audit trail. Forged certificates carry real bodies'
numbers, so the clinic checks the certificate itself, not only that its body exists."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import CheckedAt
from exodesk.models.vocabulary import choices, description, label
from exodesk.services.catalogue.checks import record_check
from exodesk.services.catalogue.documents import DocumentDetail
from exodesk.services.errors import ExoDeskError
from exodesk.services.register.shipped import shipped_register
from exodesk.ui.common.date_field import DateField
from exodesk.ui.common.error_line import ErrorLine, mark_label
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write


def _day(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


def last_checked(detail: DocumentDetail) -> str:
    """ "Last checked on 2026-01-12 by Dr A", or "Never checked" (a sentence's start)."""
    if detail.verified_on is None:
        return "Never checked"
    by = f" by {detail.verified_by}" if detail.verified_by else ""
    return f"Last checked on {detail.verified_on.isoformat()}{by}"


class RecordCheckDialog(QDialog):
    """Record a check of `detail`; accepted once it is written."""

    def __init__(
        self, ctx: AppContext, detail: DocumentDetail, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.document = detail
        self.setWindowTitle("Record a check — ExoDesk")
        what = QLabel(
            f"{html.escape(label(detail.kind))} <b>{html.escape(detail.number)}</b>"
            + (f", issued by {html.escape(detail.issuer)}" if detail.issuer else "")
            + f". {html.escape(last_checked(detail))}."
        )
        what.setWordWrap(True)
        self.at = QComboBox()
        for place, words in choices(CheckedAt):
            self.at.addItem(words, place.value)
            self.at.setItemData(
                self.at.count() - 1, description(place), Qt.ItemDataRole.ToolTipRole
            )
        self.by = QLineEdit(ctx.user)
        self.by.setMaxLength(200)
        self.by.setPlaceholderText("Who looked it up")
        self.on = DateField(ctx.today())
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(
            "Optional, kept in the audit trail: e.g. 'certificate listed as issued, scope "
            "covers the product'"
        )
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(90)
        self.labels: dict[str, QLabel] = {}
        form = QFormLayout()
        for field, title, widget in (
            ("at", "Checked &where", self.at),
            ("by", "Checked &by", self.by),
            ("on", "Checked &on", self.on),
            ("note", "&Note", self.note),
        ):
            row_label = QLabel(title)
            row_label.setBuddy(widget)
            self.labels[field] = row_label
            form.addRow(row_label, widget)
        register = shipped_register()
        self.link = QLabel(
            f'<a href="{html.escape(register.check_at)}">Open NANDO</a>, the European '
            "Commission's register of notified bodies. Check the certificate itself too (in "
            "EUDAMED or with the body): forged ones carry real bodies' numbers."
        )
        self.link.setWordWrap(True)
        self.link.setTextFormat(Qt.TextFormat.RichText)
        self.link.setOpenExternalLinks(True)
        self.link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.link.setToolTip(register.check_at)
        self.error = ErrorLine()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Record check")
        self.ok_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addLayout(form)
        layout.addWidget(self.link)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        self.resize(520, 380)

    def apply(self) -> None:
        kind, number = self.document.kind, self.document.number
        day = self.on.date()
        at, by, on = CheckedAt(self.at.currentData()), self.by.text(), _day(day)
        note, user, today = self.note.toPlainText(), self.ctx.user, self.ctx.today()
        for row_label in self.labels.values():
            mark_label(row_label, False)
        run_write(
            self.ctx,
            lambda session: record_check(
                session, kind, number, on=on, by=by, at=at, today=today, user=user, note=note
            ),
            Changes.DOCUMENTS,
            error_line=self.error,
            on_success=lambda _: self.accept(),
            on_failure=self._mark_fields,
        )

    def _mark_fields(self, refused: ExoDeskError) -> None:
        first: QWidget | None = None
        for problem in refused.problems:
            row_label = self.labels.get(problem.field)
            if row_label is not None:
                mark_label(row_label, True)
                first = first or row_label.buddy()
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
