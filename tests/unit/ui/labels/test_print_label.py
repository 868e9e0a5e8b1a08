"""The label dialog: its size choice (remembered), its preview, Print… through Qt's print
dialog (to a PDF-writing QPrinter here: its page is the label) and Save as PDF…; the
functions a lot's card and the reconstitution dialog call."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import zxingcpp
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from shots import save_shot

from exodesk.services.labels import LotLabel, VialLabel, lot_label_content
from exodesk.ui.labels import print_label
from exodesk.ui.labels.print_label import LabelDialog, print_lot_label, print_vial_label
from exodesk.ui.labels.sizes import LABEL_SIZES, size_by_key

LOT = LotLabel(
    "ExoGlow 10 mg", "CV-9001X", dt.date(2027, 3, 31), dt.date(2026, 11, 20), "09506000134352"
)
HRI = "(01)09506000134352(17)270331(10)CV-9001X"


def page_mm(pdf: Path) -> tuple[float, float]:
    match = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf.read_bytes())
    assert match, "no MediaBox in the PDF"
    return tuple(round(float(v) / 72 * 25.4) for v in match.groups())  # type: ignore[return-value]


def test_print_goes_through_qts_print_dialog_on_a_page_the_labels_size(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "printed.pdf"
    seen: list[QPrinter] = []

    def pdf_printer() -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        seen.append(printer)
        return printer

    monkeypatch.setattr(print_label, "new_printer", pdf_printer)
    monkeypatch.setattr(QPrintDialog, "exec", lambda _self: QPrintDialog.DialogCode.Accepted)
    dialog = LabelDialog(lot_label_content(LOT))
    qtbot.addWidget(dialog)
    dialog.size_box.setCurrentIndex(LABEL_SIZES.index(size_by_key("102x51")))
    assert dialog.print_label() is True
    assert target.is_file() and target.stat().st_size > 1000
    assert page_mm(target) == (102, 51)
    [printer] = seen
    assert printer.fullPage()


def test_a_cancelled_print_dialog_prints_nothing(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "never.pdf"

    def pdf_printer() -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return printer

    monkeypatch.setattr(print_label, "new_printer", pdf_printer)
    monkeypatch.setattr(QPrintDialog, "exec", lambda _self: QPrintDialog.DialogCode.Rejected)
    dialog = LabelDialog(lot_label_content(LOT))
    qtbot.addWidget(dialog)
    assert dialog.print_label() is False
    assert not target.exists()


def test_save_as_pdf_writes_the_label_at_the_chosen_size(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def ask(_parent: object, _title: str, suggested: str, _filters: str) -> Path:
        asked.append(suggested)
        return tmp_path / "lot-label"  # no suffix typed: .pdf is added

    monkeypatch.setattr(print_label, "ask_save_file", ask)
    dialog = LabelDialog(lot_label_content(LOT))
    qtbot.addWidget(dialog)
    dialog.size_box.setCurrentIndex(LABEL_SIZES.index(size_by_key("57x32")))
    path = dialog.save_pdf()
    assert asked == ["label-lot-ExoGlow-10-mg-CV-9001X.pdf"]
    assert path == tmp_path / "lot-label.pdf"
    assert path.is_file() and path.stat().st_size > 1000
    assert page_mm(path) == (57, 32)


def test_the_size_is_remembered_and_the_preview_follows_it(qtbot: QtBot, tmp_path: Path) -> None:
    first = LabelDialog(lot_label_content(LOT))
    qtbot.addWidget(first)
    assert first.label_size() == LABEL_SIZES[0]
    narrow = first.preview.pixmap().height()
    first.size_box.setCurrentIndex(LABEL_SIZES.index(size_by_key("57x32")))
    taller = first.preview.pixmap().height()
    assert taller > narrow  # 57 x 32 is taller for its width than 62 x 29
    [found] = zxingcpp.read_barcodes(first.preview.pixmap().toImage())
    assert found.text == HRI  # the preview is the label, symbol and all
    again = LabelDialog(lot_label_content(LOT))
    qtbot.addWidget(again)
    assert again.label_size() == size_by_key("57x32")
    again.show()
    save_shot(again, "label-dialog", tmp_path)
    assert not again.note.isVisibleTo(again)


def test_the_dialog_says_when_the_label_has_no_symbol(qtbot: QtBot) -> None:
    dialog = LabelDialog(lot_label_content(LotLabel("ExoGlow", "CV-1", dt.date(2027, 1, 31), None)))
    qtbot.addWidget(dialog)
    assert dialog.note.isVisibleTo(dialog)
    assert "without a DataMatrix: no GTIN on file for this product" in dialog.note.text()


def test_the_entry_points_open_the_dialog_with_the_right_label(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[LabelDialog] = []

    def record(self: LabelDialog) -> int:
        shown.append(self)
        return int(QDialog.DialogCode.Rejected)

    monkeypatch.setattr(LabelDialog, "exec", record)
    print_lot_label(None, LOT)
    vial = VialLabel(
        "ExoGlow 10 mg",
        "CV-9001X",
        dt.date(2027, 3, 31),
        dt.datetime(2026, 11, 22, 9, 5),
        6,
        "jd",
        "09506000134352",
    )
    print_vial_label(None, vial)
    lot_dialog, vial_dialog = shown
    for dialog in shown:
        qtbot.addWidget(dialog)
    assert lot_dialog.content.kind.value == "lot"
    assert vial_dialog.content.kind.value == "vial"
    assert "Use by: 2026-11-22 15:05" in [line.text for line in vial_dialog.content.lines]
