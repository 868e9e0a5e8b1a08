"""Sheets imported exactly as `exodesk import` imports a file: real .xlsx and CSV files in,
all or nothing, the same rules, the same idempotence, and every problem named by the row and
column of the sheet (`row N, column C (HEADER): what is wrong`)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from sample_files import LOCATION, LOT, PRODUCT, day
from sheet_files import clinic_document, write_csv, write_xlsx

from exodesk.db import Database, open_database
from exodesk.services.errors import InvalidInput
from exodesk.services.interchange.export import export_document
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.sheets.dates import DayOrder
from exodesk.services.sheets.importing import SheetImported, SheetOptions, import_sheet, read_sheet
from exodesk.services.sheets.records import DERIVED_REF_PREFIX

USER = "stella"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
LOT_HEADER = ["Product", "Batch no.", "Use by", "Date received", "Qty", "Fridge"]
TREATMENT_HEADER = ["Date", "Product", "Lot", "Patient", "Practitioner", "Route", "Zone", "Vials"]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "clinic.sqlite"))
    with database.write() as session:
        import_bytes(session, json.dumps(clinic_document()), user=USER, source="clinic.json")
    yield database
    database.close()


def snapshot(db: Database) -> Any:
    with db.read() as session:
        return export_document(session)


def sheet_in(db: Database, path: Path, kind: str, **options: Any) -> SheetImported:
    dry_run = options.pop("dry_run", False)
    read = read_sheet(path, SheetOptions(kind, **options))
    with db.write() as session:
        return import_sheet(session, read, user=USER, dry_run=dry_run)


def refused(db: Database, path: Path, kind: str, **options: Any) -> list[str]:
    """Import the sheet: it must be refused with short clean messages, nothing written."""
    before = snapshot(db)
    with pytest.raises(InvalidInput) as caught:
        sheet_in(db, path, kind, **options)
    assert snapshot(db) == before
    said = [str(p) for p in caught.value.problems]
    for line in said:
        assert len(line) < 300 and not CONTROL.search(line), repr(line)
    return said


def lots_of(db: Database) -> dict[str, dict[str, Any]]:
    return {rec["lot"]: rec for rec in snapshot(db)["lots"]}


def lots_xlsx(tmp_path: Path, *rows: list[Any], name: str = "lots.xlsx") -> Path:
    """A lots workbook as clinics keep them: a title, a blank row, then the header at row 3."""
    return write_xlsx(
        tmp_path / name,
        [["Stock received", None, None, None], [], LOT_HEADER, *rows],
        merges=["A1:D1"],
    )


def test_a_lots_workbook_as_clinics_keep_it(db: Database, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "lots.xlsx",
        [
            ["Example Clinic — stock received", None, None, None, None, None],
            [None],
            ["Product", "Batch", "Dates", None, "Vials", "Storage", "Notes", None, None],
            [None, None, "Expiry date", "Received", None, None, None],
            [PRODUCT, 2406.0, dt.date(2027, 6, 30), dt.datetime(2026, 1, 10), "20", "Fridge B"],
            [None, "L2", 46568, "10/01/2026", 5.0, LOCATION, "first delivery"],
            [None, "L3", "30/06/2027", "2026-01-11", 1, None],
            [],
            [None, None, None, None, None, None, None, None, None],
        ],
        # a title across the top; "Dates" over two columns; Product, Batch, Vials and
        # Storage merged down over both header rows; one product merged over three lots
        merges=["A1:F1", "C3:D3", "A3:A4", "B3:B4", "E3:E4", "F3:F4", "A5:A7"],
        text_cells=["E5"],
    )
    done = sheet_in(db, path, "lots", dates=DayOrder.DAY_FIRST)
    assert done.summary.added["lots"] == 3 and done.summary.added["locations"] == 1
    lots = lots_of(db)
    assert lots["2406"] == {
        "product": PRODUCT,
        "lot": "2406",
        "expiry": "2027-06-30",
        "received": "2026-01-10",
        "quantity": 20,
        "location": "Fridge B",
        "status": "released",
        "void": None,
    }
    assert (lots["L2"]["expiry"], lots["L2"]["received"], lots["L2"]["quantity"]) == (
        "2027-06-30",
        "2026-01-10",
        5,
    )
    assert (lots["L3"]["expiry"], lots["L3"]["location"]) == ("2027-06-30", None)
    assert {rec["name"] for rec in snapshot(db)["locations"]} == {LOCATION, "Fridge B"}


def test_the_same_sheet_twice_changes_nothing(db: Database, tmp_path: Path) -> None:
    path = lots_xlsx(tmp_path, [PRODUCT, "L1", "2027-06-30", "2026-01-10", 10, "Fridge B"])
    assert sheet_in(db, path, "lots").summary.total_added == 2  # the lot and its fridge
    after = snapshot(db)
    again = sheet_in(db, path, "lots")
    assert again.summary.total_added == 0 and again.added == ()
    assert snapshot(db) == after


def test_a_stored_lot_that_differs_is_refused_naming_the_cell(db: Database, tmp_path: Path) -> None:
    sheet_in(db, lots_xlsx(tmp_path, [PRODUCT, "L1", "2027-06-30", None, 10, None]), "lots")
    changed = lots_xlsx(
        tmp_path, [PRODUCT, "L1", "2027-06-30", None, 12, None], name="changed.xlsx"
    )
    (said,) = refused(db, changed, "lots")
    assert said.startswith("row 4, column E (Qty): lot ")
    assert "already exists with quantity 10 in the stored record" in said


def test_a_bad_row_leaves_nothing_written(db: Database, tmp_path: Path) -> None:
    path = lots_xlsx(
        tmp_path,
        [PRODUCT, "L1", "2027-06-30", None, 10, "Fridge B"],
        ["Exo Nothing", "L2", "2027-06-30", None, 10, None],
        [PRODUCT, "L3", "2027-06-31", None, -1, None],
    )
    assert refused(db, path, "lots") == [  # as `import`: the file first, then references
        "row 6, column C (Use by): 2027-06-31 is not a day of the calendar (June 2027 has 30 days)",
        "row 6, column E (Qty): must be at least 0 (got -1)",
    ]
    del path
    path = lots_xlsx(
        tmp_path,
        [PRODUCT, "L1", "2027-06-30", None, 10, "Fridge B"],
        ["Exo Nothing", "L2", "2027-06-30", None, 10, None],
        name="unknown.xlsx",
    )
    assert refused(db, path, "lots") == ['row 5, column A (Product): unknown product "Exo Nothing"']


def test_an_ambiguous_date_is_refused_naming_the_first_such_cell(
    db: Database, tmp_path: Path
) -> None:
    path = lots_xlsx(
        tmp_path,
        [PRODUCT, "L1", "30/06/2027", "13/01/2026", 10, None],  # unambiguous: day first
        [PRODUCT, "L2", dt.date(2027, 6, 30), "02/01/2026", 10, None],  # the first doubt
        [PRODUCT, "L3", "03/04/2027", None, 10, None],
    )
    assert refused(db, path, "lots") == [
        "row 5, column D (Date received): 02/01/2026 could be 2 January 2026 (day first) or "
        "1 February 2026 (month first); say which with --dates day-first or --dates "
        "month-first"
    ]
    sheet_in(db, path, "lots", dates=DayOrder.DAY_FIRST)
    lots = lots_of(db)
    assert (lots["L2"]["received"], lots["L3"]["expiry"]) == ("2026-01-02", "2027-04-03")


def test_text_dates_month_first(db: Database, tmp_path: Path) -> None:
    path = lots_xlsx(tmp_path, [PRODUCT, "L1", "04/03/2027", "12.31.2025", 10, None])
    sheet_in(db, path, "lots", dates=DayOrder.MONTH_FIRST)
    assert (lots_of(db)["L1"]["expiry"], lots_of(db)["L1"]["received"]) == (
        "2027-04-03",
        "2025-12-31",
    )
    day_first = lots_xlsx(tmp_path, [PRODUCT, "L2", "30/06/2027", None, 1, None], name="b.xlsx")
    assert refused(db, day_first, "lots", dates=DayOrder.MONTH_FIRST) == [
        "row 4, column C (Use by): 30/06/2027 is not a date written month/day/year (there is "
        "no month 30)"
    ]


def test_a_csv_with_bom_and_semicolons(db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "lots.csv",
        [
            ["Lots; 2026"],
            ["lot number", "PRODUCT NAME", "Expiration", "qty", "Storage", "", ""],
            ["L1", PRODUCT, "2027-06-30", "10", "Fridge, top shelf", "", ""],
            ["", "", "", "", "", "", ""],
        ],
        separator=";",
        bom=True,
    )
    sheet_in(db, path, "lots")
    assert lots_of(db)["L1"]["location"] == "Fridge, top shelf"


def test_a_map_names_the_columns(db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "lots.csv",
        [["Artikel", "Charge", "Verfall", "Menge"], [PRODUCT, "L1", "2027-06-30", "3"]],
    )
    mapping = {"Artikel": "product", "Charge": "lot", "Verfall": "expiry", "Menge": "quantity"}
    sheet_in(db, path, "lots", mapping=json.dumps(mapping))
    assert lots_of(db)["L1"]["quantity"] == 3


def test_a_missing_required_column_is_refused_naming_it(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "lots.csv", [["Product", "Lot", "Qty"], [PRODUCT, "L1", "3"]])
    said = refused(db, path, "lots")
    assert said[0].startswith("no column gives expiry, which a lots sheet must have")


def test_no_header_row_is_refused(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [["Stuff", "Things"], ["1", "2"]])
    (said,) = refused(db, path, "lots")
    assert said.startswith("no header row: no row names at least two fields of a lots sheet")


def test_a_dry_run_writes_nothing_and_says_what_it_would_add(db: Database, tmp_path: Path) -> None:
    path = lots_xlsx(
        tmp_path,
        [PRODUCT, "L1", "2027-06-30", None, 10, "Fridge B"],
        [PRODUCT, "L2", "2027-06-30", None, 10, LOCATION],
    )
    before = snapshot(db)
    done = sheet_in(db, path, "lots", dry_run=True)
    assert snapshot(db) == before
    assert done.summary.added["lots"] == 2
    assert done.added == (
        f"lot L1 of {PRODUCT} (row 4)",
        f"lot L2 of {PRODUCT} (row 5)",
        "location Fridge B (row 4)",
    )
    bad = lots_xlsx(tmp_path, ["Nobody", "L1", "2027-06-30", None, 1, None], name="bad.xlsx")
    assert refused(db, bad, "lots", dry_run=True) == [
        'row 4, column A (Product): unknown product "Nobody"'
    ]


def treatments_xlsx(tmp_path: Path, *rows: list[Any], name: str = "t.xlsx") -> Path:
    return write_xlsx(tmp_path / name, [TREATMENT_HEADER, *rows])


def with_lot(db: Database, quantity: int = 10) -> None:
    doc = {"format": "exodesk/1", "lots": [{"product": PRODUCT, "lot": LOT, "expiry": day(700),
           "received": day(-120), "quantity": quantity, "location": LOCATION}]}  # fmt: skip
    with db.write() as session:
        import_bytes(session, json.dumps(doc), user=USER, source="lot.json")


def test_treatment_refs_are_derived_so_a_second_import_changes_nothing(
    db: Database, tmp_path: Path
) -> None:
    with_lot(db)
    row = [dt.date(2026, 5, 1), PRODUCT, LOT, "P-1", "Dr A", "Intradermal", "face", 1]
    other = [dt.date(2026, 5, 2), PRODUCT, LOT, "P-2", "Dr A", "intradermal", None, 2]
    path = treatments_xlsx(tmp_path, row, row, other)  # two identical rows: two treatments
    assert sheet_in(db, path, "treatments").summary.added["treatments"] == 3
    treatments = snapshot(db)["treatments"]
    refs = [t["ref"] for t in treatments]
    assert len(set(refs)) == 3 and all(r.startswith(DERIVED_REF_PREFIX) for r in refs)
    after = snapshot(db)
    assert sheet_in(db, path, "treatments").summary.total_added == 0
    # the same rows as CSV, with labels and dates written otherwise, are the same treatments
    csv_path = write_csv(
        tmp_path / "t.csv",
        [
            TREATMENT_HEADER,
            ["2026-05-01", PRODUCT, LOT, "P-1", "Dr A", "intradermal", "Face", "1"],
            ["01.05.2026", PRODUCT, LOT, "P-1", "Dr A", "INTRADERMAL", "face", "1"],
            ["2026-05-02", PRODUCT, LOT, "P-2", "Dr A", "Intradermal injection (nappage)", "", "2"],
        ],
    )
    assert sheet_in(db, csv_path, "treatments", dates=DayOrder.DAY_FIRST).summary.total_added == 0
    assert snapshot(db) == after
    # a third identical row is a new treatment; the first two keep their refs
    more = treatments_xlsx(tmp_path, row, row, other, row, name="more.xlsx")
    assert sheet_in(db, more, "treatments").summary.added["treatments"] == 1


def test_treatments_follow_the_import_rules(db: Database, tmp_path: Path) -> None:
    with_lot(db, quantity=2)
    path = treatments_xlsx(
        tmp_path,
        [dt.date(2026, 5, 1), PRODUCT, LOT, "P-1", "Dr A", "intradermal", "face", 2],
        [dt.date(2026, 5, 2), PRODUCT, LOT, "P-2", "Dr A", "intradermal", "face", 1],
        [dt.date(2026, 5, 3), PRODUCT, "NOPE", "P-3", "Dr A", "by mouth", "face", 0],
    )
    said = refused(db, path, "treatments")
    assert said == [
        'row 4, column F (Route): "by mouth" is not one of: topical_post_procedure, '
        "intradermal, subdermal_scalp, intravenous, intramuscular, nebulised, nasal, "
        "eye_drops (or their labels)",
        "row 4, column H (Vials): must be at least 1 (got 0)",
    ]
    fixed = treatments_xlsx(
        tmp_path,
        [dt.date(2026, 5, 1), PRODUCT, LOT, "P-1", "Dr A", "intradermal", "face", 2],
        [dt.date(2026, 5, 2), PRODUCT, LOT, "P-2", "Dr A", "intradermal", "face", 1],
        [dt.date(2026, 5, 3), PRODUCT, "NOPE", "P-3", "Dr A", "intradermal", "face", 1],
        name="fixed.xlsx",
    )
    assert refused(db, fixed, "treatments") == [
        f'row 4, column C (Lot): no lot "NOPE" of product "{PRODUCT}"'
    ]
    overdrawn = treatments_xlsx(
        tmp_path,
        [dt.date(2026, 5, 1), PRODUCT, LOT, "P-1", "Dr A", "intradermal", "face", 2],
        [dt.date(2026, 5, 2), PRODUCT, LOT, "P-2", "Dr A", "intradermal", "face", 1],
        name="overdrawn.xlsx",
    )
    assert refused(db, overdrawn, "treatments") == [
        f'row 3, column H (Vials): takes lot "{LOT}" of "{PRODUCT}" below zero on 2026-05-02 '
        "(stock on hand would be -1)"
    ]


def test_a_products_sheet_with_labels_lists_and_booleans(db: Database, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "products.xlsx",
        [
            [
                "Product name",
                "Manufacturer",
                "Source",
                "Form",
                "Class",
                "Routes",
                "Markets",
                "Periorbital",
                "Composition documented",
                "GTIN",
            ],
            [
                "Exo New",
                "Example Bio",
                "Plant (plant stem cell, fruit)",
                "liquid",
                "Cosmetic",
                "Intradermal; topical_post_procedure",
                "uk, EU",
                "no",
                "Yes",
                8801234567893,
            ],
        ],  # fmt: skip
    )
    sheet_in(db, path, "products")
    (new,) = [p for p in snapshot(db)["products"] if p["name"] == "Exo New"]
    assert new["source_type"] == "plant" and new["form"] == "liquid"
    assert new["regulatory_class"] == "cosmetic"
    assert new["intended_routes"] == ["topical_post_procedure", "intradermal"]
    assert new["markets"] == ["EU", "UK"]
    assert (new["periorbital_approved"], new["composition_documented"]) == (False, True)
    assert new["gtin"] == "08801234567893"


def test_a_documents_sheet(db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "docs.csv",
        [
            ["Type", "Certificate number", "Issued by", "Issue date", "Valid until", "Products"],
            ["CE certificate", "CE 9", "Body 0123", "2025-03-01", "2028-02-28", PRODUCT],
        ],
    )
    sheet_in(db, path, "documents")
    (ce,) = [d for d in snapshot(db)["documents"] if d["number"] == "CE 9"]
    assert (ce["kind"], ce["issued"], ce["expires"], ce["products"]) == (
        "ce_certificate",
        "2025-03-01",
        "2028-02-28",
        [PRODUCT],
    )


def test_hostile_cells(db: Database, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(LOT_HEADER)
    sheet.append([PRODUCT, "L1", "=DATE(2027,6,30)", None, 1e300, None])  # a formula, uncached
    sheet.append([PRODUCT, "x" * 10_000, "2027-06-30", None, "9" * 5000, None])
    sheet.append([PRODUCT, "L3", "2027-06-30", None, 1, '=HYPERLINK("http://x")'])
    sheet["F4"].data_type = "s"  # a text cell that starts with "=": kept as text
    book.save(tmp_path / "hostile.xlsx")
    said = refused(db, tmp_path / "hostile.xlsx", "lots")
    assert said[0] == "row 2, column C (Use by): required, but missing"
    assert said[1].startswith("row 2, column E (Qty): must be at most 1000000 (got 1000000")
    assert said[2:] == [
        "row 3, column B (Batch no.): too long (at most 200 characters)",
        "row 3, column E (Qty): a number of 5000 characters is far too large",
    ]
    controls = write_csv(
        tmp_path / "controls.csv",
        [LOT_HEADER, [PRODUCT, "L\x1b[31m1", "2027-06-30", "", "1", ""]],
    )
    assert refused(db, controls, "lots") == [
        "row 2, column B (Batch no.): contains a control character (\\u001b), which is not allowed"
    ]


def test_formula_text_from_exodesks_own_csv_is_restored(db: Database, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "lots.csv", [LOT_HEADER, [PRODUCT, "'=L1", "2027-06-30", "", "1", "'@Fridge"]]
    )
    sheet_in(db, path, "lots")
    assert lots_of(db)["=L1"]["location"] == "@Fridge"


def test_a_title_with_commas_above_a_semicolon_sheet(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "lots.csv"
    path.write_text(
        f"Lots: product, lot and expiry\nProduct;Lot;Expiry;Qty\n{PRODUCT};L9;2027-01-01;1\n",
        encoding="utf-8",
    )
    sheet_in(db, path, "lots")
    assert lots_of(db)["L9"]["quantity"] == 1
