"""A table of the window (Stock, Treatments, Flags, Recall, Audit) as an Excel workbook
(.xlsx, openpyxl), beside the CSV: one sheet, the header row in bold and frozen, each column
as wide as its content (capped), days and moments as real date cells (yyyy-mm-dd).

Formula cells are neutralised: every text is written as a plain string cell (`t="s"`), which
a spreadsheet shows as it is and never evaluates, so `=HYPERLINK(…)` stays the text it was
(the CSV needs a leading `'` for that: `csvcells`). Characters XML cannot hold are shown as
`\\xNN`. The workbook is written whole to a temporary file beside the target, then moved into
place, so the target is never partial."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from exodesk import csvcells
from exodesk.files import full_disk_named, move_into_place, temporary_beside

Value = str | int | float | bool | dt.date | dt.datetime | None

DATE_FORMAT = "yyyy-mm-dd"
MOMENT_FORMAT = "yyyy-mm-dd hh:mm"
MIN_WIDTH, MAX_WIDTH = 6, 60  # characters
MAX_TITLE = 31  # the longest sheet name a workbook takes
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NOT_IN_TITLE = re.compile(r"[\[\]:*?/\\]")
WIDTH_SAMPLE = 5_000  # rows measured for the widths (a long audit trail is not read twice)


@dataclass(frozen=True)
class Table:
    """What a view exports: a title (the sheet's name), the header, and the rows of values
    (text, numbers, yes/no, days, moments; None is an empty cell)."""

    title: str
    header: tuple[str, ...]
    rows: Sequence[Sequence[Value]]


def _text(value: Value) -> str:
    """A value as the CSV and the width measure write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def table_csv(table: Table) -> str:
    """The table as CSV text (formula cells neutralised), for views with no CSV of their own."""
    out = io.StringIO()
    writer = csvcells.writer(out, lineterminator="\n")
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([_text(v) if not isinstance(v, (int, float)) else v for v in row])
    return out.getvalue()


def plain(text: str) -> str:
    """Text a workbook can hold: XML's forbidden control characters shown as \\xNN."""
    return _ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def sheet_title(title: str) -> str:
    cleaned = _NOT_IN_TITLE.sub("-", title).strip("'") or "Sheet"
    return cleaned[:MAX_TITLE]


def _width(value: Value) -> int:
    if isinstance(value, dt.datetime):
        return len(MOMENT_FORMAT)
    if isinstance(value, dt.date):
        return len(DATE_FORMAT)
    text = _text(value)
    return max((len(line) for line in text.splitlines()), default=0)


def widths(table: Table) -> list[int]:
    """Each column's width in characters: its longest value (or header), plus a margin,
    between MIN_WIDTH and MAX_WIDTH."""
    found = [len(h) for h in table.header]
    for row in table.rows[:WIDTH_SAMPLE]:
        for i, value in enumerate(row[: len(found)]):
            found[i] = max(found[i], _width(value))
    return [min(max(w + 2, MIN_WIDTH), MAX_WIDTH) for w in found]


def _cell(sheet: object, value: Value) -> WriteOnlyCell:
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=plain(value))
        cell.data_type = "s"  # never a formula, whatever it starts with
        return cell
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
        cell.number_format = MOMENT_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return WriteOnlyCell(sheet, value=value)


def _rows(sheet: object, table: Table) -> Iterable[list[WriteOnlyCell]]:
    bold = Font(bold=True)
    heads = []
    for h in table.header:
        cell = _cell(sheet, h)
        cell.font = bold
        heads.append(cell)
    yield heads
    for row in table.rows:
        yield [_cell(sheet, value) for value in row]


def workbook_bytes(table: Table) -> bytes:
    """The table as the bytes of an .xlsx file."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(table.title))
    for i, width in enumerate(widths(table), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    for row in _rows(sheet, table):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_xlsx(path: Path, table: Table) -> int:
    """Write `table` to `path` as a workbook, whole or not at all; returns its row count."""
    path = Path(path)
    data = workbook_bytes(table)
    with full_disk_named(path), temporary_beside(path.parent, f".{path.name}.") as tmp:
        tmp.write_bytes(data)
        move_into_place(tmp, path)
    return len(table.rows)
