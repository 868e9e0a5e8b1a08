"""Reading a spreadsheet file into rows of cells: .xlsx (and the other workbooks
python-calamine reads) or .csv (UTF-8 with or without BOM, comma or semicolon separated).

Rows are kept as the spreadsheet numbers them (the first list is row 1), empty rows included,
so a message can name the row a person sees. A merged cell's value fills the cells below it in
its column (a product name merged over three lot rows names the product of each)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import python_calamine

from exodesk.services.errors import InvalidInput, Problem
from exodesk.services.sheets.cells import Cell, Row, is_empty

SEPARATORS = (",", ";")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_CELL_CHARS = 1_000_000  # one CSV cell; a longer one is refused, not truncated


@dataclass(frozen=True)
class Grid:
    """One sheet's cells: `rows[0]` is spreadsheet row 1. `separator` is the CSV's (or "").
    `across` holds the cells merged across columns: (row, first column, last column), 0-based."""

    name: str
    rows: list[Row]
    separator: str = ""
    across: tuple[tuple[int, int, int], ...] = ()


def refused(message: str) -> InvalidInput:
    return InvalidInput([Problem("", message)])


def read_grids(path: Path, sheet: str | None = None) -> list[Grid]:
    """The sheet of `path` as rows of cells. A workbook gives one grid: the sheet named
    `sheet`, else its first visible worksheet. A CSV gives one grid per separator it could
    use, for the header search to choose between (`sheet` does not apply to it)."""
    try:
        with path.open("rb") as f:
            start = f.read(len(_ZIP_MAGIC))
    except OSError as exc:
        raise refused(f"{path.name}: cannot read the file ({exc.strerror})") from None
    if path.suffix.lower() in WORKBOOK_SUFFIXES or start.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        return [_workbook_grid(path, sheet)]
    return _csv_grids(path)


def _workbook_grid(path: Path, sheet: str | None) -> Grid:
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # the reader's own errors: a damaged or foreign file
        raise refused(
            f"{path.name}: not a spreadsheet ExoDesk can read ({type(exc).__name__}: {exc})"
        ) from None
    try:
        names = list(book.sheet_names)
        if sheet is None:
            visible = [
                m.name
                for m in book.sheets_metadata
                if m.visible == python_calamine.SheetVisibleEnum.Visible
                and m.typ == python_calamine.SheetTypeEnum.WorkSheet
            ]
            if not (visible or names):
                raise refused(f"{path.name}: the workbook has no sheet")
            sheet = (visible or names)[0]
        elif sheet not in names:
            raise refused(f"{path.name}: no sheet named {sheet!r} (its sheets: {', '.join(names)})")
        try:
            data = book.get_sheet_by_name(sheet)
            rows = cast(list[Row], data.to_python(skip_empty_area=False))
            merged = data.merged_cell_ranges or []
        except InvalidInput:
            raise
        except Exception as exc:
            raise refused(
                f"{path.name}: cannot read the sheet {sheet!r} ({type(exc).__name__}: {exc})"
            ) from None
    finally:
        book.close()
    for (top, left), (bottom, _right) in merged:
        _fill_down(rows, top, left, bottom)
    across = tuple(sorted((top, left, right) for (top, left), (_, right) in merged if right > left))
    return Grid(sheet, rows, across=across)


def _fill_down(rows: list[Row], top: int, column: int, bottom: int) -> None:
    if top >= len(rows) or column >= len(rows[top]):
        return
    value: Cell = rows[top][column]
    for r in range(top + 1, min(bottom, len(rows) - 1) + 1):
        row = rows[r]
        if column < len(row) and is_empty(row[column]):
            row[column] = value


def _csv_grids(path: Path) -> list[Grid]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise refused(f"{path.name}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise refused(
            f"{path.name}: not UTF-8 text (byte {exc.start + 1}); save the sheet as "
            "CSV UTF-8 or .xlsx"
        ) from None
    grids: list[Grid] = []
    for separator in SEPARATORS:
        if separator not in text and grids:
            continue
        grids.append(Grid(path.name, _csv_rows(path, text, separator), separator))
    return grids


def _csv_rows(path: Path, text: str, separator: str) -> list[Row]:
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CELL_CHARS)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=False)
        rows: list[Row] = [list(row) for row in reader]
    except csv.Error as exc:
        raise refused(f"{path.name}: not a CSV file ExoDesk can read ({exc})") from None
    finally:
        csv.field_size_limit(limit)
    return rows
