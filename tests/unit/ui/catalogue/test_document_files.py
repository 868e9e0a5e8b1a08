"""A document's attachment through the Documents view: its original file name is shown and
kept, when it was last checked is shown, and an "Open file" that no program opens says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot

from exodesk.ui.catalogue.documents_view import DocumentsView

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CERT = ("ce_certificate", "CE 2913-MDR-04417")


def _view(qtbot: QtBot, ctx: Any, opens: bool) -> tuple[DocumentsView, list[QUrl]]:
    view = DocumentsView(ctx)
    ctx.bus.changed.connect(view.reload)
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return opens

    view.open_url = open_url
    qtbot.addWidget(view)
    view.resize(1280, 800)
    view.show()
    view.reload()
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)  # read off the UI thread
    return view, opened


def test_the_attachments_own_name_is_kept_and_shown(qtbot: QtBot, ctx: Any, tmp_path: Path) -> None:
    view, _opened = _view(qtbot, ctx, opens=True)
    original = tmp_path / "Celvia CE certificate 2026.pdf"
    original.write_bytes(PDF)
    view.show_document(CERT)
    assert view.attach(original)
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)
    view.show_document(CERT)
    detail = view.current()
    assert detail is not None and detail.file_name == "Celvia CE certificate 2026.pdf"
    assert "Celvia CE certificate 2026.pdf, stored as" in view.info.text()
    assert "with the issuer or a register" in view.info.text()  # when it was last checked


def test_a_failed_open_file_says_so(qtbot: QtBot, ctx: Any, tmp_path: Path) -> None:
    view, opened = _view(qtbot, ctx, opens=False)
    pdf = tmp_path / "cert.pdf"
    pdf.write_bytes(PDF)
    view.show_document(CERT)
    assert view.attach(pdf)
    qtbot.waitUntil(lambda: not view.busy, timeout=30_000)
    view.show_document(CERT)
    view.open_file()
    assert len(opened) == 1
    assert view.error.isVisible()
    assert "could not open the file of CE 2913-MDR-04417" in view.error.text()
