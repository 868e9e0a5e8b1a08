"""Enter (and double-click) in the Flags list, the Dashboard's lists and a closed count's lots
opens the record's card (a lot's or a treatment's) instead of jumping to its view; a product
still opens in Products."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from background_loads import loaded
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from exodesk.services.counts import counts
from exodesk.ui.counts.counts_view import CountsView
from exodesk.ui.shell.main_window import MainWindow
from exodesk.ui.stock.lot_card import LotCardDialog
from exodesk.ui.treatments.treatment_card import TreatmentCardDialog

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(autouse=True)
def settings_in_tmp(tmp_path: Path) -> Iterator[None]:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))
    yield


@pytest.fixture
def window(qtbot: QtBot, ctx: Any) -> Iterator[MainWindow]:
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1024, 768)
    win.show()
    qtbot.waitUntil(lambda: bool(win.flags), timeout=10000)
    yield win
    win.close()


def open_card(kind: type[QDialog]) -> Any:
    shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    assert len(shown) == 1, shown
    return shown[0]


def test_enter_on_a_flag_opens_the_treatments_card(window: MainWindow, qtbot: QtBot) -> None:
    window.show_view("Flags")
    view = window.flag_view
    view.rule.setCurrentIndex(view.rule.findData("used_after_expiry"))
    loaded(qtbot, view)
    view.table.selectRow(0)
    flag = view.selected()
    assert flag is not None and flag.treatment is not None
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    card = open_card(TreatmentCardDialog)
    assert card.card.ref == flag.treatment
    assert window.current_name() == "Flags"  # no jump to Treatments
    card.reject()


def test_double_click_on_a_lots_flag_opens_the_lots_card(window: MainWindow, qtbot: QtBot) -> None:
    window.show_view("Flags")
    view = window.flag_view
    loaded(qtbot, view)
    row = next(
        r
        for r in range(view.model.rowCount())
        if view.model.row(r).treatment is None and view.model.row(r).lot is not None
    )
    view.table.selectRow(row)
    flag = view.selected()
    assert flag is not None
    view.table.scrollTo(view.model.index(row, 0))
    rect = view.table.visualRect(view.model.index(row, 0))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    card = open_card(LotCardDialog)
    assert (card.product, card.lot) == (flag.product, flag.lot)
    assert window.current_name() == "Flags"
    card.reject()


def test_enter_in_the_dashboards_to_do_list_opens_the_lots_card(
    window: MainWindow, qtbot: QtBot
) -> None:
    board = window.dashboard
    qtbot.waitUntil(lambda: board.data is not None, timeout=30_000)
    texts = [board.todo.item(i).text() for i in range(board.todo.count())]
    row = next(i for i, t in enumerate(texts) if "CV-6233B" in t)
    board.todo.setFocus()
    board.todo.setCurrentRow(row)
    qtbot.keyClick(board.todo, Qt.Key.Key_Return)
    card = open_card(LotCardDialog)
    assert (card.product, card.lot) == ("Celvia MSC-Exo Lyo 50", "CV-6233B")
    assert window.current_name() == "Dashboard"
    card.reject()


def test_enter_on_a_closed_counts_lot_opens_its_card(qtbot: QtBot, ctx: Any) -> None:
    with ctx.db.write() as session:
        count_id = counts.start_count(session, location=None, today=TODAY, user="a")
        counts.record_count(session, count_id, "Celvia MSC-Exo Lyo 50", "CV-3012B", 3, user="a")
        counts.close_count(session, count_id, reason="monthly count", today=TODAY, user="a")
    view = CountsView(ctx)
    qtbot.addWidget(view)
    view.resize(1024, 768)
    view.show()
    view.reload()
    view.select(count_id)
    counting = view.counting
    assert counting is not None and counting.is_read_only()
    row = next(i for i, r in enumerate(counting.rows()) if r.lot == "CV-3012B")
    counting.table.selectRow(row)
    counting.table.setFocus()
    qtbot.keyClick(counting.table, Qt.Key.Key_Return)
    assert isinstance(view.lot_card, LotCardDialog)
    assert (view.lot_card.product, view.lot_card.lot) == ("Celvia MSC-Exo Lyo 50", "CV-3012B")
    view.lot_card.reject()
