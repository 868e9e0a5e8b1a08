"""Small dialogs acting on one lot: change its status, record waste, move it. Each asks
for a reason, which the audit trail keeps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from exodesk.models.enums import LotStatus, MovementKind, Role
from exodesk.models.vocabulary import (
    RELEASE_COA_MISSING,
    RELEASE_OVERRIDE,
    RELEASE_OVERRIDE_NEEDS_ADMIN,
    RELEASE_OVERRIDE_REASON,
    action,
    phrase,
)
from exodesk.services.stock.corrections import MovementDraft
from exodesk.services.stock.lots import (
    LotLine,
    change_lot_status,
    has_certificate_of_analysis,
    record_waste,
    transfer_lot,
)
from exodesk.ui.common.date_field import DateField
from exodesk.ui.common.error_line import ErrorLine
from exodesk.ui.common.widgets import enum_data
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write

if TYPE_CHECKING:
    from exodesk.services.session import Session


class _LotDialog(QDialog):
    """Shared frame: what lot, a form, a reason, an error line, OK/Cancel. `correction`, when
    set (`ui.stock.correcting`), writes instead of `write`: the old movement voided, this one
    recorded in its place."""

    def __init__(self, ctx: AppContext, line: LotLine, title: str, parent: QWidget | None):
        super().__init__(parent)
        self.ctx = ctx
        self.line = line
        self.done_message = ""
        self.correction: Callable[[Session], str] | None = None
        self.setWindowTitle(title)
        self.form = QFormLayout()
        what = QLabel(
            f"<b>{line.product}</b> lot <b>{line.lot}</b> — {line.on_hand} on hand, "
            f"expires {line.expiry.isoformat()}"
        )
        what.setWordWrap(True)
        self.form.addRow("Lot:", what)
        today = ctx.today()
        self.date = DateField(QDate(today.year, today.month, today.day))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText("Why? (kept in the audit trail)")
        self.reason.setMaximumHeight(80)
        self.error = ErrorLine()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def add_common_rows(self) -> None:
        self.form.addRow("&Date:", self.date)
        reason_label = QLabel("&Reason:")
        reason_label.setBuddy(self.reason)
        self.form.addRow(reason_label, self.reason)

    def write(self, session: Session) -> str:
        raise NotImplementedError

    def draft(self) -> MovementDraft:
        """What the form holds, as the movement it records."""
        raise NotImplementedError

    def day(self) -> dt.date:
        value = self.date.date().toPython()
        assert isinstance(value, dt.date)
        return value

    def _save(self) -> None:
        run_write(
            self.ctx,
            self.correction or self.write,
            Changes.STOCK,
            error_line=self.error,
            on_success=self._done,
        )

    def _done(self, message: str) -> None:
        self.done_message = message
        self.accept()


class LotStatusDialog(_LotDialog):
    def __init__(self, ctx: AppContext, line: LotLine, parent: QWidget | None = None):
        super().__init__(ctx, line, "Change lot status", parent)
        self.status = QComboBox()
        for status in LotStatus:
            if status is not line.status:
                self.status.addItem(f"{action(status)} ({phrase(status)})", status)
        label = QLabel("New &status:")
        label.setBuddy(self.status)
        self.form.addRow("Now:", QLabel(phrase(line.status)))
        self.form.addRow(label, self.status)
        self.add_common_rows()
        # Releasing from quarantine needs the lot's certificate of analysis, or an admin's
        # written reason for releasing without it.
        with ctx.db.read() as session:
            self.has_coa = has_certificate_of_analysis(session, line.lot_id)
        self.coa_note = QLabel(RELEASE_COA_MISSING)
        self.coa_note.setWordWrap(True)
        self.without_coa = QCheckBox(RELEASE_OVERRIDE.replace("without", "&without", 1))
        admin = ctx.role is None or ctx.role is Role.ADMIN
        self.without_coa.setEnabled(admin)
        if not admin:
            self.without_coa.setToolTip(RELEASE_OVERRIDE_NEEDS_ADMIN.capitalize() + ".")
        self.form.addRow("", self.coa_note)
        self.form.addRow("", self.without_coa)
        self.status.currentIndexChanged.connect(self._release_rows)
        self.without_coa.toggled.connect(self._release_rows)
        self._release_rows()
        self.status.setFocus()

    def releasing_without_coa(self) -> bool:
        """Whether the change chosen releases this quarantined lot with no CoA on file."""
        return (
            self.line.status is LotStatus.QUARANTINE
            and enum_data(self.status, LotStatus) is LotStatus.RELEASED
            and not self.has_coa
        )

    def _release_rows(self) -> None:
        needs = self.releasing_without_coa()
        self.coa_note.setVisible(needs)
        self.without_coa.setVisible(needs)
        self.reason.setPlaceholderText(
            RELEASE_OVERRIDE_REASON.capitalize() + " (kept in the audit trail)"
            if needs and self.without_coa.isChecked()
            else "Why? (kept in the audit trail)"
        )

    def draft(self) -> MovementDraft:
        return MovementDraft(
            MovementKind.STATUS_CHANGE,
            self.day(),
            self.reason.toPlainText(),
            status=enum_data(self.status, LotStatus),
            without_coa=self.releasing_without_coa() and self.without_coa.isChecked(),
        )

    def write(self, session: Session) -> str:
        status = enum_data(self.status, LotStatus)
        assert status is not None
        change_lot_status(
            session,
            self.line.product,
            self.line.lot,
            status,
            reason=self.reason.toPlainText(),
            on=self.day(),
            user=self.ctx.user,
            without_coa=self.releasing_without_coa() and self.without_coa.isChecked(),
        )
        return f"Lot {self.line.lot} is now {status.value.replace('_', ' ')}."


class WasteDialog(_LotDialog):
    def __init__(self, ctx: AppContext, line: LotLine, parent: QWidget | None = None):
        super().__init__(ctx, line, "Record waste", parent)
        self.vials = QSpinBox(minimum=1, maximum=max(1, line.on_hand), value=1)
        label = QLabel("&Vials wasted:")
        label.setBuddy(self.vials)
        self.form.addRow(label, self.vials)
        self.add_common_rows()
        self.vials.setFocus()

    def draft(self) -> MovementDraft:
        return MovementDraft(
            MovementKind.WASTE, self.day(), self.reason.toPlainText(), vials=self.vials.value()
        )

    def write(self, session: Session) -> str:
        record_waste(
            session,
            self.line.product,
            self.line.lot,
            self.vials.value(),
            reason=self.reason.toPlainText(),
            on=self.day(),
            user=self.ctx.user,
        )
        return f"{self.vials.value()} vial(s) of lot {self.line.lot} recorded as waste."


class TransferDialog(_LotDialog):
    def __init__(
        self,
        ctx: AppContext,
        line: LotLine,
        locations: list[str],
        parent: QWidget | None = None,
    ):
        super().__init__(ctx, line, "Move lot", parent)
        self.location = QComboBox()
        for name in locations:
            if name != line.location:
                self.location.addItem(name)
        label = QLabel("&To:")
        label.setBuddy(self.location)
        self.form.addRow("From:", QLabel(line.location or "—"))
        self.form.addRow(label, self.location)
        self.add_common_rows()
        self.location.setFocus()

    def draft(self) -> MovementDraft:
        return MovementDraft(
            MovementKind.TRANSFER,
            self.day(),
            self.reason.toPlainText(),
            location=self.location.currentText() or None,
        )

    def write(self, session: Session) -> str:
        target = self.location.currentText()
        transfer_lot(
            session,
            self.line.product,
            self.line.lot,
            target,
            reason=self.reason.toPlainText(),
            on=self.day(),
            user=self.ctx.user,
        )
        return f"Lot {self.line.lot} moved to {target}."
