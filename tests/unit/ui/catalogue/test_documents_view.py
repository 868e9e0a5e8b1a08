"""The Documents view on the demo clinic, driven offscreen: register a document with its file,
see the file checked against its hash, attach, open, change status, filter."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt, QUrl
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from exodesk.models import DocumentKind
from exodesk.services.catalogue.documents import get_document
from exodesk.services.catalogue.products import flags_for_product
from exodesk.ui.catalogue.document_dialog import DocumentDialog, StatusDialog
from exodesk.ui.catalogue.documents_view import KEY_ROLE, DocumentsView, DocumentTableModel

TODAY = dt.date(2026, 11, 22)
ROSALIS = "Rosalis Callus Exosome Cream"
CELVIA = "Celvia MSC-Exo Lyo 50"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
COL = DocumentTableModel


@pytest.fixture
def view(qtbot: QtBot, ctx: Any) -> DocumentsView:
    widget = DocumentsView(ctx)
    ctx.bus.changed.connect(widget.reload)  # as the main window does for the visible view
    opened: list[QUrl] = []
    widget.open_url = opened.append
    widget.opened = opened  # type: ignore[attr-defined]
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    _settle(qtbot, widget)
    return widget


def _settle(qtbot: QtBot, view: DocumentsView) -> None:
    """Wait until the list is read (off the UI thread)."""
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)


def _shot(widget: QWidget, name: str, tmp_path: Path) -> None:
    shots = Path(os.environ.get("EXODESK_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    assert widget.grab().save(str(shots / name))


def _cell(view: DocumentsView, key: tuple[str, str], column: int) -> str:
    for row in range(view.model.rowCount()):
        if view.model.index(row, 0).data(KEY_ROLE) == key:
            return str(view.model.index(row, column).data())
    raise AssertionError(f"{key} not shown")


def _pdf(tmp_path: Path, name: str = "ifu.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(PDF)
    return path


def _rules(ctx: Any, product: str) -> set[str]:
    with ctx.db.read() as session:
        return {f.rule for f in flags_for_product(session, product, TODAY)}


def test_view_lists_the_demo_documents_with_validity(view: DocumentsView, tmp_path: Path) -> None:
    assert view.model.rowCount() == view.model.total > 40
    assert view.counts.text() == f"{view.model.total} of {view.model.total} documents shown"
    assert _cell(view, ("ce_certificate", "CE 2841-MDR-0356"), COL.COL_VALIDITY) == "withdrawn"
    assert _cell(view, ("ce_certificate", "CE 2874-MDD-2209"), COL.COL_VALIDITY) == "expired"
    assert _cell(view, ("ce_certificate", "CE 0591-MDR-7731"), COL.COL_VALIDITY) == (
        "expires in 45 days, restricted"
    )
    assert _cell(view, ("certificate_of_analysis", "CoA CV-1170A"), COL.COL_LOT) == "CV-1170A"
    assert _cell(view, ("ifu", "IFU APL-22"), COL.COL_FILE) == "no file"
    assert not view.attach_button.isEnabled() or view.current() is not None
    _shot(view, "documents_view.png", tmp_path)


def test_register_a_document_with_its_file_then_see_a_changed_file(
    view: DocumentsView, qtbot: QtBot, ctx: Any, tmp_path: Path
) -> None:
    assert "missing_ifu" in _rules(ctx, ROSALIS)
    qtbot.mouseClick(view.register_button, Qt.MouseButton.LeftButton)
    dialog = view.dialog
    assert isinstance(dialog, DocumentDialog) and dialog.isVisible()
    dialog.set_kind(DocumentKind.IFU)
    qtbot.keyClicks(dialog.number, "IFU RSL-CR rev 1")
    qtbot.keyClicks(dialog.issuer, "Maison Rosalis")
    dialog.check_product(ROSALIS)
    dialog.set_file(_pdf(tmp_path))  # what Browse… would set from the file dialog
    _shot(dialog, "document_dialog.png", tmp_path)
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    _settle(qtbot, view)

    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.error.text()
    key = ("ifu", "IFU RSL-CR rev 1")
    assert view.current() is not None and view.current().key == key  # type: ignore[union-attr]
    assert _cell(view, key, COL.COL_FILE) == "ok"
    assert _cell(view, key, COL.COL_PRODUCTS) == ROSALIS
    assert _cell(view, key, COL.COL_VALIDITY) == "valid"
    assert "missing_ifu" not in _rules(ctx, ROSALIS)
    assert view.open_button.isEnabled()
    qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    with ctx.db.read() as session:
        stored = get_document(session, "ifu", "IFU RSL-CR rev 1", TODAY)
    assert stored.stored_file is not None
    stored_file = ctx.document_store / stored.stored_file
    assert view.opened == [QUrl.fromLocalFile(str(stored_file))]  # type: ignore[attr-defined]

    # someone edits the stored file behind ExoDesk's back
    stored_file.write_bytes(PDF + b"% edited\n")
    view.reload()
    _settle(qtbot, view)
    assert _cell(view, key, COL.COL_FILE) == "CHANGED"
    row = next(
        r for r in range(view.model.rowCount()) if view.model.index(r, 0).data(KEY_ROLE) == key
    )
    file_cell = view.model.index(row, COL.COL_FILE)
    assert file_cell.data(Qt.ItemDataRole.DecorationRole) is not None  # warning icon
    assert "no longer matches" in file_cell.data(Qt.ItemDataRole.ToolTipRole)
    assert "WARN" not in view.info.text() and "BLOCK" in view.info.text()
    assert "1 stored file(s) missing or changed" in view.counts.text()
    _shot(view, "documents_view_changed.png", tmp_path)

    stored_file.unlink()
    view.reload()
    _settle(qtbot, view)
    assert _cell(view, key, COL.COL_FILE) == "MISSING"
    qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    assert view.error.isVisible() and view.error.text().startswith("Error: the file of")


def test_register_refusals_are_shown_naming_the_field(
    view: DocumentsView, qtbot: QtBot, ctx: Any, tmp_path: Path
) -> None:
    dialog = view.new_document()
    dialog.set_kind(DocumentKind.CERTIFICATE_OF_ANALYSIS)
    qtbot.keyClicks(dialog.number, "CoA X")
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error.text() == "Error: lot: a certificate_of_analysis must name its lot"
    assert dialog.labels["lot"].styleSheet() != ""

    dialog.set_kind(DocumentKind.CE_CERTIFICATE)
    dialog.number.clear()
    qtbot.keyClicks(dialog.number, "CE 2913-MDR-04417")
    dialog.check_product(CELVIA)
    bad = tmp_path / "scan.docx"
    bad.write_bytes(b"PK\x03\x04")
    dialog.set_file(bad)
    qtbot.mouseClick(dialog.register_button, Qt.MouseButton.LeftButton)
    errors = dialog.error.text()
    assert "number: a CE certificate numbered" in errors
    assert "file: scan.docx is not a PDF or an image" in errors
    assert dialog.labels["number"].styleSheet() != "" and dialog.labels["file"].styleSheet() != ""
    qtbot.wait(20)  # let the dialog lay out the longer error before the screenshot
    _shot(dialog, "document_dialog_error.png", tmp_path)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_register_a_certificate_of_analysis_for_a_lot(
    view: DocumentsView, qtbot: QtBot, ctx: Any
) -> None:
    dialog = view.new_document()
    dialog.set_kind(DocumentKind.CERTIFICATE_OF_ANALYSIS)
    dialog.check_product(CELVIA)
    dialog.lot.setCurrentIndex(dialog.lot.findData("CV-6233B"))
    assert dialog.lot.currentText().startswith("CV-6233B")
    qtbot.keyClicks(dialog.number, "CoA CV-6233B")
    dialog.has_expires.setChecked(True)
    dialog.expires.setDate(QDate(2027, 6, 30))
    qtbot.keyClick(dialog.number, Qt.Key.Key_Return)  # Register is the default button
    _settle(qtbot, view)
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.error.text()
    key = ("certificate_of_analysis", "CoA CV-6233B")
    assert _cell(view, key, COL.COL_LOT) == "CV-6233B"
    assert _cell(view, key, COL.COL_EXPIRES) == "2027-06-30"
    assert _cell(view, key, COL.COL_ISSUED) == TODAY.isoformat()


def test_attach_a_file_to_a_selected_document(
    view: DocumentsView, qtbot: QtBot, ctx: Any, tmp_path: Path
) -> None:
    key = ("ifu", "IFU APL-22")
    view.select(key)
    assert view.current() is not None and view.current().key == key  # type: ignore[union-attr]
    assert not view.open_button.isEnabled()
    bad = tmp_path / "leaflet.txt"
    bad.write_text("not a pdf", encoding="utf-8")
    assert not view.attach(bad)
    assert view.error.text().startswith("Error: file: leaflet.txt is not a PDF or an image")
    assert view.attach(_pdf(tmp_path, "apl.pdf"))
    _settle(qtbot, view)
    assert view.error.isHidden()
    assert _cell(view, key, COL.COL_FILE) == "ok"
    assert view.current().key == key  # type: ignore[union-attr]
    assert "SHA-256" in view.info.text()


def test_change_status_with_a_reason(view: DocumentsView, qtbot: QtBot, ctx: Any) -> None:
    key = ("ce_certificate", "CE 2913-MDR-04417")
    view.select(key)
    dialog = view.change_status()
    assert isinstance(dialog, StatusDialog)
    assert dialog.status.currentData() == "suspended"
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.error.text() == "Error: reason: say why the status changes (for the audit trail)"
    qtbot.keyClicks(dialog.reason, "suspended by the notified body")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    _settle(qtbot, view)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert _cell(view, key, COL.COL_STATUS) == "suspended"
    assert _cell(view, key, COL.COL_VALIDITY) == "suspended"


def test_filter_by_kind_and_search(view: DocumentsView, qtbot: QtBot) -> None:
    view.kind.setCurrentIndex(view.kind.findData("ce_certificate"))
    _settle(qtbot, view)
    assert view.model.rowCount() == 6
    view.focus_search()
    qtbot.keyClicks(view.search, "notified body 2913")
    _settle(qtbot, view)
    assert view.model.rowCount() == 2
    assert view.counts.text().startswith("2 of 6 documents shown")
    view.select(("ifu", "IFU APL-22"))  # hidden by both filters: they are cleared
    _settle(qtbot, view)
    assert view.kind.currentIndex() == 0 and view.search.text() == ""
    assert view.current().key == ("ifu", "IFU APL-22")  # type: ignore[union-attr]


def test_model_passes_the_model_tester(view: DocumentsView, qtmodeltester: ModelTester) -> None:
    qtmodeltester.check(view.model)
