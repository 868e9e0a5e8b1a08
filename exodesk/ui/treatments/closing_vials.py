"""At closing time, the vials still open: listed with their time left, then "Keep them open"
(close anyway: they stay open in the database), "Discard the expired ones…" (one vial of
waste each, with a reason, then close) or "Cancel" (the window stays open)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QAbstractButton, QInputDialog, QLineEdit, QMessageBox, QWidget

from exodesk.models.vocabulary import (
    CLOSING_DISCARD_EXPIRED,
    CLOSING_DISCARD_REASON,
    CLOSING_KEEP,
    CLOSING_VIALS,
    CLOSING_VIALS_TITLE,
    DISCARD_VIAL_REASON,
    VIAL_STATE,
)
from exodesk.services.errors import ExoDeskError
from exodesk.services.stock.vials import VialRow, discard_vial, open_vials
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import refusal, run_write
from exodesk.ui.treatments.vial_choice import clinic_now, vial_text

if TYPE_CHECKING:
    from exodesk.services.session import Session


# A window closed by a script (EXODESK_QUIT_AFTER) carries this property: nobody is there to
# answer, so the open vials stay open, as "Keep them open" would leave them.
UNATTENDED = "exodesk_unattended"


class ClosingVials:
    def __init__(self, ctx: AppContext, parent: QWidget) -> None:
        self.ctx, self.parent = ctx, parent
        self.now = clinic_now(ctx)
        self.vials: list[VialRow] = []
        self.discarded: list[str] = []  # the waste movements written
        self.keep: QAbstractButton | None = None
        self.discard: QAbstractButton | None = None

    def expired(self) -> list[VialRow]:
        return [v for v in self.vials if v.state(self.now) == "expired"]

    def _read(self) -> list[VialRow]:
        try:
            with self.ctx.db.read() as session:
                return open_vials(session)
        except Exception as exc:  # the database cannot be read: nothing to ask about
            if refusal(exc) is None:
                raise
            return []

    def box(self) -> QMessageBox:
        lines = []
        for vial in self.vials:
            state = vial.state(self.now)
            prefix = f"{VIAL_STATE[state]} · " if state != "open" else ""
            lines.append(f"• {prefix}{vial_text(vial, self.now)}")
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            CLOSING_VIALS_TITLE,
            CLOSING_VIALS.format(count=len(self.vials), vials="\n".join(lines)),
            QMessageBox.StandardButton.Cancel,
            self.parent,
        )
        self.keep = box.addButton(CLOSING_KEEP, QMessageBox.ButtonRole.AcceptRole)
        if self.expired():
            self.discard = box.addButton(
                CLOSING_DISCARD_EXPIRED, QMessageBox.ButtonRole.DestructiveRole
            )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box

    def may_close(self) -> bool:
        """Ask when vials are still open; True when the window may close."""
        self.vials = self._read()
        if not self.vials:
            return True
        box = self.box()
        box.exec()
        clicked = box.clickedButton()
        if clicked is not None and clicked is self.keep:
            return True
        if clicked is not None and clicked is self.discard:
            return self.discard_expired()
        return False

    def ask_reason(self) -> str | None:
        reason, ok = QInputDialog.getText(
            self.parent,
            CLOSING_DISCARD_EXPIRED.replace("&", "").rstrip("…"),
            DISCARD_VIAL_REASON + ":",
            QLineEdit.EchoMode.Normal,
            CLOSING_DISCARD_REASON,
        )
        return reason if ok and reason.strip() else None

    def discard_expired(self) -> bool:
        """Each expired vial discarded (one transaction); False (stay open) if refused."""
        reason = self.ask_reason()
        if reason is None:
            return False
        ctx, now, refs = self.ctx, self.now, [v.ref for v in self.expired()]

        def write(session: Session) -> list[str]:
            return [
                discard_vial(session, ref, reason=reason, on=now.date(), user=ctx.user, now=now)
                for ref in refs
            ]

        def refused(problem: ExoDeskError) -> None:
            QMessageBox.warning(self.parent, CLOSING_VIALS_TITLE, str(problem))

        def written(movements: list[str]) -> None:
            self.discarded = movements

        return run_write(ctx, write, Changes.STOCK, on_success=written, on_failure=refused)
