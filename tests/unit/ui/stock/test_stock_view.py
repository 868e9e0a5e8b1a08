"""The Stock view: paged loading, SQL sorting and filtering, and lot actions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.cli import main
from exodesk.models.enums import LotStatus
from exodesk.ui.stock.lot_dialogs import LotStatusDialog, WasteDialog
from exodesk.ui.stock.stock_view import StockView


@pytest.fixture
def view(qtbot: QtBot, ctx: Any) -> StockView:
    widget = StockView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    with qtbot.waitSignal(widget.model.modelReset, timeout=30_000):
        widget.reload()
    return widget


def _column(view: StockView, column: int) -> list[str]:
    model = view.model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def _stock(db: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["product"], r["lot"]): r for r in _cli_json(["stock", "--db", str(db)])}


def _cli_json(argv: list[str], capsys: Any = None) -> Any:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*argv, "--json"]) == 0
    return json.loads(out.getvalue())


def test_shows_lots_in_stock_soonest_expiry_first(view: StockView, tmp_path: Path) -> None:
    assert view.model.rowCount() == 23
    expiries = _column(view, 2)
    assert expiries == sorted(expiries)
    assert _column(view, 6)[0] == "EXPIRED"
    assert view.count_label.text() == "23 lot(s)"
    save_shot(view, "stock_view", tmp_path)


def test_sorting_by_on_hand_is_done_in_sql(view: StockView, qtbot: QtBot) -> None:
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        view.table.sortByColumn(5, Qt.SortOrder.DescendingOrder)
    on_hand = [int(v) for v in _column(view, 5)]
    assert on_hand == sorted(on_hand, reverse=True)


def test_search_and_empty_lots_filters(view: StockView, qtbot: QtBot) -> None:
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        qtbot.keyClicks(view.search, "Hairexo")
    assert set(_column(view, 0)) == {"Hairexo Scalp Booster"}
    shown = view.model.rowCount()
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        view.show_empty.setChecked(True)
    assert view.model.rowCount() > shown
    assert "0" in _column(view, 5)


@pytest.mark.parametrize(
    ("typed", "found"),
    [("%", {"VC-50%OFF"}), ("_", {"VC_SPARE"}), ("\\", {"VC\\B2"}), ("vc_", {"VC_SPARE"})],
)
def test_wildcards_typed_in_the_search_match_only_themselves(
    view: StockView, qtbot: QtBot, ctx: Any, typed: str, found: set[str]
) -> None:
    import datetime as dt

    from exodesk.services.stock.receiving import receive_delivery

    with ctx.db.write() as session:
        for code in ("VC-50%OFF", "VC_SPARE", "VC\\B2"):
            receive_delivery(
                session,
                product="Verda Centella Exosome Cream",
                lot=code,
                expiry=dt.date(2028, 1, 31),
                quantity=3,
                location=None,
                received=dt.date(2026, 11, 20),
                user="tester",
            )
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        qtbot.keyClicks(view.search, typed)
    assert set(_column(view, 1)) == found


def test_pages_load_as_the_table_scrolls(view: StockView, qtbot: QtBot) -> None:
    rows = view.table.verticalHeader().defaultSectionSize()
    view.table.setFixedHeight(view.table.horizontalHeader().height() + 4 * rows)
    qtbot.waitUntil(lambda: 0 < view.table.viewport().height() <= 4 * rows)
    view.model.PAGE = 5  # a page is taller than the table: only scrolling loads the next
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        view.reload()
    assert view.model.rowCount() == 5
    bar = view.table.verticalScrollBar()
    while view.model.canFetchMore():
        qtbot.waitUntil(lambda: bar.maximum() > bar.value())  # the new rows are laid out
        before = view.model.rowCount()
        bar.setValue(bar.maximum())  # scrolled to the bottom: the next page, at once
        assert view.model.rowCount() in (before + 5, 23)
    assert view.model.rowCount() == 23


def test_a_fresh_load_fills_the_table_before_it_is_announced(view: StockView, qtbot: QtBot) -> None:
    rows = view.table.verticalHeader().defaultSectionSize()
    view.table.setFixedHeight(view.table.horizontalHeader().height() + 12 * rows)
    qtbot.waitUntil(lambda: 11 * rows < view.table.viewport().height() <= 12 * rows)
    view.model.PAGE = 5
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        view.reload()
    assert view.model.rowCount() == 15  # 11-12 rows show: three pages, not one, not four
    QApplication.processEvents()
    assert view.model.rowCount() == 15


def test_recall_a_lot_with_a_reason(view: StockView, qtbot: QtBot, ctx: Any) -> None:
    row = _column(view, 1).index("VC-0630")
    view.table.selectRow(row)
    line = view.selected()
    assert line is not None and line.status is LotStatus.RELEASED
    dialog = LotStatusDialog(ctx, line, view)
    qtbot.addWidget(dialog)
    dialog.status.setCurrentIndex(dialog.status.findData(LotStatus.RECALLED))
    dialog.buttons.accepted.emit()
    assert "reason" in dialog.error.text()  # refused: no reason given
    dialog.reason.setPlainText("Supplier recall notice 2026-11-20")
    dialog.buttons.accepted.emit()
    assert dialog.result() == dialog.DialogCode.Accepted
    stock = _stock(ctx.db.target)
    assert stock[("Verda Centella Exosome Cream", "VC-0630")]["status"] == "recalled"


def test_waste_cannot_take_more_than_is_on_hand(view: StockView, qtbot: QtBot, ctx: Any) -> None:
    row = _column(view, 1).index("VC-0630")
    view.table.selectRow(row)
    line = view.selected()
    assert line is not None
    dialog = WasteDialog(ctx, line, view)
    qtbot.addWidget(dialog)
    assert dialog.vials.maximum() == line.on_hand
    dialog.vials.setValue(2)
    dialog.reason.setPlainText("vials cracked in transit")
    dialog.buttons.accepted.emit()
    stock = _stock(ctx.db.target)
    assert stock[("Verda Centella Exosome Cream", "VC-0630")]["on_hand"] == line.on_hand - 2


def test_stock_model_passes_the_model_tester(view: StockView, qtmodeltester: ModelTester) -> None:
    qtmodeltester.check(view.model)
    QApplication.processEvents()


def test_a_role_without_the_right_sees_why_on_the_dialog(
    view: StockView, qtbot: QtBot, ctx: Any
) -> None:
    from exodesk.models.enums import Role
    from exodesk.services.accounts.users import create_user

    with ctx.db.write() as session:
        create_user(session, "Ada Admin", Role.ADMIN, "correct horse 1", by="setup")
        create_user(session, "Dr Pat", Role.PRACTITIONER, "correct horse 2", by="Ada Admin")
    ctx.user = "Dr Pat"
    row = _column(view, 1).index("VC-0630")
    view.table.selectRow(row)
    line = view.selected()
    assert line is not None
    dialog = WasteDialog(ctx, line, view)
    qtbot.addWidget(dialog)
    dialog.reason.setPlainText("cracked")
    dialog.buttons.accepted.emit()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "Dr Pat is a practitioner" in dialog.error.text()
    assert _stock(ctx.db.target)[("Verda Centella Exosome Cream", "VC-0630")]["on_hand"] == (
        line.on_hand
    )
