"""Correct… for a lot (from the Stock list's context menu and the lot card) and for a movement
(from the lot card's history): the record's own dialog filled in, and saving voids the old
record and writes the new one in one go (screenshots at 1024x768)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.models import MovementKind, Role
from exodesk.models.vocabulary import CORRECT_SAME_LOT
from exodesk.services.audit.verify import verify_trail
from exodesk.services.stock.lots import record_waste
from exodesk.services.stock.on_hand import stock_on_hand
from exodesk.services.stock.receiving import receive_delivery
from exodesk.services.treatments.cards import lot_card
from exodesk.ui.labels import print_label
from exodesk.ui.labels.print_label import LabelDialog
from exodesk.ui.shell.context import AppContext
from exodesk.ui.stock.lot_card import LotCardDialog
from exodesk.ui.stock.lot_dialogs import WasteDialog
from exodesk.ui.stock.receive_dialog import ReceiveDialog
from exodesk.ui.stock.stock_view import StockView

PRODUCT = "Celvia MSC-Exo Lyo 50"
SCREEN = (1024, 768)


def on_hand(ctx: AppContext) -> dict[str, int]:
    with ctx.db.read() as s:
        return {r.lot: r.on_hand for r in stock_on_hand(s) if r.product == PRODUCT}


def receive_typo(ctx: AppContext) -> None:
    with ctx.db.write() as s:
        receive_delivery(
            s,
            product=PRODUCT,
            lot="TYPO-001",
            expiry=dt.date(2027, 6, 30),
            quantity=4,
            location=None,
            received=ctx.today(),
            user="tester",
        )


def used_lot(ctx: AppContext) -> str:
    """A lot of PRODUCT that has a use on file (so it cannot be corrected)."""
    with ctx.db.read() as s:
        for code in on_hand(ctx):
            if any(
                h.kind is MovementKind.USE for h in lot_card(s, PRODUCT, code, ctx.today()).history
            ):
                return code
    raise AssertionError("the demo clinic has no used lot of this product")


@pytest.fixture
def stock(qtbot: QtBot, ctx: AppContext) -> StockView:
    view = StockView(ctx)
    qtbot.addWidget(view)
    view.resize(*SCREEN)
    view.show()
    return view


def test_a_lot_is_corrected_from_the_stock_lists_menu(
    stock: StockView, qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    receive_typo(ctx)
    stock.select((PRODUCT, "TYPO-001"))
    qtbot.waitUntil(lambda: stock.selected() is not None, timeout=30_000)
    entries = {text.replace("&", ""): enabled for text, _, enabled in stock.menu_entries()}
    assert entries["Correct the lot…"]
    dialog = stock.correct_selected()
    assert isinstance(dialog, ReceiveDialog) and dialog.correction is not None
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == f"Correct lot TYPO-001 of {PRODUCT}"
    assert dialog.product_combo.currentText() == PRODUCT
    assert dialog.lot_edit.text() == "TYPO-001"
    assert dialog.expiry_edit.date().toPython() == dt.date(2027, 6, 30)
    assert dialog.quantity_spin.value() == 4
    assert not dialog.session_box.isVisible()
    assert "being corrected" in dialog.lot_state.text()
    dialog.resize(*SCREEN)
    save_shot(dialog, "lot_correction_dialog", tmp_path)

    qtbot.keyClicks(dialog.correction.reason, "lot number typed wrong")
    dialog.lot_edit.setText("TYPO-010")
    dialog.lot_edit.editingFinished.emit()
    assert dialog.lot_state.text().startswith("New lot TYPO-010")
    dialog.quantity_spin.setValue(3)
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), dialog.error_label.text()
    assert dialog.corrected is not None and dialog.corrected.voided == f"{PRODUCT} / TYPO-001"
    stock_now = on_hand(ctx)
    assert "TYPO-001" not in stock_now and stock_now["TYPO-010"] == 3
    with ctx.db.read() as s:
        card = lot_card(s, PRODUCT, "TYPO-001", ctx.today())
    assert card.void is not None and "lot number typed wrong" in card.void.reason


def test_a_lot_corrected_in_place_from_the_stock_list_says_what_changed(
    stock: StockView, qtbot: QtBot, ctx: AppContext
) -> None:
    receive_typo(ctx)
    stock.select((PRODUCT, "TYPO-001"))
    qtbot.waitUntil(lambda: stock.selected() is not None, timeout=30_000)
    dialog = stock.correct_selected()
    assert isinstance(dialog, ReceiveDialog) and dialog.correction is not None
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.correction.reason, "five vials in the box, not four")
    dialog.quantity_spin.setValue(5)
    with qtbot.waitSignal(stock.status_message) as said:
        qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)
    assert said.args == [f"Lot TYPO-001 of {PRODUCT} corrected: vials received 4 → 5."]
    assert on_hand(ctx)["TYPO-001"] == 5


def test_a_used_lot_is_corrected_in_place_but_not_renumbered(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    code = used_lot(ctx)
    card = LotCardDialog(ctx, PRODUCT, code)
    qtbot.addWidget(card)
    card.resize(*SCREEN)
    card.show()
    before = card.card
    assert card.correct_lot_button.isEnabled()
    dialog = card.correct_lot()
    assert isinstance(dialog, ReceiveDialog) and dialog.correction is not None
    qtbot.waitExposed(dialog)
    dialog.resize(*SCREEN)
    assert dialog.receive_button.isEnabled() and dialog.error_label.text() == ""
    assert dialog.lot_state.text() == CORRECT_SAME_LOT

    # another number would void the lot: its uses refuse that
    dialog.lot_edit.setText(f"{code}-X")
    dialog.lot_edit.editingFinished.emit()
    assert not dialog.receive_button.isEnabled()
    assert "void those first" in dialog.error_label.text()
    dialog.lot_edit.setText(code)
    dialog.lot_edit.editingFinished.emit()
    assert dialog.receive_button.isEnabled() and dialog.error_label.text() == ""

    # the same number: the expiry and the vials received are corrected in place
    new_expiry = before.expiry + dt.timedelta(days=30)
    dialog.expiry_edit.setDate(new_expiry)
    dialog.quantity_spin.setValue(before.received_quantity + 2)
    qtbot.keyClicks(dialog.correction.reason, "expiry misread from the label")
    save_shot(dialog, "lot_correction_in_place", tmp_path)
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), dialog.error_label.text()
    assert dialog.corrected is None and dialog.corrected_in_place is not None
    after = card.card  # the card reloaded
    assert after.void is None and after.expiry == new_expiry
    assert after.on_hand == before.on_hand + 2
    assert [h.ref for h in after.history] == [h.ref for h in before.history]
    assert card.windowTitle() == before_title(code)
    assert card.notice.isVisible()
    assert f"expiry {before.expiry.isoformat()} → {new_expiry.isoformat()}" in card.notice.text()
    save_shot(card, "lot_card_after_correction_in_place", tmp_path)
    with ctx.db.read() as s:
        result = verify_trail(s)
    assert result.intact, [f.text for f in result.findings if f.serious]


def before_title(code: str) -> str:
    return f"Lot {code} of {PRODUCT}"


def test_a_used_lot_cannot_be_corrected_by_a_practitioner(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    code = used_lot(ctx)
    card = LotCardDialog(ctx, PRODUCT, code)
    qtbot.addWidget(card)
    assert card.correct_lot_button.isEnabled()
    ctx.role = Role.PRACTITIONER
    card.reload()
    assert not card.correct_lot_button.isEnabled()


def test_a_waste_is_corrected_from_the_lot_cards_history(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    code = used_lot(ctx)
    with ctx.db.write() as s:
        ref = record_waste(
            s, PRODUCT, code, 2, reason="two vials dropped", on=ctx.today(), user="tester"
        )
    before = on_hand(ctx)[code]
    card = LotCardDialog(ctx, PRODUCT, code)
    qtbot.addWidget(card)
    card.resize(*SCREEN)
    card.show()
    qtbot.waitExposed(card)
    row = next(i for i, h in enumerate(card.card.history) if h.ref == ref)
    card.history_table.selectRow(row)
    assert card.correct_line_button.isEnabled()
    labels = [text.replace("&", "") for text, _, _ in card.menu_entries()]
    assert f"Correct movement {ref}…" in labels and "Correct the lot…" in labels
    save_shot(card, "lot_card_with_corrections", tmp_path)

    dialog = card.correct_line()
    assert isinstance(dialog, WasteDialog) and dialog.correction is not None
    qtbot.waitExposed(dialog)
    assert dialog.windowTitle() == f"Correct waste {ref}"
    assert dialog.vials.value() == 2
    assert dialog.reason.toPlainText() == "two vials dropped"
    save_shot(dialog, "movement_correction_dialog", tmp_path)
    assert card.correction is not None
    dialog.vials.setValue(1)
    dialog.reason.setPlainText("one vial dropped")
    qtbot.keyClicks(card.correction.reason, "only one vial broke")
    dialog._save()
    assert not dialog.isVisible(), dialog.error.text()
    assert on_hand(ctx)[code] == before + 1
    old = next(h for h in card.card.history if h.ref == ref)
    assert old.void is not None and "only one vial broke" in old.void.reason
    new = [h for h in card.card.history if h.kind is MovementKind.WASTE and h.void is None]
    assert [h.quantity for h in new if h.detail == "one vial dropped"] == [-1]
    struck = card.history.index(row, 1).data(Qt.ItemDataRole.FontRole)
    assert struck is not None and struck.strikeOut()


# -- labels: from the lot card, and for each box received ----------------------------------

CELVIA_GTIN = "08809531000129"


@pytest.fixture
def labels(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[LabelDialog]:
    """Label dialogs opened, each printed at once through Qt's print dialog (accepted, to a
    PDF at tmp_path/label-N.pdf): the dialog and the printing are the real ones."""
    shown: list[LabelDialog] = []

    def pdf_printer() -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / f"label-{len(shown)}.pdf"))
        return printer

    def opened(self: LabelDialog) -> int:
        shown.append(self)
        assert self.print_label() is True
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(print_label, "new_printer", pdf_printer)
    monkeypatch.setattr(QPrintDialog, "exec", lambda _self: QPrintDialog.DialogCode.Accepted)
    monkeypatch.setattr(LabelDialog, "exec", opened)
    return shown


def texts(dialog: LabelDialog) -> list[str]:
    return [line.text for line in dialog.content.lines]


def test_the_lot_cards_print_label_opens_the_lots_label(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path, labels: list[LabelDialog]
) -> None:
    code = used_lot(ctx)
    card = LotCardDialog(ctx, PRODUCT, code)
    qtbot.addWidget(card)
    card.resize(*SCREEN)
    card.show()
    qtbot.waitExposed(card)
    entries = {text.replace("&", ""): (call, on) for text, call, on in card.menu_entries()}
    call, enabled = entries["Print label…"]
    assert enabled and card.print_label_button.isEnabled()
    save_shot(card, "lot_card_print_label", tmp_path)
    qtbot.mouseClick(card.print_label_button, Qt.MouseButton.LeftButton)
    [dialog] = labels
    qtbot.addWidget(dialog)
    lot = card.card
    assert dialog.content.title == PRODUCT
    assert texts(dialog) == [
        f"Lot: {code}",
        f"Exp: {lot.expiry.isoformat()}",
        f"Received: {lot.received.isoformat() if lot.received else ''}",
        f"GTIN: {CELVIA_GTIN}",
    ]
    assert dialog.content.code_caption == (
        f"(01){CELVIA_GTIN}(17){lot.expiry.strftime('%y%m%d')}(10){code}"
    )
    assert (tmp_path / "label-1.pdf").stat().st_size > 1000  # printed
    dialog.show()
    save_shot(dialog, "lot_card_label_dialog", tmp_path)
    call()  # the context menu's entry opens it too
    assert len(labels) == 2 and texts(labels[1]) == texts(dialog)


def test_a_label_for_each_box_received_when_asked_remembered(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path, labels: list[LabelDialog]
) -> None:
    dialog = ReceiveDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.resize(*SCREEN)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.print_labels.isVisible() and not dialog.print_labels.isChecked()
    qtbot.keyClicks(dialog.scan_edit, f"01{CELVIA_GTIN}1728063010CV-7777")
    qtbot.keyClick(dialog.scan_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.quantity_spin, "2")
    qtbot.keyClick(dialog.quantity_spin, Qt.Key.Key_Return)
    assert on_hand(ctx)["CV-7777"] == 2 and labels == []  # not asked: no label

    dialog.print_labels.setFocus()
    qtbot.keyClick(dialog.print_labels, Qt.Key.Key_Space)
    assert dialog.print_labels.isChecked()
    save_shot(dialog, "receive_dialog_with_labels", tmp_path)
    dialog.scan_edit.setFocus()
    qtbot.keyClicks(dialog.scan_edit, f"01{CELVIA_GTIN}1728063010CV-7778")
    qtbot.keyClick(dialog.scan_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.quantity_spin, "3")
    qtbot.keyClick(dialog.quantity_spin, Qt.Key.Key_Return)
    assert on_hand(ctx)["CV-7778"] == 3
    [label] = labels
    qtbot.addWidget(label)
    assert texts(label) == [
        "Lot: CV-7778",
        "Exp: 2028-06-30",
        f"Received: {ctx.today().isoformat()}",
        f"GTIN: {CELVIA_GTIN}",
    ]
    assert label.content.code_caption == f"(01){CELVIA_GTIN}(17)280630(10)CV-7778"
    assert dialog.scan_edit.hasFocus() or dialog.focusWidget() is dialog.scan_edit

    again = ReceiveDialog(ctx)  # remembered
    qtbot.addWidget(again)
    assert again.print_labels.isChecked()
    again.print_labels.setChecked(False)
    assert not ReceiveDialog(ctx).print_labels.isChecked()
