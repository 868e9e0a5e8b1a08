"""Mistakes corrected in the window, never erased: Void… and Correct… on a treatment, voids on
a lot's card and in the Stock view, struck-through rows, the context menus (right click and
the Menu key), who may, and the cards themselves (with screenshots at 1024x768)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from background_loads import loaded
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.models import Role, Severity
from exodesk.services.compliance import rules
from exodesk.services.stock.on_hand import stock_on_hand
from exodesk.services.treatments.recording import list_treatments
from exodesk.services.treatments.trace import trace_lot
from exodesk.ui.common.voids import ReasonDialog
from exodesk.ui.shell.context import AppContext
from exodesk.ui.stock.lot_card import LotCardDialog
from exodesk.ui.stock.stock_view import StockView
from exodesk.ui.treatments.treatment_card import TreatmentCardDialog
from exodesk.ui.treatments.treatment_dialog import TreatmentDialog
from exodesk.ui.treatments.treatments_view import TreatmentsView

TODAY = dt.date(2026, 11, 22)
SCREEN = (1024, 768)


@pytest.fixture
def view(qtbot: QtBot, ctx: AppContext) -> TreatmentsView:
    widget = TreatmentsView(ctx)
    qtbot.addWidget(widget)
    ctx.bus.changed.connect(widget.reload)  # as the main window does for the visible view
    widget.resize(*SCREEN)
    widget.show()
    qtbot.waitExposed(widget)
    widget.reload()  # as the main window does when it first shows the view
    loaded(qtbot, widget)
    return widget


def row_of(view: TreatmentsView, ref: str) -> int:
    row = view.model.row_of(ref)
    assert row is not None
    return row


def clean_ref(ctx: AppContext) -> str:
    """A treatment without block findings (so recording its correction asks nothing)."""
    with ctx.db.read() as s:
        blocked = {f.treatment for f in rules.check(s, TODAY) if f.severity is Severity.BLOCK}
        newest = list_treatments(s, limit=40)
    return next(r.ref for r in newest if r.ref not in blocked and r.vials == 1)


def on_hand(ctx: AppContext, product: str, lot: str) -> int:
    with ctx.db.read() as s:
        return next(
            (r.on_hand for r in stock_on_hand(s) if (r.product, r.lot) == (product, lot)), 0
        )


def give_reason(qtbot: QtBot, dialog: ReasonDialog, reason: str) -> None:
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.reason, reason)
    dialog.save()


def test_void_from_the_list_strikes_the_row_through_and_counts_nowhere(
    view: TreatmentsView, qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    ref = view.model.row(2).ref
    row = view.model.row(2)
    before = on_hand(ctx, row.product, row.lot)
    view.table.selectRow(2)
    assert view.void_button.isEnabled() and view.correct_button.isEnabled()
    dialog = view.void_selected()
    assert isinstance(dialog, ReasonDialog)
    dialog.save()  # no reason: refused on the dialog's error line, nothing written
    assert dialog.isVisible() and "reason" in dialog.error.text()
    give_reason(qtbot, dialog, "entered for the wrong patient")
    assert not dialog.isVisible()
    loaded(qtbot, view)
    index = view.model.index(row_of(view, ref), 3)
    assert index.data(Qt.ItemDataRole.FontRole).strikeOut()
    other = view.model.index(row_of(view, view.model.row(5).ref), 3)
    assert other.data(Qt.ItemDataRole.FontRole) is None
    assert on_hand(ctx, row.product, row.lot) == before + row.vials
    with ctx.db.read() as s:
        assert ref not in {t.ref for t in trace_lot(s, row.product, row.lot)}
        assert ref not in {f.treatment for f in rules.check(s, TODAY)}
    view.table.selectRow(row_of(view, ref))
    assert not view.void_button.isEnabled() and not view.correct_button.isEnabled()
    shot = save_shot(view, "treatments_list_with_a_void", tmp_path)
    assert shot.exists()


@pytest.mark.qt_log_ignore("This plugin does not support")  # a popup menu, offscreen
def test_the_context_menu_and_the_menu_key(view: TreatmentsView, qtbot: QtBot) -> None:
    view.table.selectRow(1)
    view.table.setFocus()
    entries = [text.replace("&", "") for text, _, _ in view.menu_entries()]
    assert entries == ["Open card", "Open the lot's card", "Void…", "Correct…"]
    qtbot.keyClick(view.table, Qt.Key.Key_Menu)
    menu = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible())
    assert [a.text().replace("&", "") for a in menu.actions()] == entries
    menu.actions()[0].trigger()
    assert view.card is not None and view.card.card.ref == view.model.row(1).ref
    view.card.reject()
    menu.close()


def test_correct_opens_the_form_filled_in_and_saves_a_correction(
    view: TreatmentsView, qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    ref = clean_ref(ctx)
    view.select(ref)
    old = view.model.row(row_of(view, ref))
    dialog = view.correct_selected()
    assert isinstance(dialog, TreatmentDialog) and dialog.correction is not None
    qtbot.waitExposed(dialog)
    assert dialog.patient.text() == old.patient
    assert dialog.product.currentText() == old.product
    assert dialog.lot.currentData() == old.lot
    assert dialog.vials.value() == old.vials
    dialog.resize(*SCREEN)
    save_shot(dialog, "treatment_correction_dialog", tmp_path)
    dialog.patient.setText("P-0999")
    qtbot.keyClicks(dialog.correction.reason, "wrong patient reference")
    dialog.save()
    assert dialog.recorded is not None, dialog.error.text()
    new = dialog.recorded.ref
    loaded(qtbot, view)
    assert view.selected_ref() == new
    rows = {r.ref: r for r in view.model._rows}
    assert rows[ref].void and not rows[new].void and rows[new].patient == "P-0999"
    assert on_hand(ctx, old.product, old.lot) >= 0


def test_who_may_void_in_the_window(view: TreatmentsView, ctx: AppContext) -> None:
    row = view.model.row(0)
    ctx.role, ctx.user = Role.PRACTITIONER, "Someone Else"
    view.table.clearSelection()
    view.table.selectRow(0)
    assert not view.void_button.isEnabled() and view.open_button.isEnabled()
    ctx.user = row.practitioner
    view.table.clearSelection()
    view.table.selectRow(0)
    assert view.void_button.isEnabled() and view.correct_button.isEnabled()
    ctx.role = Role.STOCK_MANAGER
    view.table.clearSelection()
    view.table.selectRow(0)
    assert not view.void_button.isEnabled()


def test_the_treatment_card(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    with ctx.db.read() as s:
        rows = list_treatments(s)
        overridden = next((r for r in rows if r.overridden), rows[0])
    card = TreatmentCardDialog(ctx, overridden.ref)
    qtbot.addWidget(card)
    card.resize(*SCREEN)
    card.show()
    qtbot.waitExposed(card)
    shown = [card.form.itemAt(i, card.form.ItemRole.FieldRole) for i in range(card.form.rowCount())]
    texts = [item.widget().text() for item in shown if item is not None]
    assert overridden.patient in texts
    assert overridden.override_reason is None or overridden.override_reason in texts
    save_shot(card, "treatment_card", tmp_path)
    dialog = card.ask_void()
    give_reason(qtbot, dialog, "recorded twice")
    assert card.card.void is not None and not card.void_button.isEnabled()
    assert "recorded twice" in card.void_label.text()
    save_shot(card, "treatment_card_void", tmp_path)


def test_the_lot_card_from_the_stock_view(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    stock = StockView(ctx)
    qtbot.addWidget(stock)
    stock.resize(*SCREEN)
    stock.show()
    stock.reload()
    qtbot.waitUntil(lambda: stock.model.rowCount() > 0, timeout=30_000)
    stock.table.selectRow(0)
    stock.table.setFocus()
    qtbot.keyClick(stock.table, Qt.Key.Key_Return)
    card = stock.card
    assert isinstance(card, LotCardDialog)
    qtbot.waitExposed(card)
    card.resize(*SCREEN)
    kinds = {h.kind.value for h in card.card.history}
    assert {"receipt", "use"} <= kinds
    use_row = next(i for i, h in enumerate(card.card.history) if h.kind.value == "use")
    card.history_table.selectRow(use_row)
    assert card.void_line_button.isEnabled()
    dialog = card.ask_void_line()
    assert dialog is not None
    give_reason(qtbot, dialog, "given from another lot")
    line = card.card.history[use_row]
    assert line.void is not None
    assert card.history.index(use_row, 1).data(Qt.ItemDataRole.FontRole).strikeOut()
    assert card.card.on_hand == sum(h.quantity for h in card.card.history if h.void is None)
    save_shot(card, "lot_card", tmp_path)
    card.reject()


def test_a_void_lot_in_the_stock_list(qtbot: QtBot, ctx: AppContext, tmp_path: Path) -> None:
    from exodesk.services.stock.receiving import receive_delivery

    with ctx.db.write() as s:
        receive_delivery(
            s,
            product="Celvia MSC-Exo Lyo 50",
            lot="TYPO-001",
            expiry=dt.date(2027, 6, 30),
            quantity=4,
            location=None,
            received=TODAY,
            user="tester",
        )
    stock = StockView(ctx)
    qtbot.addWidget(stock)
    stock.resize(*SCREEN)
    stock.show()
    stock.select(("Celvia MSC-Exo Lyo 50", "TYPO-001"))
    qtbot.waitUntil(lambda: stock.selected() is not None, timeout=30_000)
    labels = [text.replace("&", "") for text, _, _ in stock.menu_entries()]
    assert labels[0] == "Open card" and labels[-1] == "Void the lot…"
    dialog = stock.void_selected()
    assert dialog is not None
    give_reason(qtbot, dialog, "lot number typed wrong")
    stock.reload()
    stock.search.clear()
    stock.show_empty.setChecked(True)

    def shown_void() -> bool:
        row = stock.model.row_of("Celvia MSC-Exo Lyo 50", "TYPO-001")
        return row is not None and stock.model.line(row).void

    qtbot.waitUntil(shown_void, timeout=30_000)  # the list reloads off the UI thread
    qtbot.waitUntil(lambda: stock.model.rowCount() > 1, timeout=30_000)
    row = stock.model.row_of("Celvia MSC-Exo Lyo 50", "TYPO-001")
    assert row is not None
    assert stock.model.index(row, 0).data(Qt.ItemDataRole.FontRole).strikeOut()
    assert stock.model.index(row, 5).data() == "0"
    assert stock.model.index(row, 6).data() == "void"
    assert on_hand(ctx, "Celvia MSC-Exo Lyo 50", "TYPO-001") == 0
    stock.table.selectRow(row)
    assert not stock.status_button.isEnabled()
    stock.table.scrollTo(stock.model.index(row, 0))
    save_shot(stock, "stock_list_with_a_void_lot", tmp_path)
