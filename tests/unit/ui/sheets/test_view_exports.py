"""Stock, Treatments, Flags, Recall and Audit export an Excel workbook beside the CSV: the
save dialog offers both, the format chosen is written (by the file's suffix, or the filter
picked when the name has none), and the view says where it wrote."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from background_loads import loaded
from conftest import DEMO_TODAY
from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from exodesk.services.compliance import rules
from exodesk.ui.audit.audit_view import AuditView
from exodesk.ui.compliance.flags_view import FlagsView
from exodesk.ui.stock.stock_view import StockView
from exodesk.ui.treatments.recall_view import RecallView
from exodesk.ui.treatments.treatments_view import TreatmentsView

XLSX_FILTER = "Excel workbook (*.xlsx)"


def answer(monkeypatch: pytest.MonkeyPatch, target: Path, chosen: str) -> list[Any]:
    """The save dialog answers `target` with the filter `chosen`; what it was offered."""
    asked: list[Any] = []

    def save(*args: Any) -> tuple[str, str]:
        asked.append(args)
        return str(target), chosen

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    return asked


def show(qtbot: QtBot, widget: Any) -> Any:
    qtbot.addWidget(widget)
    widget.resize(1024, 700)
    widget.show()
    return widget


def sheet(path: Path) -> Any:
    return openpyxl.load_workbook(path).active


def test_stock_exports_a_workbook_when_excel_is_chosen(
    qtbot: QtBot, ctx: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = show(qtbot, StockView(ctx))
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        view.reload()
    target = tmp_path / "stock.xlsx"
    asked = answer(monkeypatch, target, XLSX_FILTER)
    with qtbot.waitSignal(view.status_message) as said:
        view.csv_button.click()
    assert asked[0][3] == "CSV (*.csv);;Excel workbook (*.xlsx)"  # both offered
    assert Path(asked[0][2]).name == "stock.csv"
    ws = sheet(target)
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]][:3] == ["product", "lot", "expiry"]
    assert ws["C2"].is_date and ws["C2"].number_format == "yyyy-mm-dd"
    assert said.args[0].startswith("Exported ") and str(target) in said.args[0]


def test_stock_still_exports_csv(
    qtbot: QtBot, ctx: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = show(qtbot, StockView(ctx))
    with qtbot.waitSignal(view.model.modelReset, timeout=30_000):
        view.reload()
    for name in ("stock.csv", "stock"):  # a name without a suffix: CSV, as before
        answer(monkeypatch, tmp_path / name, "CSV (*.csv)")
        with qtbot.waitSignal(view.status_message):
            view.csv_button.click()
        rows = list(csv.DictReader(io.StringIO((tmp_path / name).read_text("utf-8"))))
        assert rows and rows[0]["expiry"]


def test_treatments_export_what_the_search_shows(
    qtbot: QtBot, ctx: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = show(qtbot, TreatmentsView(ctx))
    view.reload()
    loaded(qtbot, view)
    target = tmp_path / "treatments.xlsx"
    answer(monkeypatch, target, XLSX_FILTER)
    with qtbot.waitSignal(view.status_message) as said:
        view.export_button.click()
    ws = sheet(target)
    assert ws.max_row - 1 == view.model.total > 0
    assert ws["B2"].is_date and ws["B2"].value.date() == view.model.row(0).date
    assert said.args == [f"Exported {view.model.total:,} treatment(s) to {target}."]
    answer(monkeypatch, tmp_path / "treatments.csv", "CSV (*.csv)")
    with qtbot.waitSignal(view.status_message):
        view.export_button.click()
    lines = list(csv.DictReader(io.StringIO((tmp_path / "treatments.csv").read_text("utf-8"))))
    assert [line["ref"] for line in lines] == [c.value for c in ws["A"][1:]]


def test_flags_export_the_flags_shown(
    qtbot: QtBot, ctx: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = show(qtbot, FlagsView(ctx))
    with ctx.db.read() as session:
        view.set_flags(rules.check(session, DEMO_TODAY))
    view.set_filter(text="Celvia")
    loaded(qtbot, view)
    target = tmp_path / "flags.xlsx"
    answer(monkeypatch, target, XLSX_FILTER)
    with qtbot.waitSignal(view.status_message):
        view.export_button.click()
    ws = sheet(target)
    assert ws.max_row - 1 == view.model.rowCount() > 0
    assert {c.value for c in ws["C"][1:]} <= {f.product for f in view.shown_flags()}


def test_recall_and_audit_export_workbooks(
    qtbot: QtBot, ctx: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recall = show(qtbot, RecallView(ctx))
    recall.reload()
    recall.show_lot("Celvia MSC-Exo Lyo 50", "CV-1170A")
    target = tmp_path / "recall.xlsx"
    answer(monkeypatch, target, XLSX_FILTER)
    recall.csv_button.click()
    ws = sheet(target)
    assert [c.value for c in ws["C"][1:]] == [r.ref for r in recall.rows()]
    assert all(isinstance(c.value, dt.datetime) for c in ws["D"][1:])
    assert f"Saved {target}." in recall.message.text()

    audit = show(qtbot, AuditView(ctx))
    audit.set_filter(record="lot")
    loaded(qtbot, audit)
    target = tmp_path / "audit.xlsx"
    answer(monkeypatch, target, XLSX_FILTER)
    with qtbot.waitSignal(audit.status_message) as said:
        audit.csv_button.click()
    assert said.args == [f"Exported {audit.model.total:,} events to {target}."]
    ws = sheet(target)
    assert ws.max_row - 1 == audit.model.total and {c.value for c in ws["E"][1:]} == {"lot"}
    assert ws.freeze_panes == "A2" and ws["B2"].is_date
