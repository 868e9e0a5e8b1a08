"""The one date field (one Tab leaves it; a day typed whole, ISO or dd.mm.yyyy) and the one
file-dialog helper (Documents folder first, then the folder used last)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from exodesk.ui.common import file_dialogs
from exodesk.ui.common.date_field import DateField, typed_day


@pytest.fixture
def form(qtbot: QtBot) -> tuple[QLineEdit, DateField, QLineEdit]:
    widget = QWidget()
    qtbot.keep = widget  # type: ignore[attr-defined]  # alive for the test
    layout = QVBoxLayout(widget)
    before, date, after = QLineEdit(), DateField(QDate(2026, 1, 1)), QLineEdit()
    for field in (before, date, after):
        layout.addWidget(field)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return before, date, after


def test_one_tab_enters_and_one_tab_leaves_a_date(
    qtbot: QtBot, form: tuple[QLineEdit, DateField, QLineEdit]
) -> None:
    before, date, after = form
    before.setFocus()
    qtbot.keyClick(before, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is date
    qtbot.keyClick(date, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is after
    qtbot.keyClick(after, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is date
    qtbot.keyClick(date, Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is before


@pytest.mark.parametrize("typed", ["2026-11-22", "22.11.2026", "22/11/2026"])
def test_a_day_is_typed_whole_in_iso_or_day_first(
    qtbot: QtBot, form: tuple[QLineEdit, DateField, QLineEdit], typed: str
) -> None:
    _before, date, after = form
    date.setFocus()
    date.lineEdit().selectAll()
    qtbot.keyClicks(date, typed)
    qtbot.keyClick(date, Qt.Key.Key_Tab)
    assert date.date().toPython() == dt.date(2026, 11, 22)
    assert date.text() == "2026-11-22"  # shown as the clinic writes days
    assert QApplication.focusWidget() is after


def test_typed_day_refuses_what_is_no_day() -> None:
    assert typed_day("31.02.2026") is None
    assert typed_day("2026-13-01") is None
    assert typed_day("next tuesday") is None


def test_every_dialog_of_the_program_uses_the_one_date_field() -> None:
    ui = Path(__file__).parents[4] / "exodesk" / "ui"
    offenders = [
        str(p.relative_to(ui))
        for p in ui.rglob("*.py")
        if "QDateEdit(" in p.read_text(encoding="utf-8") and p.name != "date_field.py"
    ]
    assert offenders == []


def test_file_dialogs_start_in_documents_then_remember_the_last_folder(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    chosen = tmp_path / "exports" / "stock.csv"
    chosen.parent.mkdir()

    def save_name(_parent: Any, _title: str, start: str, _filters: str) -> tuple[str, str]:
        asked.append(start)
        return str(chosen), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    QSettings().remove(file_dialogs.LAST_FOLDER_KEY)
    assert file_dialogs.ask_save_file(None, "Save", "stock.csv", "CSV (*.csv)") == chosen
    assert Path(asked[0]) == file_dialogs.documents_folder() / "stock.csv"
    assert file_dialogs.ask_save_file(None, "Save", "again.csv", "CSV (*.csv)") == chosen
    assert Path(asked[1]) == chosen.parent / "again.csv"  # remembered (QSettings)


CALLS = ("getOpenFileName", "getSaveFileName", "getOpenFileNames")


def test_no_file_dialog_is_opened_but_through_the_helper() -> None:
    exodesk = Path(__file__).parents[4] / "exodesk"
    offenders = [
        str(p.relative_to(exodesk))
        for p in exodesk.rglob("*.py")
        if any(f"QFileDialog.{call}(" in p.read_text(encoding="utf-8") for call in CALLS)
        and p.name != "file_dialogs.py"
    ]
    assert offenders == []
