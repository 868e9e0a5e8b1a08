"""The Treatments view on the demo clinic: newest first, search, paging, the overridden marker,
opening a treatment's card, and recording a new treatment from it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from exodesk.models import Severity
from exodesk.services.treatments.recording import TreatmentDraft, TreatmentRow, record_treatment
from exodesk.ui.common import severity
from exodesk.ui.common.table_models import PagedRowTableModel
from exodesk.ui.shell.context import AppContext
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
    view: TreatmentsView, ctx: AppContext, tmp_path: Path
) -> None:
    ref = record_overridden(ctx)  # the bus tells the view to reload
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
    assert view.model.rowCount() == DEMO_TREATMENTS
    qtbot.keyClicks(view.search, "no such thing")
    qtbot.keyClick(view.search, Qt.Key.Key_Return)
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
    assert view.model.rowCount() == 50 and view.model.canFetchMore()
    assert view.count.text() == f"{DEMO_TREATMENTS} treatments"
    view.select("T-0001")
    assert view.model.rowCount() == DEMO_TREATMENTS and not view.model.canFetchMore()
    assert view.selected_ref() == "T-0001"
    view.select("T-9999")
    assert view.selected_ref() == "T-0001"


def test_select_clears_a_search_that_hides_the_treatment(view: TreatmentsView) -> None:
    view.search.setText("P-0001")
    view.reload()
    assert "T-0100" not in column(view, 1)
    view.select("T-0100")
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
    assert view.selected_ref() == "T-0208"
    assert view.model.index(0, 3).data() == "P-8000"


def test_the_table_model_passes_the_model_tester(
    view: TreatmentsView, ctx: AppContext, qtmodeltester: ModelTester
) -> None:
    record_overridden(ctx)
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
