"""The receive dialog on the real demo database, driven by keyboard like a scanner would."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from counting_helpers import answer
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from shots import save_shot
from sqlalchemy import select

from exodesk.cli import main
from exodesk.models import Product
from exodesk.ui.shell.context import AppContext
from exodesk.ui.stock.receive_dialog import ReceiveDialog
from exodesk.ui.stock.unknown_gtin import UnknownGtinBox

GS = "\x1d"
TODAY = dt.date(2026, 11, 22)
CELVIA, CELVIA_GTIN = "Celvia MSC-Exo Lyo 50", "08809531000129"
HAIREXO, HAIREXO_GTIN = "Hairexo Scalp Booster", "08809533002176"


@pytest.fixture
def dialog(qtbot: QtBot, ctx: AppContext) -> Iterator[ReceiveDialog]:
    widget = ReceiveDialog(ctx)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def type_gs(widget: QWidget) -> None:
    """What a scanner sends for FNC1: the ASCII 29 character. (QTest.keyClicks cannot type it:
    Qt's test library has no key for it and aborts, so the key event carries it as text.)"""
    QTest.sendKeyEvent(
        QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, GS, Qt.KeyboardModifier.NoModifier
    )


def scan(qtbot: QtBot, widget: QWidget, code: str) -> None:
    """Type a code as a keyboard-wedge scanner does, ending with Enter."""
    for i, part in enumerate(code.split(GS)):
        if i:
            type_gs(widget)
        qtbot.keyClicks(widget, part)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def stock(db: Path) -> dict[str, dict[str, Any]]:
    """Stock on hand by lot, as `exodesk stock --json` prints it."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["stock", "--json", "--db", str(db), "--today", TODAY.isoformat()]) == 0
    return {row["lot"]: row for row in json.loads(buffer.getvalue())}


def lines(dialog: ReceiveDialog) -> list[str]:
    items = dialog.received_list
    return [items.item(i).text() for i in range(items.count())]


def shoot(widget: QWidget, name: str, tmp_path: Path) -> None:
    shots = Path(os.environ.get("EXODESK_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(shots / name))


def test_three_boxes_in_a_row_one_a_conflict(
    qtbot: QtBot, dialog: ReceiveDialog, ctx: AppContext, demo_db: Path, tmp_path: Path
) -> None:
    assert QApplication.focusWidget() is dialog.scan_edit
    assert stock(demo_db)["HX-1004"]["on_hand"] == 40

    # Box 1: a new Celvia lot, with the DataMatrix prefix and a serial after a separator.
    scan(qtbot, dialog.scan_edit, f"]d201{CELVIA_GTIN}1728060010CV-7001A{GS}21SN-0001")
    assert dialog.product_combo.currentText() == CELVIA
    assert dialog.lot_edit.text() == "CV-7001A"
    assert dialog.expiry_edit.date() == QDate(2028, 6, 30)  # day 00: end of the month
    assert "serial SN-0001" in dialog.scan_info.text()
    assert dialog.lot_state.text().startswith("New lot CV-7001A")
    assert dialog.error_label.text() == ""
    assert QApplication.focusWidget() is dialog.quantity_spin  # count the vials next
    qtbot.keyClicks(dialog.quantity_spin, "4")
    with qtbot.waitSignal(ctx.bus.changed):
        qtbot.keyClick(dialog.quantity_spin, Qt.Key.Key_Return)  # Enter = Receive
    assert lines(dialog) == [
        f"Received 4 × {CELVIA} lot CV-7001A, exp 2028-06-30 → Fridge A · new lot, quarantine"
    ]
    assert dialog.isVisible()
    assert dialog.scan_edit.text() == ""
    assert QApplication.focusWidget() is dialog.scan_edit

    # Box 2: more of the same lot; no prefix, no separator, the lot last.
    scan(qtbot, dialog.scan_edit, f"01{CELVIA_GTIN}1728063010CV-7001A")
    assert dialog.lot_state.text() == (
        "Lot CV-7001A is on file (expiry 2028-06-30, 4 on hand in Fridge A, quarantine): "
        "these boxes are added to it."
    )
    assert not dialog.location_combo.isEnabled() and not dialog.status_combo.isEnabled()
    qtbot.keyClicks(dialog.quantity_spin, "2")
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)
    assert lines(dialog)[-1] == (
        f"Received 2 × {CELVIA} lot CV-7001A, exp 2028-06-30 → Fridge A · added to the lot, "
        "6 on hand"
    )
    assert dialog.isVisible() and QApplication.focusWidget() is dialog.scan_edit

    # Box 3: a Hairexo lot on file with expiry 2028-01-31, but this box says 2028-02-29.
    scan(qtbot, dialog.scan_edit, f"]d201{HAIREXO_GTIN}1728022910HX-1004")
    conflict = dialog.error_label.text()
    assert conflict.startswith("Error: lot HX-1004 of Hairexo Scalp Booster is on file")
    assert "2028-01-31" in conflict and "2028-02-29" in conflict
    assert conflict.endswith("Receive refuses a lot with two expiries.")
    assert dialog.lot_state.text() == (
        "Lot HX-1004 is on file (expiry 2028-01-31, 40 on hand in Fridge B, released)."
    )
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)  # refused again
    refused = dialog.error_label.text()
    assert "2028-01-31" in refused and "2028-02-29" in refused
    assert refused.endswith("Nothing was recorded.")
    assert len(lines(dialog)) == 2
    assert dialog.tally.text() == "2 receipts, 6 vials received"
    assert dialog.isVisible()
    QApplication.processEvents()  # let the layout fit the wrapped messages
    shoot(dialog, "receive_dialog.png", tmp_path)

    rows = stock(demo_db)
    assert {k: rows["CV-7001A"][k] for k in ("expiry", "location", "status", "on_hand")} == {
        "expiry": "2028-06-30",
        "location": "Fridge A",
        "status": "quarantine",
        "on_hand": 6,
    }
    assert (rows["HX-1004"]["expiry"], rows["HX-1004"]["on_hand"]) == ("2028-01-31", 40)


def test_the_scan_field_keeps_the_group_separator(qtbot: QtBot, dialog: ReceiveDialog) -> None:
    edit = dialog.scan_edit
    qtbot.keyClicks(edit, "10AB")
    type_gs(edit)
    qtbot.keyClicks(edit, "21")
    qtbot.keyClick(edit, Qt.Key.Key_BracketRight, Qt.KeyboardModifier.ControlModifier)  # Ctrl+]
    assert edit.text() == f"10AB{GS}21{GS}"


def test_an_unreadable_scan_says_why_inline(qtbot: QtBot, dialog: ReceiveDialog) -> None:
    scan(qtbot, dialog.scan_edit, "0108809531000120172806301" + "0L1")
    assert dialog.error_label.text() == (
        "Error: cannot read the scan: the check digit of GTIN 08809531000120 is wrong (it "
        "should end in 9): scan again, or type the code from the box"
    )
    assert dialog.scan_edit.selectedText() == dialog.scan_edit.text()  # the next scan replaces
    scan(qtbot, dialog.scan_edit, f"01{CELVIA_GTIN}1726130110L1")
    assert dialog.error_label.text() == (
        "Error: cannot read the scan: expiry 26-13-01 is not a date"
    )
    assert dialog.received == [] and lines(dialog) == []


def _cancel(box: QMessageBox) -> None:
    assert isinstance(box, QMessageBox), box
    box.button(QMessageBox.StandardButton.Cancel).click()


def _role(role: QMessageBox.ButtonRole) -> Callable[[QMessageBox], None]:
    def click(box: QMessageBox) -> None:
        assert isinstance(box, QMessageBox), box
        next(b for b in box.buttons() if box.buttonRole(b) is role).click()

    return click


def test_an_unknown_gtin_is_offered_and_another_product_needs_a_confirmation(
    qtbot: QtBot, dialog: ReceiveDialog, demo_db: Path, tmp_path: Path
) -> None:
    offers: list[UnknownGtinBox] = []

    def look_then_cancel(box: QMessageBox) -> None:
        assert isinstance(box, UnknownGtinBox)
        offers.append(box)
        assert "No product has the GTIN 04006381333931" in box.text()
        assert box.assign_button.isEnabled() and box.create_button.isEnabled()  # no accounts
        box.resize(600, 200)
        save_shot(box, "receive_unknown_gtin_offer", tmp_path)
        _cancel(box)

    script = answer(look_then_cancel)
    scan(qtbot, dialog.scan_edit, "]d20104006381333931" + "1728063010NEW-1")
    script.done()
    assert offers and dialog.product_combo.currentIndex() == -1
    assert "04006381333931 · not on file for any product: pick the product" in (
        dialog.scan_info.text()
    )
    assert dialog.focusWidget() is dialog.product_combo  # (offscreen: the window stays inactive)
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "Error: product: choose the product"
    dialog.product_combo.setCurrentIndex(dialog.product_combo.findText(HAIREXO))
    # Not silently: receiving under Hairexo (another GTIN) asks first; Cancel records nothing.
    script = answer(_cancel)
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)
    script.done()
    assert lines(dialog) == [] and "NEW-1" not in stock(demo_db)
    script = answer(_role(QMessageBox.ButtonRole.YesRole))
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)
    script.done()
    assert lines(dialog) == [
        f"Received 1 × {HAIREXO} lot NEW-1, exp 2028-06-30 → Fridge A · new lot, quarantine"
    ]
    assert stock(demo_db)["NEW-1"]["product"] == HAIREXO


def test_an_unknown_gtin_can_be_assigned_to_a_product_without_one(
    qtbot: QtBot, dialog: ReceiveDialog, ctx: AppContext, demo_db: Path
) -> None:
    with ctx.db.write() as session:
        session.scalars(select(Product).where(Product.name == HAIREXO)).one().gtin = None

    def pick_hairexo(box: QInputDialog) -> None:
        assert isinstance(box, QInputDialog), box
        assert HAIREXO in box.comboBoxItems() and CELVIA not in box.comboBoxItems()
        box.setTextValue(HAIREXO)
        box.accept()

    script = answer(_role(QMessageBox.ButtonRole.ActionRole), pick_hairexo)
    scan(qtbot, dialog.scan_edit, "]d20104006381333931" + "1728063010NEW-2")
    script.done()
    assert dialog.product_combo.currentText() == HAIREXO
    with ctx.db.read() as session:
        assert session.scalars(select(Product.gtin).where(Product.name == HAIREXO)).one() == (
            "04006381333931"
        )
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)  # its own GTIN now
    assert stock(demo_db)["NEW-2"]["product"] == HAIREXO


def test_typing_a_delivery_by_hand(qtbot: QtBot, dialog: ReceiveDialog, demo_db: Path) -> None:
    dialog.product_combo.setFocus()
    qtbot.keyClicks(dialog.product_combo, "Verda")  # keyboard search in the list
    assert dialog.product_combo.currentText() == "Verda Centella Exosome Cream"
    qtbot.keyClicks(dialog.lot_edit, "VC-1301")
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text() == "Error: expiry: enter the expiry date printed on the box"
    assert QApplication.focusWidget() is dialog.expiry_edit
    dialog.expiry_edit.setDate(QDate(2028, 1, 31))
    dialog.quantity_spin.setFocus()
    dialog.quantity_spin.selectAll()
    qtbot.keyClicks(dialog.quantity_spin, "12")
    location = dialog.location_combo
    location.setCurrentIndex(location.findText("Treatment room fridge"))
    location.activated.emit(location.currentIndex())  # as when the user picks it
    status = dialog.status_combo
    status.setCurrentIndex(status.findData("released"))
    status.activated.emit(status.currentIndex())
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)
    assert lines(dialog) == [
        "Received 12 × Verda Centella Exosome Cream lot VC-1301, exp 2028-01-31 → Treatment "
        "room fridge · new lot, released"
    ]
    row = stock(demo_db)["VC-1301"]
    assert (row["on_hand"], row["status"], row["location"]) == (
        12,
        "released",
        "Treatment room fridge",
    )
    # The choices for a new lot stay for the next box; the lot details are cleared.
    assert (dialog.location_combo.currentText(), dialog.status_combo.currentData()) == (
        "Treatment room fridge",
        "released",
    )
    assert dialog.lot_edit.text() == "" and dialog.expiry_edit.text() == "not set"


def test_an_expired_lot_is_refused(qtbot: QtBot, dialog: ReceiveDialog, demo_db: Path) -> None:
    scan(qtbot, dialog.scan_edit, f"01{CELVIA_GTIN}1726103110CV-OLD")
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.text().startswith(
        "Error: expiry: this lot expired on 2026-10-31, before it was received on 2026-11-22"
    )
    assert "CV-OLD" not in stock(demo_db)


def scan_into_focus(qtbot: QtBot, code: str) -> None:
    """A scanner types into whatever has the keyboard focus, key by key."""
    for char in code:
        focus = QApplication.focusWidget()
        assert focus is not None
        qtbot.keyClicks(focus, char)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)


@pytest.mark.parametrize("delivery", ["to the focus", "all to the quantity box"])
@pytest.mark.parametrize("prefix", ["", "]d2"])
def test_a_scan_into_the_quantity_box_goes_to_the_scan_field(
    qtbot: QtBot, dialog: ReceiveDialog, delivery: str, prefix: str
) -> None:
    """The next box scanned before Receive was pressed must not become a quantity."""
    scan(qtbot, dialog.scan_edit, f"01{CELVIA_GTIN}1728063010CV-7001A")
    assert QApplication.focusWidget() is dialog.quantity_spin
    code = f"{prefix}01{HAIREXO_GTIN}1728013110HX-1004"
    if delivery == "to the focus":
        scan_into_focus(qtbot, code)
    else:
        scan(qtbot, dialog.quantity_spin, code)
    assert dialog.quantity_spin.value() == 1
    assert dialog.scan_edit.text() == code
    assert dialog.product_combo.currentText() == HAIREXO
    assert dialog.lot_edit.text() == "HX-1004"
    assert dialog.received == []
    # A real count typed into the quantity box is still a count.
    qtbot.keyClicks(dialog.quantity_spin, "10")
    assert dialog.quantity_spin.value() == 10


def test_escape_closes_the_dialog(qtbot: QtBot, dialog: ReceiveDialog) -> None:
    qtbot.keyClick(dialog.scan_edit, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
