"""The treatment dialog on the demo clinic, driven offscreen: live findings, a block refused
and then overridden with a reason, warnings that do not stop, errors shown in plain words."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from counting_helpers import answer
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QLabel, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from exodesk.cli import main
from exodesk.models import AuditEvent, Severity
from exodesk.ui.common import severity
from exodesk.ui.shell.context import AppContext
from exodesk.ui.treatments.treatment_dialog import NO_USABLE_LOT, TreatmentDialog

VERDA = "Verda Centella Exosome Cream"
CELVIA = "Celvia MSC-Exo Lyo 50"
HAIREXO = "Hairexo Scalp Booster"
ROSALIS = "Rosalis Callus Exosome Cream"
PLACELUX = "PlaceLux Exo Lyo"
NEXT_REF = "T-0208"  # the demo holds T-0001 .. T-0207


def shot(widget: QWidget, tmp_path: Path, name: str) -> None:
    shots = Path(os.environ.get("EXODESK_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(shots / name))


def override_and_record(box: QMessageBox) -> None:
    assert isinstance(box, QMessageBox), box
    roles = {box.buttonRole(b): b for b in box.buttons()}
    roles[QMessageBox.ButtonRole.AcceptRole].click()


def open_dialog(qtbot: QtBot, ctx: AppContext, product: str | None = None) -> TreatmentDialog:
    dialog = TreatmentDialog(ctx, product=product)
    # Closed at the end without asking whether to discard what the test typed.
    qtbot.addWidget(dialog, before_close_func=lambda d: d.done(QDialog.DialogCode.Rejected))
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def choose(combo: QComboBox, data: str) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def items(combo: QComboBox) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def findings_text(dialog: TreatmentDialog) -> list[str]:
    widget = dialog.findings_list
    return [widget.item(i).text() for i in range(widget.count())]


def trace(db: Path, product: str, lot: str, capsys: pytest.CaptureFixture[str]) -> Any:
    assert main(["trace", product, lot, "--json", "--db", str(db)]) == 0
    return json.loads(capsys.readouterr().out)


def tick(qtbot: QtBot, box: QCheckBox) -> None:
    """Click the box's indicator (the widget may be wider than its text)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def fill(qtbot: QtBot, dialog: TreatmentDialog, patient: str = "P-9001") -> None:
    qtbot.keyClicks(dialog.patient, patient)
    line = dialog.practitioner.lineEdit()
    assert line is not None
    qtbot.keyClicks(line, "Dr Amelia Hart")


