"""The Stock list exports CSV (every lot the filter shows, formula cells neutralised, the
status bar naming the file) and prints (the Print button and File › Print)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from exodesk.models.enums import LotStatus
from exodesk.ui.shell.actions import ActionId
from exodesk.ui.shell.main_window import MainWindow
from exodesk.ui.stock import stock_view
from exodesk.ui.stock.stock_view import StockView


@pytest.fixture
def view(qtbot: QtBot, ctx: Any) -> StockView:
    widget = StockView(ctx)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    with qtbot.waitSignal(widget.model.modelReset, timeout=30_000):
        widget.reload()
    return widget


def test_the_stock_list_exports_what_the_filter_shows(
    qtbot: QtBot, view: StockView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "stock.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args: (str(target), "CSV (*.csv)"))
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        view.status_filter.setCurrentIndex(view.status_filter.findData(LotStatus.QUARANTINE))
    with qtbot.waitSignal(view.status_message) as said:
        view.csv_button.click()
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert {(r["product"], r["lot"], r["status"]) for r in rows} == {
        ("Celvia MSC-Exo Lyo 50", "CV-6233B", "quarantine"),
        ("Rosalis Callus Exosome Cream", "RS-A118", "quarantine"),
    }
    assert said.args == [f"Exported 2 lot(s) to {target}."]


def test_formula_cells_are_neutralised_in_the_stock_csv(view: StockView, ctx: Any) -> None:
    from exodesk.services.stock.listing import stock_csv
    from exodesk.services.stock.lots import LotLine

    line = view.model.line(0)
    hostile = LotLine(line.lot_id, "=HYPERLINK(1)", "+SUM(A1)", line.expiry, "@x", line.status, 1)
    text = stock_csv([hostile], ctx.today())
    row = next(csv.DictReader(io.StringIO(text)))
    assert (row["product"], row["lot"], row["location"]) == ("'=HYPERLINK(1)", "'+SUM(A1)", "'@x")


def test_the_stock_list_prints_from_its_button_and_file_print(
    qtbot: QtBot, ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed: list[str] = []
    monkeypatch.setattr(
        stock_view, "print_with_dialog", lambda page, _parent, **_kw: printed.append(page)
    )
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.show_view("Stock")
    qtbot.waitUntil(lambda: window.stock.model.rowCount() > 0, timeout=30_000)
    window.actions_by_id[ActionId.PRINT].trigger()
    window.stock.print_button.click()
    assert len(printed) == 2
    assert "Stock on hand" in printed[0] and "CV-6233B" in printed[0]


def test_the_stock_list_names_statuses_as_every_other_view_does(view: StockView) -> None:
    from exodesk.models.vocabulary import label

    shown = {view.model.index(row, 4).data() for row in range(view.model.rowCount())}
    assert label(LotStatus.RELEASED) in shown
    assert "released" not in shown
