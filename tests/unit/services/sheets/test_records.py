"""Rows as records: empty rows skipped wherever they are, refs derived from a row's contents
(whatever the order of the columns) and its place among identical rows, and problems of the
file named by the row and column they came from."""

from __future__ import annotations

from typing import Any

from exodesk.services.errors import Problem
from exodesk.services.sheets.headers import find_header
from exodesk.services.sheets.locating import located
from exodesk.services.sheets.reading import Grid
from exodesk.services.sheets.records import SheetRecords, build_records, derived_ref

HEADER = ["Date", "Product", "Lot", "Patient", "Practitioner", "Route", "Vials"]
ROW = ["2026-05-01", "Exo", "L1", "P-1", "Dr A", "intradermal", "1"]


def sheet_of(rows: list[list[Any]], kind: str = "treatments") -> SheetRecords:
    grid = Grid("t", rows)
    header = find_header(grid, kind, {})
    assert header is not None
    return build_records(grid, header, kind, None)


def test_refs_depend_on_contents_and_place_not_on_column_order() -> None:
    a = {"date": "2026-05-01", "patient": "P-1", "vials": 1}
    b = {"vials": 1, "patient": "P-1", "date": "2026-05-01"}
    assert derived_ref(a, {}) == derived_ref(b, {})
    seen: dict[str, int] = {}
    first, second = derived_ref(a, seen), derived_ref(a, seen)
    assert first != second and first == derived_ref(a, {})
    assert derived_ref({**a, "vials": 2}, {}) != first


def test_empty_rows_are_skipped_and_rows_keep_their_numbers() -> None:
    sheet = sheet_of([["Treatments"], HEADER, ROW, [], ["", " ", None], ROW, [None] * 12])
    assert sheet.rows == [3, 6]
    assert sheet.refs_derived
    assert sheet.records[0]["ref"] != sheet.records[1]["ref"]  # identical rows: two treatments
    reordered = sheet_of([list(reversed(HEADER)), list(reversed(ROW))])
    assert reordered.records[0]["ref"] == sheet.records[0]["ref"]


def test_problems_are_named_by_row_and_column() -> None:
    sheet = sheet_of([HEADER, ROW, ROW])
    problems = [
        Problem("treatments[1].vials", "must be at most 1000 (got 5000)"),
        Problem("treatments[0].lot", "already exists in treatments[1]"),
        Problem("treatments[1].zone", "not allowed here"),
        Problem("(file)", "something about the whole file"),
    ]
    assert [str(p) for p in located(problems, sheet)] == [
        "row 2, column C (Lot): already exists in row 3",
        "row 3: zone: not allowed here",  # the row as a whole before its columns
        "row 3, column G (Vials): must be at most 1000 (got 5000)",
        "something about the whole file",
    ]


def test_a_lots_sheets_locations_are_named_once_with_their_first_row() -> None:
    sheet = sheet_of(
        [
            ["Product", "Lot", "Expiry", "Qty", "Fridge"],
            ["Exo", "L1", "2027-01-01", "1", "Fridge B"],
            ["Exo", "L2", "2027-01-01", "1", "Fridge B"],
            ["Exo", "L3", "2027-01-01", "1", "Fridge C"],
        ],
        "lots",
    )
    assert sheet.locations == {"Fridge B": 0, "Fridge C": 2}
    assert sheet.document()["locations"] == [{"name": "Fridge B"}, {"name": "Fridge C"}]
    said = located([Problem("locations[1].name", "too long")], sheet)
    assert [str(p) for p in said] == ["row 4, column E (Fridge): too long"]
