"""The main window on the demo clinic: navigation, shortcuts, status bar, remembered layout,
and a screenshot of every view (light and dark, 1280x800 and 1920x1080)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from background_loads import loaded
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.cli import main
from exodesk.ui.shell.main_window import NAVIGATION, MainWindow


@pytest.fixture(autouse=True)
def settings_in_tmp(tmp_path: Path) -> Iterator[None]:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "cfg"))
    yield


@pytest.fixture
def window(qtbot: QtBot, ctx: Any) -> Iterator[MainWindow]:
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitUntil(lambda: bool(win.flags), timeout=10000)
    yield win
    win.close()


def _wait_idle(qtbot: QtBot, win: MainWindow) -> None:
    qtbot.waitUntil(lambda: win.dashboard.data is not None, timeout=10000)
    qtbot.waitUntil(
        lambda: win.stock.model.total > 0 or win.current_name() != "Stock", timeout=10000
    )


def test_status_bar_shows_database_clinic_and_flag_counts(window: MainWindow) -> None:
    assert str(window.ctx.db.display_name) in window.database_label.text()
    assert window.clinic_label.text().endswith("(UK)")
    assert "16 BLOCK" in window.counts.text() and "16 WARN" in window.counts.text()
    assert window.nav.item(5).text() == f"Flags ({len(window.flags)})"


def test_ctrl_number_switches_views_and_ctrl_f_finds(window: MainWindow, qtbot: QtBot) -> None:
    for number, (name, _) in enumerate(NAVIGATION, start=1):
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        assert window.current_name() == name
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.stock.search


def test_a_flag_opens_its_product(window: MainWindow, qtbot: QtBot) -> None:
    window.show_view("Flags")
    view = window.flag_view
    view.rule.setCurrentIndex(view.rule.findData("class_unknown"))
    loaded(qtbot, view)  # the filter is worked out off the UI thread
    view.table.selectRow(0)
    view.open_selected()
    assert window.current_name() == "Products"
    assert window.products.current_product() == "Rosalis Callus Exosome Cream"


def test_f5_picks_up_changes_made_elsewhere(
    window: MainWindow, qtbot: QtBot, demo_db: Path, write_json: Any
) -> None:
    before = len(window.flags)
    path = write_json(
        {
            "format": "exodesk/1",
            "products": [
                {
                    "name": "Mystery Exo",
                    "source_type": "other",
                    "form": "cream",
                    "regulatory_class": "unknown",
                }
            ],
        }
    )
    assert main(["import", str(path), "--db", str(demo_db)]) == 0
    qtbot.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: len(window.flags) > before, timeout=10000)
    assert any(f.product == "Mystery Exo" for f in window.flags)


def test_window_remembers_its_view_and_size(qtbot: QtBot, ctx: Any) -> None:
    first = MainWindow(ctx)
    qtbot.addWidget(first)
    first.resize(720, 540)  # within the offscreen screen (800x600): restore keeps it
    first.show()
    first.show_view("Recall")
    size = (first.width(), first.height())
    first.close()
    second = MainWindow(ctx)
    qtbot.addWidget(second)
    second.show()
    assert second.current_name() == "Recall"
    assert (second.width(), second.height()) == size
    second.close()


def _dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, "#2b2b2b"),
        (QPalette.ColorRole.WindowText, "#e6e6e6"),
        (QPalette.ColorRole.Base, "#1e1e1e"),
        (QPalette.ColorRole.AlternateBase, "#262626"),
        (QPalette.ColorRole.Text, "#e6e6e6"),
        (QPalette.ColorRole.Button, "#353535"),
        (QPalette.ColorRole.ButtonText, "#e6e6e6"),
        (QPalette.ColorRole.Highlight, "#2d6cdf"),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
    ):
        palette.setColor(role, QColor(colour))
    return palette


def test_screenshot_of_every_view(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    for name, _ in NAVIGATION:
        window.show_view(name)
        _wait_idle(qtbot, window)
        save_shot(window, f"window_{name.lower()}", tmp_path)
    window.resize(1920, 1080)
    window.show_view("Dashboard")
    save_shot(window, "window_dashboard_1920", tmp_path)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    app.setPalette(_dark_palette())
    try:
        window.resize(1280, 800)
        for name in ("Dashboard", "Stock", "Flags"):
            window.show_view(name)
            _wait_idle(qtbot, window)
            save_shot(window, f"window_{name.lower()}_dark", tmp_path)
    finally:
        app.setPalette(light)
