"""The Dashboard as a to-do list, through the real widgets: tiles open the Flags view filtered
to their severity, every open block is listed, "Show all" opens every flag, and the To do
list holds lots to release, certificates to check and products running low."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from background_loads import loaded
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.models.enums import Severity
from exodesk.services.compliance import rules
from exodesk.ui.compliance.dashboard_view import DashboardView
from exodesk.ui.compliance.flags_view import FlagQuery
from exodesk.ui.shell.main_window import MainWindow


def _open_flags(ctx: Any) -> list[rules.Flag]:
    with ctx.db.read() as session:
        return rules.open_flags(rules.check(session, ctx.today()))


def _window(qtbot: QtBot, ctx: Any) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.show_view("Dashboard")
    qtbot.waitUntil(lambda: window.dashboard.data is not None, timeout=30_000)
    qtbot.waitUntil(lambda: len(window.flag_view.listed) > 0, timeout=30_000)
    return window


def test_a_tile_opens_the_flags_view_filtered_to_its_severity(qtbot: QtBot, ctx: Any) -> None:
    window = _window(qtbot, ctx)
    tile = window.dashboard.tiles[Severity.BLOCK]
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert window.current_name() == "Flags"
    view = window.flag_view
    loaded(qtbot, view)
    shown = [view.model.row(r) for r in range(view.model.rowCount())]
    assert shown and all(f.severity is Severity.BLOCK for f in shown)
    assert view.severity.currentData() == Severity.BLOCK
    # by keyboard too: Tab to a tile, Enter
    window.show_view("Dashboard")
    warn = window.dashboard.tiles[Severity.WARN]
    warn.setFocus()
    qtbot.keyClick(warn, Qt.Key.Key_Return)
    assert window.current_name() == "Flags"
    assert view.severity.currentData() == Severity.WARN


def test_every_open_block_is_listed_and_show_all_opens_every_flag(
    qtbot: QtBot, ctx: Any, tmp_path: Path
) -> None:
    window = _window(qtbot, ctx)
    board = window.dashboard
    blocks = [f for f in _open_flags(ctx) if f.severity is Severity.BLOCK]
    texts = [board.top_flags.item(i).text() for i in range(board.top_flags.count())]
    assert sum(t.startswith("BLOCK") for t in texts) == len(blocks)
    save_shot(window, "dashboard_todo_1280x800", tmp_path)
    window.flag_view.set_filter(severity=Severity.INFO)
    assert f"{len(_open_flags(ctx))}" in board.show_all_button.text()
    qtbot.mouseClick(board.show_all_button, Qt.MouseButton.LeftButton)
    assert window.current_name() == "Flags"
    loaded(qtbot, window.flag_view)
    assert window.flag_view.shown_flags() == window.flag_view.listed.flags


def test_the_flags_view_takes_a_filter_from_code(qtbot: QtBot, ctx: Any) -> None:
    window = _window(qtbot, ctx)
    view = window.flag_view
    view.select(FlagQuery(severity=Severity.BLOCK, rule="missing_certificate"))
    loaded(qtbot, view)
    rows = {view.model.index(r, 1).data() for r in range(view.model.rowCount())}
    assert rows == {"No CE certificate"}
    view.set_filter()
    loaded(qtbot, view)
    assert view.model.rowCount() == len(view.listed) > len(rows)


def test_the_to_do_list_shows_lots_to_release_and_certificates_to_check(
    qtbot: QtBot, ctx: Any
) -> None:
    view = DashboardView(ctx)
    qtbot.addWidget(view)
    view.reload()
    qtbot.waitUntil(lambda: view.data is not None, timeout=30_000)
    texts = [view.todo.item(i).text() for i in range(view.todo.count())]
    assert "Waiting for release (in quarantine): 2" in texts
    assert any("CV-6233B — 20 on hand" in t for t in texts)
    assert "Certificates to check with the issuer: 2" in texts
    assert any("CE 2931-MDR-1188" in t and "never checked" in t for t in texts)
    assert "Running low (at or below the reorder level): none" in texts
    row = next(i for i, t in enumerate(texts) if "CV-6233B" in t)
    with qtbot.waitSignal(ctx.bus.open_requested) as opened:
        view.todo.itemActivated.emit(view.todo.item(row))
    assert opened.args == ["lot", ("Celvia MSC-Exo Lyo 50", "CV-6233B")]
    QApplication.processEvents()
