"""Correct… for a lot (from the Stock list's context menu and the lot card) and for a movement
(from the lot card's history): the record's own dialog filled in, and saving voids the old
record and writes the new one in one go (screenshots at 1024x768)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.models import MovementKind, Role
from exodesk.services.stock.lots import record_waste
from exodesk.services.stock.on_hand import stock_on_hand
from exodesk.services.stock.receiving import receive_delivery
from exodesk.services.treatments.cards import lot_card
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
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)  # same lot: refused
    assert dialog.isVisible() and "void lot keeps its number" in dialog.error_label.text()
    assert on_hand(ctx)["TYPO-001"] == 4

    dialog.lot_edit.setText("TYPO-010")
    dialog.quantity_spin.setValue(3)
    qtbot.mouseClick(dialog.receive_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible(), dialog.error_label.text()
    assert dialog.corrected is not None and dialog.corrected.voided == f"{PRODUCT} / TYPO-001"
    stock_now = on_hand(ctx)
    assert "TYPO-001" not in stock_now and stock_now["TYPO-010"] == 3
    with ctx.db.read() as s:
        card = lot_card(s, PRODUCT, "TYPO-001", ctx.today())
    assert card.void is not None and "lot number typed wrong" in card.void.reason


def test_a_used_lot_cannot_be_corrected(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    code = used_lot(ctx)
    card = LotCardDialog(ctx, PRODUCT, code)
    qtbot.addWidget(card)
    assert card.correct_lot_button.isEnabled()
    dialog = card.correct_lot()
    assert isinstance(dialog, ReceiveDialog)
    qtbot.waitExposed(dialog)
    assert not dialog.receive_button.isEnabled()
    assert "void those first" in dialog.error_label.text()
    dialog.reject()
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
