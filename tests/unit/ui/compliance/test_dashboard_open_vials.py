"""Open vials on the Dashboard: each with its time left (amber in the last hour, red once
the window has passed), redrawn each minute from the clock alone; Enter on one offers Use in a
treatment, Discard… and Print label…."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO_TODAY
from PySide6.QtWidgets import QListWidgetItem, QMenu
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.demo.vials import open_demo_vials
from exodesk.models.enums import Severity
from exodesk.services.stock.on_hand import stock_on_hand
from exodesk.services.stock.vials import open_vials
from exodesk.ui.common import severity
from exodesk.ui.compliance import dashboard_view
from exodesk.ui.compliance.dashboard_view import VIAL_TICK_MS, DashboardView
from exodesk.ui.shell.main_window import MainWindow
from exodesk.ui.treatments import vial_choice
from exodesk.ui.treatments.closing_vials import ClosingVials
from exodesk.ui.treatments.treatment_dialog import TreatmentDialog

NOW = dt.datetime.combine(DEMO_TODAY, dt.time(14, 20))


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(vial_choice, "local_now", clock)
    return clock


@pytest.fixture
def view(qtbot: QtBot, ctx: Any, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> DashboardView:
    monkeypatch.setattr(QMenu, "popup", lambda _menu, _at: None)  # offscreen: no grab
    with ctx.db.write() as session:
        open_demo_vials(session, NOW)
    widget = DashboardView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1024, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.reload()
    qtbot.waitUntil(lambda: widget.data is not None, timeout=30_000)
    return widget


def vial_items(view: DashboardView) -> list[QListWidgetItem]:
    return [item for _row, item in view.vial_items.values()]


def test_open_vials_are_listed_first_with_their_time_left(
    view: DashboardView, tmp_path: Path
) -> None:
    assert view.todo.item(0).text() == "Open vials (reconstituted): 3"
    past, last_hour, fresh = vial_items(view)
    assert view.todo.item(1) is past
    assert past.text().startswith("WINDOW PASSED · V-0001 · AutoPlate Exo PRP Lyo · lot ")
    assert "opened 09:20 by AH — window passed 1 h ago (use by 13:20): discard it" in past.text()
    assert "reconstituted 2026-11-22 09:20 by AH; its 4-hour window ends 2026-11-22 13:20" in (
        past.toolTip()
    )
    assert last_hour.text().startswith("LAST HOUR · V-0002")
    assert "30 min left (use by 14:50)" in last_hour.text()
    assert "3 h 10 min left" in fresh.text() and not fresh.text().startswith("LAST")
    assert past.background().color() == severity.BACKGROUND[Severity.BLOCK]
    assert last_hour.background().color() == severity.BACKGROUND[Severity.WARN]
    assert fresh.background().style().name == "NoBrush"
    save_shot(view, "dashboard_open_vials", tmp_path)


def test_the_time_left_is_redrawn_each_minute_without_reading_the_database(
    view: DashboardView, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert view.vial_timer.isActive() and view.vial_timer.interval() == VIAL_TICK_MS == 60_000

    def no_reading() -> None:
        raise AssertionError("the database was read")

    monkeypatch.setattr(view.ctx.db, "read", no_reading)
    clock.now = NOW + dt.timedelta(minutes=31)
    view.vial_timer.timeout.emit()
    _past, last_hour, fresh = vial_items(view)
    assert last_hour.text().startswith("WINDOW PASSED · V-0002")
    assert last_hour.background().color() == severity.BACKGROUND[Severity.BLOCK]
    assert "2 h 39 min left" in fresh.text()


def test_enter_on_a_vial_offers_use_discard_and_print(
    view: DashboardView, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed: list[Any] = []
    monkeypatch.setattr(dashboard_view, "print_vial_label", lambda _p, label: printed.append(label))
    past, _last_hour, fresh = vial_items(view)
    view.todo.itemActivated.emit(past)
    menu = view.vial_menu
    assert menu is not None
    assert [a.text() for a in menu.actions()] == [
        "&Use in a treatment…",
        "&Discard…",
        "&Print label…",
    ]
    menu.actions()[2].trigger()
    assert [(label.lot, label.opened_by) for label in printed] == [
        (view.data.open_vials[0].lot, "AH")  # type: ignore[union-attr]
    ]
    menu.close()

    view.todo.itemActivated.emit(fresh)
    assert view.vial_menu is not None
    view.vial_menu.actions()[0].trigger()
    dialog = view.child
    assert isinstance(dialog, TreatmentDialog)
    assert dialog.vials_box.chosen() == "V-0003"
    assert dialog.product.currentText() == "AutoPlate Exo PRP Lyo"
    dialog.done(0)


def test_discard_records_the_waste_with_its_reason(
    view: DashboardView, qtbot: QtBot, ctx: Any
) -> None:
    past = vial_items(view)[0]
    row = view.data.open_vials[0]  # type: ignore[union-attr]
    with ctx.db.read() as session:
        before = next(r.on_hand for r in stock_on_hand(session) if r.lot == row.lot)
    view.todo.itemActivated.emit(past)
    assert view.vial_menu is not None
    view.vial_menu.actions()[1].trigger()
    dialog = view.child
    assert isinstance(dialog, vial_choice.DiscardVialDialog)
    assert not dialog.discard_button.isEnabled()  # a reason is required
    qtbot.keyClicks(dialog.reason, "window passed")
    with qtbot.waitSignal(ctx.bus.changed):
        dialog.discard_button.click()
    assert dialog.movement is not None
    with ctx.db.read() as session:
        assert [v.ref for v in open_vials(session)] == ["V-0002", "V-0003"]
        after = next(r.on_hand for r in stock_on_hand(session) if r.lot == row.lot)
    assert after == before - 1


def test_the_window_at_1024_by_768_shows_the_open_vials(
    qtbot: QtBot, ctx: Any, clock: Clock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(ClosingVials, "may_close", lambda _self: True)  # asked elsewhere
    with ctx.db.write() as session:
        open_demo_vials(session, NOW)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1024, 768)
    window.show()
    qtbot.waitExposed(window)
    window.show_view("Dashboard")
    qtbot.waitUntil(lambda: window.dashboard.data is not None, timeout=30_000)
    qtbot.waitUntil(lambda: len(window.dashboard.vial_items) == 3, timeout=30_000)
    todo = window.dashboard.todo
    for _row, item in window.dashboard.vial_items.values():
        rect = todo.visualItemRect(item)
        assert rect.height() > 0 and todo.viewport().rect().contains(rect.topLeft())
    save_shot(window, "dashboard_open_vials_window", tmp_path)
