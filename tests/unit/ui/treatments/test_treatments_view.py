"""The Treatments view on the demo clinic: newest first, search, paging, the overridden marker,
opening a treatment's card, and recording a new treatment from it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from background_loads import loaded
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from exodesk.models import Severity
from exodesk.services.treatments import listing
from exodesk.services.treatments.recording import (
    TreatmentDraft,
    TreatmentRow,
    list_treatments,
    record_treatment,
)
from exodesk.ui.common import severity
from exodesk.ui.common.table_models import PagedRowTableModel
from exodesk.ui.shell.context import AppContext
from exodesk.ui.treatments import treatments_view
from exodesk.ui.treatments.treatments_view import TreatmentsView, TreatmentTableModel

TODAY = dt.date(2026, 11, 22)
DEMO_TREATMENTS = 207


@pytest.fixture
def view(qtbot: QtBot, ctx: AppContext) -> TreatmentsView:
    widget = TreatmentsView(ctx)
    qtbot.addWidget(widget)
    ctx.bus.changed.connect(widget.reload)  # as the main window does for the visible view
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.reload()  # as the main window does when it first shows the view
    loaded(qtbot, widget)
    return widget


def column(view: TreatmentsView, col: int) -> list[str]:
    model = view.table.model()
    return [model.index(r, col).data() for r in range(model.rowCount())]


def record_overridden(ctx: AppContext) -> str:
    with ctx.db.write() as session:
        recorded = record_treatment(
            session,
            TreatmentDraft(
                TODAY,
                "Verda Centella Exosome Cream",
                "VC-0630",
                "P-7777",
                "Dr Joon-ho Park",
                "topical_post_procedure",
                "periorbital",
                1,
            ),
            today=TODAY,
            user="tester",
            override_reason="agreed with the medical director",
        )
    ctx.announce_change()
    return recorded.ref


def test_shows_the_treatments_newest_first(view: TreatmentsView, tmp_path: Path) -> None:
    assert view.count.text() == f"{DEMO_TREATMENTS} treatments"
    assert view.model.rowCount() == DEMO_TREATMENTS
    dates = column(view, 0)
    assert dates == sorted(dates, reverse=True)
    headers = [view.model.headerData(c, Qt.Orientation.Horizontal) for c in range(10)]
    assert headers == [
        "Date",
        "Ref",
        "Overridden",
        "Patient",
        "Practitioner",
        "Product",
        "Lot",
        "Vials",
        "Route",
        "Zone",
    ]
    assert {"Topical, post-procedure", "Intradermal", "Subdermal scalp"} <= set(column(view, 8))
    assert set(column(view, 2)) == {""}  # the demo's violations were imported, not overridden


def test_a_recorded_override_is_marked_and_shown_at_the_top(
    view: TreatmentsView, ctx: AppContext, qtbot: QtBot, tmp_path: Path
) -> None:
    ref = record_overridden(ctx)  # the bus tells the view to reload
    loaded(qtbot, view)
    assert view.count.text() == f"{DEMO_TREATMENTS + 1} treatments"
    top = view.model.index(0, TreatmentTableModel.COL_OVERRIDDEN)
    assert view.model.index(0, 1).data() == ref
    assert top.data() == "BLOCK overridden"
    assert top.data(Qt.ItemDataRole.BackgroundRole).color() == severity.BACKGROUND[Severity.BLOCK]
    assert not top.data(Qt.ItemDataRole.DecorationRole).isNull()
    assert "agreed with the medical director" in top.data(Qt.ItemDataRole.ToolTipRole)
    assert view.model.index(1, TreatmentTableModel.COL_OVERRIDDEN).data() == ""
    view.select(ref)
    shots = Path(os.environ.get("EXODESK_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(shots / "treatments_view.png"))
    view.resize(1080, 700)  # the room it has beside the main window's navigation
    view.grab().save(str(shots / "treatments_view_narrow.png"))
    assert view.table.horizontalScrollBar().maximum() == 0


def test_search_filters_as_the_user_types(view: TreatmentsView, qtbot: QtBot) -> None:
    view.focus_search()
    assert view.search.hasFocus()
    qtbot.keyClicks(view.search, "placelux hart")
    qtbot.waitUntil(lambda: view.count.text().endswith("found"), timeout=30_000)
    products = set(column(view, 5))
    assert products == {"PlaceLux Exo Lyo"}
    assert set(column(view, 4)) == {"Dr Amelia Hart"}
    assert view.count.text() == f"{view.model.rowCount()} treatments found"
    view.search.clear()
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    loaded(qtbot, view)
    assert view.model.rowCount() == DEMO_TREATMENTS
    qtbot.keyClicks(view.search, "no such thing")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
    loaded(qtbot, view)
    assert view.model.rowCount() == 0
    assert view.count.text() == "0 treatments found"


def test_double_click_or_enter_opens_the_card(view: TreatmentsView, qtbot: QtBot) -> None:
    row = view.model.row(3)
    rect = view.table.visualRect(view.model.index(3, 1))
    # A real double-click is a press and release, then the double-click event.
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.card is None
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.card is not None and view.card.card.ref == row.ref
    view.card.reject()
    view.table.selectRow(5)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # the keyboard way
    assert view.card.card.ref == view.model.row(5).ref
    view.card.reject()


def test_rows_load_a_page_at_a_time_and_select_finds_an_old_one(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PagedRowTableModel, "PAGE_SIZE", 50)
    view = TreatmentsView(ctx)
    qtbot.addWidget(view)
    assert view.model.rowCount() == 0  # nothing is queried until the view is shown
    view.reload()
    loaded(qtbot, view)
    assert view.model.rowCount() == 50 and view.model.canFetchMore()
    assert view.count.text() == f"{DEMO_TREATMENTS} treatments"
    view.select("T-0001")
    assert view.model.rowCount() == DEMO_TREATMENTS and not view.model.canFetchMore()
    assert view.selected_ref() == "T-0001"
    view.select("T-9999")
    assert view.selected_ref() == "T-0001"


def test_select_clears_a_search_that_hides_the_treatment(
    view: TreatmentsView, qtbot: QtBot
) -> None:
    view.search.setText("P-0001")
    view.reload()
    loaded(qtbot, view)
    assert "T-0100" not in column(view, 1)
    view.select("T-0100")
    loaded(qtbot, view)
    assert view.search.text() == "" and view.selected_ref() == "T-0100"


def test_new_treatment_records_and_selects_it(
    view: TreatmentsView, qtbot: QtBot, ctx: AppContext
) -> None:
    dialog = view.new_treatment()
    assert dialog.isVisible() and dialog.isModal()
    dialog.product.setCurrentIndex(dialog.product.findText("Celvia MSC-Exo Lyo 50"))
    qtbot.keyClicks(dialog.patient, "P-8000")
    line = dialog.practitioner.lineEdit()
    assert line is not None
    qtbot.keyClicks(line, "Nurse Priya Shah")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    loaded(qtbot, view)
    assert view.selected_ref() == "T-0208"
    assert view.model.index(0, 3).data() == "P-8000"


def test_the_table_model_passes_the_model_tester(
    view: TreatmentsView, ctx: AppContext, qtbot: QtBot, qtmodeltester: ModelTester
) -> None:
    record_overridden(ctx)
    loaded(qtbot, view)
    qtmodeltester.check(view.model)
    rows = [view.model.row(i) for i in range(5)]
    paged = TreatmentTableModel()
    pages: list[tuple[int, int]] = []

    def fetch(loaded: list[TreatmentRow], limit: int) -> list[TreatmentRow]:
        offset = len(loaded)
        pages.append((offset, limit))
        return rows[offset : offset + 2]

    paged.reset(rows[:2], 5, fetch)
    qtmodeltester.check(paged)
    while paged.canFetchMore(QModelIndex()):
        paged.fetchMore(QModelIndex())
    assert paged.rowCount() == 5 and pages[0][0] == 2


def test_pages_and_the_count_come_from_the_database_off_the_ui_thread(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PagedRowTableModel, "PAGE_SIZE", 40)
    view = TreatmentsView(ctx)
    qtbot.addWidget(view)
    view.resize(1280, 400)
    view.show()
    view.reload()
    assert view.busy and view.count.text() == "Loading…"  # nothing waits on the UI thread
    loaded(qtbot, view)
    assert view.model.rowCount() == 40 and view.model.total == DEMO_TREATMENTS
    while view.model.canFetchMore():  # as the table asks when scrolled to its end
        before = view.model.rowCount()
        view.model.fetchMore()
        qtbot.waitUntil(lambda n=before: view.model.rowCount() > n, timeout=30_000)
    with ctx.db.read() as session:
        whole = list_treatments(session)
    assert [view.model.row(i) for i in range(view.model.rowCount())] == whole

    view.search.setText("placelux hart")
    view.reload()
    loaded(qtbot, view)
    with ctx.db.read() as session:
        found = list_treatments(session, search="placelux hart")
    assert 0 < len(found) < 40
    assert [view.model.row(i) for i in range(view.model.rowCount())] == found
    assert not view.model.canFetchMore()
    assert view.count.text() == f"{len(found)} treatments found"


def test_typing_asks_once_typing_pauses_and_stale_answers_are_dropped(
    view: TreatmentsView, qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def page(session: Any, search: str = "", **kw: Any) -> list[TreatmentRow]:
        if kw.get("after") is None:
            asked.append(search)
        return listing.treatments_page(session, search, **kw)

    monkeypatch.setattr(treatments_view, "treatments_page", page)
    qtbot.keyClicks(view.search, "placelux")  # eight keys, quicker than the pause
    assert asked == []
    loaded(qtbot, view)
    assert asked == ["placelux"]
    assert set(column(view, 5)) == {"PlaceLux Exo Lyo"}

    view.search.setText("hart")
    view.reload()
    view.search.setText("celvia")  # asked before the first answer came: served after it
    view.reload()
    loaded(qtbot, view)
    assert asked[1:] == ["hart", "celvia"]
    assert {p.startswith("Celvia") for p in column(view, 5)} == {True}
    assert view.count.text().endswith("found")


def test_a_query_that_fails_says_so_and_the_next_reload_asks_again(
    view: TreatmentsView, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kw: Any) -> list[TreatmentRow]:
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(treatments_view, "treatments_page", broken)
    with qtbot.waitSignal(view.status_message, timeout=30_000) as said:
        view.reload()
    assert said.args == ["Could not load the treatments: disk I/O error"]
    assert view.count.text() == said.args[0] and view.model.rowCount() == DEMO_TREATMENTS
    monkeypatch.undo()
    view.reload()
    loaded(qtbot, view)
    assert view.count.text() == f"{DEMO_TREATMENTS} treatments"
