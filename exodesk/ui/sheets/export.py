"""The views' export: one save dialog (the file dialogs' helper) offering CSV and Excel
workbook; the file is written in the format its name says (choosing the dialog's Excel filter
turns the suggested name's .csv into .xlsx). A name without either is written as CSV, as the
views wrote it before."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from exodesk.files import write_atomically
from exodesk.models.vocabulary import EXPORT_FILTERS
from exodesk.services.sheets.xlsx_export import Table, table_csv, write_xlsx
from exodesk.ui.common.file_dialogs import ask_save_file


def ask_table_file(parent: QWidget | None, title: str, suggested: str) -> Path | None:
    """Where to export (`suggested`: the name without its suffix), as .csv or .xlsx."""
    return ask_save_file(parent, title, f"{Path(suggested).name}.csv", EXPORT_FILTERS)


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() == ".xlsx"


def write_table(path: Path, table: Table) -> int:
    """Write `table` as a workbook or CSV, as `path`'s suffix says; returns its row count."""
    if is_workbook(path):
        return write_xlsx(path, table)
    write_atomically(path, table_csv(table))
    return len(table.rows)
