"""A day of GUI work on the demo clinic, through the real widgets, then `exodesk audit verify`
on the database says the trail is intact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from counting_helpers import answer
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from exodesk.models.enums import LotStatus
from exodesk.services.catalogue.products import get_product
from exodesk.services.counts.counts import close_count, record_count, start_count
from exodesk.services.stock.lots import StockFilter, lot_lines, stock_ids
from exodesk.ui.catalogue.products_view import ProductsView
from exodesk.ui.stock.lot_dialogs import LotStatusDialog, WasteDialog
from exodesk.ui.stock.receive_dialog import ReceiveDialog
from exodesk.ui.treatments.treatment_dialog import TreatmentDialog


def override_and_record(box: QMessageBox) -> None:
    assert isinstance(box, QMessageBox), box
    roles = {box.buttonRole(b): b for b in box.buttons()}
    roles[QMessageBox.ButtonRole.AcceptRole].click()


def _line(ctx: Any, lot: str) -> Any:
    with ctx.db.read() as session:
        ids = stock_ids(session, StockFilter(search=lot))
        return lot_lines(session, ids)[0]


def test_a_day_of_work_keeps_the_audit_trail_intact(qtbot: QtBot, ctx: Any, demo_db: Path) -> None:
    # Morning: a delivery is scanned in.
    with ctx.db.read() as session:
        gtin = get_product(session, "Celvia MSC-Exo Lyo 50").gtin
    receive = ReceiveDialog(ctx)
    qtbot.addWidget(receive)
    receive.show()
    qtbot.keyClicks(receive.scan_edit, f"01{gtin}1728063010CV-DAY1")
    qtbot.keyClick(receive.scan_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(receive.quantity_spin, "5")
    qtbot.mouseClick(receive.receive_button, Qt.MouseButton.LeftButton)
    assert receive.received and receive.received[-1].lot == "CV-DAY1"

    # The lot is released once its certificate of analysis is checked.
    release = LotStatusDialog(ctx, _line(ctx, "CV-DAY1"))
    qtbot.addWidget(release)
    release.status.setCurrentIndex(release.status.findData(LotStatus.RELEASED))
    assert not release.without_coa.isHidden()  # no CoA on file for CV-DAY1: an admin's reason
    release.without_coa.setChecked(True)
    release.reason.setPlainText("CoA checked on the supplier's portal, copy to follow")
    release.buttons.accepted.emit()
    assert _line(ctx, "CV-DAY1").status is LotStatus.RELEASED

    # A treatment that needs an override.
    treat = TreatmentDialog(ctx, product="Verda Centella Exosome Cream")
    qtbot.addWidget(treat)
    treat.show()
    qtbot.keyClicks(treat.patient, "P-7001")
    line_edit = treat.practitioner.lineEdit()
    assert line_edit is not None
    qtbot.keyClicks(line_edit, "Dr Amelia Hart")
    treat.zone.setCurrentIndex(treat.zone.findData("periorbital"))
    qtbot.mouseClick(
        treat.override, Qt.MouseButton.LeftButton, pos=QPoint(8, treat.override.height() // 2)
    )
    qtbot.keyClicks(treat.reason, "Allergic to the approved product")
    script = answer(override_and_record)
    qtbot.mouseClick(treat.save_button, Qt.MouseButton.LeftButton)
    script.done()
    assert treat.recorded is not None

    # A product's class is corrected in the catalogue.
    products = ProductsView(ctx)
    qtbot.addWidget(products)
    products.reload()
    products.select("Rosalis Callus Exosome Cream")
    editor = products.editor
    editor.regulatory_class.setCurrentIndex(editor.regulatory_class.findData("cosmetic"))
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert editor.status.text() == "Saved."

    # A cracked vial, and an end-of-day spot count of Fridge B.
    waste = WasteDialog(ctx, _line(ctx, "VC-0630"))
    qtbot.addWidget(waste)
    waste.reason.setPlainText("vial cracked")
    waste.buttons.accepted.emit()
    with ctx.db.write() as session:
        count_id = start_count(session, location="Fridge B", today=ctx.today(), user=ctx.user)
        record_count(session, count_id, "Hairexo Scalp Booster", "HX-1004", 39, user=ctx.user)
    with ctx.db.write() as session:
        close_count(session, count_id, reason="spot check", today=ctx.today(), user=ctx.user)

    result = subprocess.run(
        [sys.executable, "-m", "exodesk", "audit", "verify", "--db", str(demo_db)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Audit trail intact" in result.stdout
    checked = int(result.stdout.split(": ")[1].split(" ")[0])
    assert checked > 311  # the demo's events plus the day's
