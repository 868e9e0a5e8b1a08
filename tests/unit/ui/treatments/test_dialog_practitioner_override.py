"""Issue 11: who gave the treatment (accounts, not free text), overrides that mean something
(a real reason, a confirmation naming the rules), and Escape on a half-filled treatment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from counting_helpers import answer
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.cli import main
from exodesk.models import Role
from exodesk.services.accounts import users
from exodesk.ui.shell.context import AppContext
from exodesk.ui.treatments.treatment_dialog import TreatmentDialog

VERDA = "Verda Centella Exosome Cream"
NEXT_REF = "T-0208"
REASON = "Patient allergic to the approved product; agreed with Dr Park"


@pytest.fixture
def staffed(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    """The demo clinic with accounts: an admin signed in, two practitioners (one left)."""
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))
    with ctx.db.write() as session:
        users.create_user(session, "Admin", Role.ADMIN, "clinic secret 1", by=None)
        for name in ("Dr Amelia Hart", "Nurse Jo Lee", "Dr Gone"):
            users.create_user(session, name, Role.PRACTITIONER, "clinic secret 1", by="Admin")
        users.deactivate(session, "Dr Gone", by="Admin")
    ctx.user, ctx.role = "Admin", Role.ADMIN
    return ctx


def open_dialog(qtbot: QtBot, ctx: AppContext, product: str | None = VERDA) -> TreatmentDialog:
    dialog = TreatmentDialog(ctx, product=product)
    qtbot.addWidget(dialog, before_close_func=lambda d: d.done(QDialog.DialogCode.Rejected))
    dialog.resize(1024, 768)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def combo_items(dialog: TreatmentDialog) -> list[str]:
    return [dialog.practitioner.itemText(i) for i in range(dialog.practitioner.count())]


def test_an_admin_chooses_a_practitioner_account(
    qtbot: QtBot, staffed: AppContext, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, staffed)
    assert not dialog.practitioner.isEditable()  # no free text once there are accounts
    assert combo_items(dialog) == ["Dr Amelia Hart", "Nurse Jo Lee", "Admin"]
    assert dialog.practitioner.currentIndex() == -1
    qtbot.keyClicks(dialog.patient, "P-9101")
    dialog.practitioner.setFocus()
    qtbot.keyClicks(dialog.practitioner, "Nurse")  # keyboard search in the list
    assert dialog.practitioner.currentText() == "Nurse Jo Lee"
    save_shot(dialog, "treatment_dialog_practitioner_combo", tmp_path)
    with qtbot.waitSignal(staffed.bus.changed, timeout=30_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.recorded is not None and dialog.recorded.ref == NEXT_REF


def test_a_practitioner_records_only_as_themselves(qtbot: QtBot, staffed: AppContext) -> None:
    staffed.user, staffed.role = "Nurse Jo Lee", Role.PRACTITIONER
    dialog = open_dialog(qtbot, staffed)
    assert combo_items(dialog) == ["Nurse Jo Lee"]
    assert dialog.practitioner.currentText() == "Nurse Jo Lee"


def test_the_override_needs_a_real_reason_and_a_confirmation_naming_the_rules(
    qtbot: QtBot,
    ctx: AppContext,
    demo_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dialog = open_dialog(qtbot, ctx)
    qtbot.keyClicks(dialog.patient, "P-9102")
    line = dialog.practitioner.lineEdit()  # no accounts: free text
    assert line is not None
    qtbot.keyClicks(line, "Dr Amelia Hart")
    dialog.zone.setCurrentIndex(dialog.zone.findData("periorbital"))
    box = dialog.override
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert dialog.reason_hint.isVisible()
    qtbot.keyClicks(dialog.reason, "ok")
    assert "at least 15 characters and three words" in dialog.reason_hint.text()
    assert not dialog.reason_ok()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)  # the service says no
    assert dialog.error.text().startswith("Error: reason for overriding: too short")
    assert dialog.recorded is None

    dialog.reason.clear()
    qtbot.keyClicks(dialog.reason, REASON)
    assert dialog.reason_ok() and dialog.reason_hint.text() == "The reason will do."
    seen: list[str] = []

    def look_then_cancel(box: QMessageBox) -> None:
        seen.append(box.text())
        save_shot(box, "treatment_override_confirmation", tmp_path)
        box.button(QMessageBox.StandardButton.Cancel).click()

    script = answer(look_then_cancel)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    script.done()
    assert "• Under-eye use not approved" in seen[0] and REASON in seen[0]
    assert dialog.recorded is None and dialog.isVisible()

    def override(box: QMessageBox) -> None:
        next(
            b for b in box.buttons() if box.buttonRole(b) is QMessageBox.ButtonRole.AcceptRole
        ).click()

    script = answer(override)
    with qtbot.waitSignal(ctx.bus.changed, timeout=30_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    script.done()
    assert dialog.recorded is not None
    # The flag is listed as overridden, with who and why, and no longer counts as open.
    args = ["check", "--json", "--today", "2026-11-22", "--db", str(demo_db)]
    assert main(args) == 0
    flags = json.loads(capsys.readouterr().out)
    mine = [f for f in flags if f["treatment"] == NEXT_REF]
    assert mine and all(f["overridden"] == {"by": "tester", "reason": REASON} for f in mine)
    assert all(f["overridden"] is None for f in flags if f["treatment"] != NEXT_REF)


def test_escape_on_a_half_filled_treatment_asks_first(qtbot: QtBot, ctx: AppContext) -> None:
    untouched = open_dialog(qtbot, ctx)
    qtbot.keyClick(untouched, Qt.Key.Key_Escape)  # nothing entered: closes at once
    assert not untouched.isVisible()

    dialog = open_dialog(qtbot, ctx)
    qtbot.keyClicks(dialog.patient, "P-9103")
    questions: list[str] = []

    def keep(box: QMessageBox) -> None:
        questions.append(box.text())
        box.button(QMessageBox.StandardButton.Cancel).click()

    script = answer(keep)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    script.done()
    assert dialog.isVisible()
    assert questions == [
        f"Discard the treatment you started (patient P-9103, {VERDA})? It has not been recorded."
    ]

    script = answer(lambda box: box.button(QMessageBox.StandardButton.Discard).click())
    qtbot.mouseClick(
        dialog.buttons.button(dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )
    script.done()
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected
