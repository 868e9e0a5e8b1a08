"""The views' tables as Excel workbooks, read back with openpyxl (and with python-calamine,
which the import reads with): date cells are dates (yyyy-mm-dd), the header row is frozen,
columns are as wide as their content (capped), a text that looks like a formula is a plain
string cell, never a formula, and the file is written whole or not at all."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
import python_calamine

from exodesk.db import Database, open_database
from exodesk.services.audit.log import AuditFilter, iter_events
from exodesk.services.sheets import xlsx_export
from exodesk.services.sheets.exports import audit_table, stock_table
from exodesk.services.sheets.xlsx_export import MAX_WIDTH, Table, table_csv, write_xlsx
from exodesk.services.stock.listing import stock_lines
from exodesk.services.stock.lots import StockFilter

HOSTILE = ('=HYPERLINK("http://x","y")', "+SUM(A1)", "-2+3", "@cmd", "\tx", "\r=1")


@pytest.fixture
def db(demo_db: Path) -> Iterator[Database]:
    database = open_database(str(demo_db))
    yield database
    database.close()


def read_back(path: Path) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(path).active


def test_days_and_moments_are_date_cells(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    table = Table(
        "Dates",
        ("day", "moment", "count"),
        [(dt.date(2027, 6, 30), dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC), 3)],
    )
    assert write_xlsx(path, table) == 1
    sheet = read_back(path)
    day, moment, count = sheet[2]
    assert day.is_date and day.value == dt.datetime(2027, 6, 30)
    assert day.number_format == "yyyy-mm-dd"
    assert moment.is_date and moment.value == dt.datetime(2026, 11, 2, 9, 30)
    assert moment.number_format == "yyyy-mm-dd hh:mm"
    assert count.value == 3 and count.data_type == "n"


def test_the_header_row_is_frozen_and_bold(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(path, Table("Stock", ("product", "lot"), [("A", "B")]))
    sheet = read_back(path)
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["product", "lot"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.title == "Stock"


def test_formula_looking_text_is_a_plain_string_never_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(path, Table("T", ("text",), [(text,) for text in HOSTILE]))
    cells = [row[0] for row in read_back(path).iter_rows(min_row=2)]
    # the text kept (XML reads a carriage return back as a line feed)
    assert [c.value for c in cells] == [t.replace("\r", "\n") for t in HOSTILE]
    assert {c.data_type for c in cells} == {"s"}  # strings: no cell is a formula ("f")
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    read = [r[0] for r in book.get_sheet_by_index(0).to_python()[1:]]
    assert read == [t.replace("\r", "\n") for t in HOSTILE]
    # the CSV of the same table neutralises them with a leading '
    assert table_csv(Table("T", ("text",), [("=1+1",)])).splitlines()[1] == "'=1+1"


def test_columns_are_as_wide_as_their_content_capped(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(path, Table("T", ("a", "expiry", "note"), [("x", dt.date(2027, 1, 1), "n" * 500)]))
    widths = read_back(path).column_dimensions
    assert widths["A"].width == xlsx_export.MIN_WIDTH
    assert widths["B"].width == len("yyyy-mm-dd") + 2
    assert widths["C"].width == MAX_WIDTH


def test_characters_a_workbook_cannot_hold_are_shown_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(path, Table("T", ("text",), [("bell\x07here",)]))
    assert read_back(path)["A2"].value == "bell\\x07here"


def test_the_file_is_replaced_whole_or_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"the old file")

    def broken(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsx_export, "move_into_place", broken)
    with pytest.raises(OSError):
        write_xlsx(path, Table("T", ("a",), [("b",)]))
    assert path.read_bytes() == b"the old file"
    assert os.listdir(tmp_path) == ["out.xlsx"]  # no temporary file left behind
    monkeypatch.undo()
    write_xlsx(path, Table("T", ("a",), [("b",)]))
    assert read_back(path)["A2"].value == "b"
    assert os.listdir(tmp_path) == ["out.xlsx"]


def test_the_stock_and_audit_tables_of_a_real_database(db: Database, tmp_path: Path) -> None:
    today = dt.date(2026, 11, 22)
    with db.read() as session:
        lines = stock_lines(session, StockFilter())
        events = audit_table(iter_events(session, AuditFilter()))
    path = tmp_path / "stock.xlsx"
    assert write_xlsx(path, stock_table(lines, today)) == len(lines) > 0
    sheet = read_back(path)
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["product", "lot", "expiry"]
    expiries = [row[2] for row in sheet.iter_rows(min_row=2)]
    assert all(c.is_date and c.number_format == "yyyy-mm-dd" for c in expiries)
    assert {c.value.date() for c in expiries} == {line.expiry for line in lines}
    audit = tmp_path / "audit.xlsx"
    write_xlsx(audit, events)
    at = read_back(audit)["B2"]
    assert at.is_date and isinstance(at.value, dt.datetime)
