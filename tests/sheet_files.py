"""Spreadsheets for the import-sheet tests, made by the libraries a clinic's sheets come from:
real .xlsx workbooks written with openpyxl (title rows, merged cells, date cells, numbers
stored as text) and CSV files as spreadsheets save them (UTF-8 with or without BOM, comma or
semicolon). `clinic_document()` is what the database holds before a sheet comes in: the
sample clinic's product, its location and its documents, and no lots."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
from sample_files import LOT, PRODUCT, Doc, base_document

__all__ = ["LOT", "PRODUCT", "clinic_document", "write_csv", "write_xlsx"]


def clinic_document() -> Doc:
    """The sample clinic without its lot (and the lot's certificate of analysis)."""
    doc = base_document()
    doc["lots"] = []
    doc["documents"] = [d for d in doc["documents"] if d["kind"] != "certificate_of_analysis"]
    return doc


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    merges: Iterable[str] = (),
    title: str = "Sheet1",
    text_cells: Iterable[str] = (),
    sheets: dict[str, Sequence[Sequence[Any]]] | None = None,
) -> Path:
    """A workbook whose first sheet holds `rows` from A1 (None: an empty cell), with the
    ranges `merges` merged (their top-left cell keeps the value) and the cells `text_cells`
    formatted as text ("@"), as a spreadsheet keeps a number typed into a text cell.
    `sheets` adds more sheets after it."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    for cell in text_cells:
        sheet[cell].number_format = "@"
    for merged in merges:
        sheet.merge_cells(merged)
    for name, more in (sheets or {}).items():
        extra = book.create_sheet(name)
        for row in more:
            extra.append(list(row))
    book.save(path)
    return path


def write_csv(
    path: Path, rows: Sequence[Sequence[Any]], *, separator: str = ",", bom: bool = False
) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    path.write_text(out.getvalue(), encoding="utf-8-sig" if bom else "utf-8", newline="")
    return path