def test_block_is_refused_then_overridden_with_a_reason(
    qtbot: QtBot,
    ctx: AppContext,
    demo_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dialog = open_dialog(qtbot, ctx, VERDA)
    fill(qtbot, dialog)
    assert (
        dialog.lot.currentText() == "VC-0630 — exp 2027-02-10 — 12 on hand — Treatment room fridge"
    )
    assert findings_text(dialog) == []
    assert "No findings" in dialog.summary.text()
    assert not dialog.override.isEnabled()

    choose(dialog.zone, "periorbital")  # Verda is not approved under the eyes
    shown = findings_text(dialog)
    assert len(shown) == 1
    assert shown[0].startswith(f"BLOCK: Treatment {NEXT_REF} on 2026-11-22 used {VERDA}")
    assert "not approved for periorbital use" in shown[0]
    assert "Save is refused" in dialog.summary.text()
    assert dialog.override.isEnabled() and not dialog.reason.isEnabled()
    shot(dialog, tmp_path, "treatment_dialog_blocked.png")

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.error.isVisible()
    assert dialog.error.text().startswith("Error: Save refused: this treatment has 1 block finding")
    assert "(Under-eye use not approved)" in dialog.error.text()
    assert "Override the block findings" in dialog.error.text()
    assert all(r["patient"] != "P-9001" for r in trace(demo_db, VERDA, "VC-0630", capsys))

    tick(qtbot, dialog.override)
    assert dialog.override.isChecked() and dialog.reason.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "write the reason for overriding" in dialog.error.text()
    assert dialog.isVisible()

    reason = "Patient allergic to the approved product; agreed with Dr Park"
    qtbot.keyClicks(dialog.reason, reason)
    shot(dialog, tmp_path, "treatment_dialog_override.png")
    script = answer(override_and_record)
    with qtbot.waitSignal(ctx.bus.changed, timeout=30_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    script.done()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.recorded is not None and dialog.recorded.ref == NEXT_REF
    assert dialog.recorded.overridden == ("periorbital_not_approved",)

    rows = [r for r in trace(demo_db, VERDA, "VC-0630", capsys) if r["ref"] == NEXT_REF]
    assert rows == [
        {
            "ref": NEXT_REF,
            "date": "2026-11-22",
            "patient": "P-9001",
            "practitioner": "Dr Amelia Hart",
            "route": "topical_post_procedure",
            "zone": "periorbital",
            "vials": 1,
        }
    ]
    with ctx.db.read() as session:
        audit = session.scalars(select(AuditEvent).where(AuditEvent.record_key == NEXT_REF)).all()
    assert {a.reason for a in audit} == {reason}
    assert {a.user for a in audit} == {"tester"}
    overridden = next(a for a in audit if a.field == "overridden_blocks")
    assert "periorbital_not_approved" in (overridden.new or "")
    # The flag now shows in the clinic's compliance check, with its ref.
    assert main(["check", "--json", "--today", "2026-11-22", "--db", str(demo_db)]) == 0
    flags = json.loads(capsys.readouterr().out)
    assert any(f["treatment"] == NEXT_REF for f in flags)


def test_lots_are_first_expiry_first_and_an_empty_choice_is_explained(
    qtbot: QtBot, ctx: AppContext
) -> None:
    dialog = open_dialog(qtbot, ctx, CELVIA)
    assert items(dialog.lot) == [
        "CV-3012B — exp 2026-12-27 — 3 on hand — Fridge A",
        "CV-5118C — exp 2028-01-31 — 20 on hand — Treatment room fridge",
        "CV-5907A — exp 2028-04-30 — 20 on hand — Fridge A",
    ]  # CV-1170A expired, CV-6233B is in quarantine
    assert dialog.lot.isEnabled() and dialog.lot_note.isHidden()
    texts = findings_text(dialog)
    assert [t.split(":")[0] for t in texts] == ["WARN", "INFO"]
    assert "does not stop" in dialog.summary.text() or "do not stop" in dialog.summary.text()

    dialog.product.setCurrentIndex(dialog.product.findText(ROSALIS))
    assert dialog.lot.count() == 0 and not dialog.lot.isEnabled()
    assert dialog.lot_note.isVisible() and dialog.lot_note.text() == NO_USABLE_LOT
    assert findings_text(dialog)[0].startswith("BLOCK: Rosalis Callus Exosome Cream: the supplier")
    qtbot.keyClicks(dialog.patient, "P-1")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text().startswith(
        f"Error: lot: {ROSALIS} has no usable lot (all expired, unreleased or empty)\n"
    )


def test_the_route_follows_the_product_and_the_lots_follow_the_date(
    qtbot: QtBot, ctx: AppContext
) -> None:
    dialog = open_dialog(qtbot, ctx, HAIREXO)
    assert dialog.route.currentData() == "topical_post_procedure"
    choose(dialog.route, "intradermal")
    assert "BLOCK" in findings_text(dialog)[0]  # intradermal is outside Hairexo's IFU
    dialog.product.setCurrentIndex(dialog.product.findText(CELVIA))
    assert dialog.route.currentData() == "intradermal"  # allowed for Celvia: kept
    dialog.date.setDate(dialog.date.date().addDays(-30))  # CV-1170A was good then
    assert dialog.lot.itemData(0) == "CV-1170A"
    assert dialog.date.maximumDate() == dialog.date.date().addDays(30)


def test_product_and_treatment_findings_are_listed_most_severe_first(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, ctx, PLACELUX)
    fill(qtbot, dialog, "P-9003")
    choose(dialog.zone, "periorbital")
    texts = findings_text(dialog)
    assert [t.split(":")[0] for t in texts] == ["BLOCK", "BLOCK", "BLOCK", "WARN"]
    assert "CE certificate (CE 2874-MDD-2209) expired on 2026-10-13" in texts[0]
    assert "declared a class IIa medical device" in texts[1]
    assert "periorbitally" in texts[2]
    assert "human placenta material" in texts[3]
    assert dialog.summary.text().startswith("3 block · 1 warn · 0 info.")
    item = dialog.findings_list.item(0)
    assert not item.icon().isNull()
    assert item.background().color() == severity.BACKGROUND[Severity.BLOCK]
    shot(dialog, tmp_path, "treatment_dialog_findings.png")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert (
        "3 block findings (Certificate expired, Human-derived device not class III, "
        "Under-eye use not approved)"
    ) in (dialog.error.text())
    tick(qtbot, dialog.override)
    qtbot.keyClicks(dialog.reason, "x")
    assert dialog.error.isHidden()  # a stale refusal goes once the user acts on it


def test_warnings_are_shown_but_do_not_stop_saving(
    qtbot: QtBot, ctx: AppContext, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dialog = open_dialog(qtbot, ctx, HAIREXO)
    fill(qtbot, dialog, "P-9002")
    choose(dialog.route, "subdermal_scalp")
    choose(dialog.zone, "scalp")
    dialog.vials.setValue(2)
    assert [t.split(":")[0] for t in findings_text(dialog)] == ["WARN", "WARN", "WARN"]
    assert not dialog.override.isEnabled()
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    rows = trace(demo_db, HAIREXO, "HX-0870", capsys)
    assert rows[-1]["patient"] == "P-9002" and rows[-1]["vials"] == 2


def test_errors_are_shown_in_plain_words(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = open_dialog(qtbot, ctx, CELVIA)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == (
        "Error: patient reference: must not be empty\npractitioner: must not be empty"
    )
    fill(qtbot, dialog)
    dialog.vials.setValue(4)  # CV-3012B has 3 on hand
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text().startswith("Error: ")
    assert "below zero" in dialog.error.text()
    assert dialog.isVisible()


def test_every_field_has_a_mnemonic_label_and_escape_closes(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = open_dialog(qtbot, ctx)
    assert dialog.product.currentIndex() == -1
    assert "Choose a product" in dialog.summary.text()
    labels = [label for label in dialog.findChildren(QLabel) if label.buddy() is not None]
    buddies = {label.buddy() for label in labels}
    for field in (
        dialog.patient,
        dialog.practitioner,
        dialog.date,
        dialog.product,
        dialog.lot,
        dialog.route,
        dialog.zone,
        dialog.vials,
        dialog.findings_list,
        dialog.reason,
    ):
        assert field in buddies
    keys = [label.text().split("&")[1][0].lower() for label in labels]
    keys += ["o", "s"]  # the override box and Save
    assert len(keys) == len(set(keys)), keys
    assert dialog.save_button.isDefault()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()


def test_tab_walks_the_form_in_reading_order(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = open_dialog(qtbot, ctx, VERDA)
    choose(dialog.zone, "periorbital")
    tick(qtbot, dialog.override)
    dialog.patient.setFocus()
    order: list[QWidget] = []
    for _ in range(16):  # Tab also steps through the date's year, month and day
        focused = dialog.focusWidget()
        assert focused is not None
        if not order or order[-1] is not focused:
            order.append(focused)
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
    assert order[:13] == [
        dialog.patient,
        dialog.practitioner,
        dialog.date,
        dialog.time,
        dialog.product,
        dialog.lot,
        dialog.route,
        dialog.zone,
        dialog.vials,
        dialog.findings_list,
        dialog.override,
        dialog.reason,
        dialog.save_button,
    ], [type(w).__name__ for w in order]
