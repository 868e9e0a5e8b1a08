"""Reports through Qt's own printing: HTML laid out by QTextDocument, to a PDF file or a
printer the user picks."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

STYLE = """
body { font-family: sans-serif; font-size: 9pt; }
h1 { font-size: 15pt; margin-bottom: 2pt; }
p.meta { color: #444; margin-top: 0; }
table { border-collapse: collapse; }
th { background: #e8e8e8; text-align: left; padding: 3pt 6pt; border: 1px solid #999; }
td { padding: 3pt 6pt; border: 1px solid #bbb; }
"""


def html_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in r)
        + "</tr>"
        for r in rows
    )
    return f'<table width="100%" cellspacing="0">{"<tr>" + head + "</tr>"}{body}</table>'


def report_html(title: str, meta: Sequence[str], body: str) -> str:
    lines = "<br>".join(html.escape(m) for m in meta)
    return (
        f"<html><head><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p class='meta'>{lines}</p>{body}</body></html>"
    )


def _document(page_html: str) -> QTextDocument:
    document = QTextDocument()
    document.setHtml(page_html)
    return document


def _a4(printer: QPrinter, landscape: bool) -> None:
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    printer.setPageOrientation(
        QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    )


def save_pdf(page_html: str, path: Path, *, landscape: bool = False) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    _a4(printer, landscape)
    _document(page_html).print_(printer)


def print_with_dialog(page_html: str, parent: QWidget, *, landscape: bool = False) -> bool:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    _a4(printer, landscape)
    dialog = QPrintDialog(printer, parent)
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return False
    _document(page_html).print_(printer)
    return True
