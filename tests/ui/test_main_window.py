"""The first main window on a real demo database, driven offscreen."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from exodesk.cli import main
from exodesk.db import open_database
from exodesk.ui.main_window import MainWindow
from exodesk.ui.table_models import SORT_ROLE

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def window(qtbot: QtBot, demo_db: Path) -> MainWindow:
    db = open_database(str(demo_db))
    win = MainWindow(db, today=lambda: TODAY)
    qtbot.addWidget(win)
    win.show()
    yield win
    db.close()


def _column(view_model: object, column: int) -> list[str]:
    model = view_model  # the proxy the view shows
    return [
        model.index(r, column).data()  # type: ignore[attr-defined]
        for r in range(model.rowCount())  # type: ignore[attr-defined]
    ]


def test_window_shows_stock_and_flags_of_the_demo(window: MainWindow, tmp_path: Path) -> None:
    stock = window.stock_view.model()
    assert stock.rowCount() == 23
    assert "CV-1170A" in _column(stock, 1)
    flags = window.flag_view.model()
    severities = _column(flags, 0)
    assert severities.count("BLOCK") == 13
    assert window.tabs.tabText(1) == "Flags (27)"
    assert window.counts.text() == "13 block · 13 warn · 1 info"
    shots = Path(os.environ.get("EXODESK_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(shots / "main_stock.png"))
    window.tabs.setCurrentIndex(1)
    window.grab().save(str(shots / "main_flags.png"))


def test_stock_sorts_dates_and_numbers_by_value(window: MainWindow) -> None:
    view = window.stock_view
    view.sortByColumn(5, Qt.SortOrder.DescendingOrder)
    on_hand = [int(v) for v in _column(view.model(), 5)]
    assert on_hand == sorted(on_hand, reverse=True)
    view.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    expiries = _column(view.model(), 2)
    assert expiries == sorted(expiries)
    assert view.model().index(0, 2).data(SORT_ROLE) == expiries[0]


def test_f5_reloads_what_changed_in_the_database(
    window: MainWindow, qtbot: QtBot, demo_db: Path, write_json: object
) -> None:
    before = window.flag_view.model().rowCount()
    extra = {
        "format": "exodesk/1",
        "products": [
            {"name": "Mystery Exo", "source_type": "other", "form": "cream",
             "regulatory_class": "unknown"}
        ],
    }
    path = write_json(extra)  # type: ignore[operator]
    assert main(["import", str(path), "--db", str(demo_db)]) == 0
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.flag_view.model().rowCount() > before
    assert "Mystery Exo" in _column(window.flag_view.model(), 2)


def test_table_models_pass_the_model_tester(window: MainWindow, qtmodeltester: ModelTester) -> None:
    qtmodeltester.check(window.stock_model)
    qtmodeltester.check(window.flag_model)
