"""Reading the cells of real files: .xlsx made with openpyxl (rows numbered as the
spreadsheet numbers them, merged cells, date cells, trailing empty rows and columns, the sheet
chosen by name) and CSV as spreadsheets save it (BOM, semicolons, quoted separators)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sheet_files import write_csv, write_xlsx

from exodesk.services.errors import InvalidInput
from exodesk.services.sheets.reading import read_grids


def test_an_xlsx_keeps_the_spreadsheets_row_numbers(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "lots.xlsx",
        [
            [None],
            [None, "Lots received"],
            [None, "Product", "Lot", "Expiry", "Qty"],
            [None, "Exo", "L1", dt.date(2027, 6, 30), 20],
            [None, None, "L2", dt.datetime(2027, 7, 1, 10, 5), "5"],
            [None, None, "L3", 46568, 1.0],
        ],
        merges=["B2:E2", "B4:B6"],  # a title across the columns; one product for three lots
    )
    (grid,) = read_grids(path)
    assert grid.name == "Sheet1"
    assert grid.rows[1][1] == "Lots received"
    assert grid.rows[3][1:] == ["Exo", "L1", dt.date(2027, 6, 30), 20.0]
    assert grid.rows[4][1:] == ["Exo", "L2", dt.datetime(2027, 7, 1, 10, 5), "5"]  # filled down
    assert grid.rows[5][1:] == ["Exo", "L3", 46568.0, 1.0]
    assert grid.rows[1][2] == ""  # a merged title is not repeated across


def test_the_sheet_is_chosen_by_name(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "book.xlsx", [["first"]], sheets={"Lots 2026": [["Product", "Lot"]]}
    )
    assert read_grids(path)[0].rows == [["first"]]
    assert read_grids(path, "Lots 2026")[0].rows == [["Product", "Lot"]]
    with pytest.raises(InvalidInput, match="no sheet named 'Lots'.*Sheet1, Lots 2026"):
        read_grids(path, "Lots")


def test_a_csv_with_bom_and_semicolons(tmp_path: Path) -> None:
    rows = [["Product", "Lot", "Routes"], ["Exo; A", "L1", "intradermal, nasal"]]
    path = write_csv(tmp_path / "lots.csv", rows, separator=";", bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    grids = {g.separator: g for g in read_grids(path)}
    assert grids[";"].rows == rows
    assert grids[","].rows[0] == ["Product;Lot;Routes"]  # the header search picks ";"


def test_a_csv_without_semicolons_is_read_with_commas_only(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "lots.csv", [["Product", "Lot"], ["Exo", "L1"]])
    (grid,) = read_grids(path)
    assert grid.separator == "," and grid.rows == [["Product", "Lot"], ["Exo", "L1"]]


def test_what_cannot_be_read_is_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Produit;Lot\nCrème;L1\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match="not UTF-8 text"):
        read_grids(latin)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InvalidInput, match="not a spreadsheet ExoDesk can read"):
        read_grids(broken)
    with pytest.raises(InvalidInput, match="cannot read the file"):
        read_grids(tmp_path / "missing.csv")
