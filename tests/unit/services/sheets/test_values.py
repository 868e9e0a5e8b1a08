"""Cells as values of the interchange file: numbers stored as text, text stored as numbers,
booleans, vocabulary values and labels ignoring case, lists, markets, GTINs, and hostile
cells (huge numbers, formulas neutralised by ExoDesk's own CSV)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from exodesk.services.sheets.dates import Ambiguous
from exodesk.services.sheets.fields import fields_of
from exodesk.services.sheets.values import Unreadable, convert


def value(kind: str, field: str, cell: Any) -> Any:
    return convert(cell, fields_of(kind)[field], None)


@pytest.mark.parametrize(
    ("field", "cell", "expected"),
    [
        ("quantity", 20, 20),
        ("quantity", 20.0, 20),
        ("quantity", "20", 20),  # a number stored as text
        ("quantity", " 20 ", 20),
        ("quantity", "20.0", 20),
        ("quantity", "1 000", 1000),
        ("lot", 2406.0, "2406"),  # a lot code the spreadsheet took for a number
        ("lot", "  EL2406A ", "EL2406A"),
        ("lot", "'=SUM(A1)", "=SUM(A1)"),  # ExoDesk's own CSV neutralised it: undone
        ("lot", "'-2", "'-2"),  # a plain number never gained the quote: the user's own
        ("expiry", dt.date(2027, 6, 30), "2027-06-30"),
        ("expiry", "30/06/2027", "2027-06-30"),
        ("status", "Quarantine", "quarantine"),
        ("status", "ON_HOLD", "on_hold"),
        ("status", "on hold", "on_hold"),
    ],
)
def test_lot_cells(field: str, cell: Any, expected: Any) -> None:
    assert value("lots", field, cell) == expected


@pytest.mark.parametrize(
    ("field", "cell", "expected"),
    [
        ("periorbital_approved", "Yes", True),
        ("periorbital_approved", "no", False),
        ("periorbital_approved", "TRUE", True),
        ("periorbital_approved", "false", False),
        ("periorbital_approved", "y", True),
        ("periorbital_approved", "N", False),
        ("periorbital_approved", 1, True),
        ("periorbital_approved", "0", False),
        ("periorbital_approved", True, True),
        ("source_type", "Mesenchymal stem cells (MSC)", "msc"),  # the window's label
        ("source_type", "msc", "msc"),
        ("source_type", "Cond. media", "conditioned_media"),  # the short label
        ("regulatory_class", "Medical device, class III", "device_iii"),
        ("regulatory_class", "device III", "device_iii"),
        ("form", "LYOPHILISED", "lyophilised"),
        (
            "intended_routes",
            "Intradermal; topical_post_procedure",
            ["intradermal", "topical_post_procedure"],
        ),
        ("intended_routes", "intradermal,nasal", ["intradermal", "nasal"]),
        ("intended_routes", "intradermal;", ["intradermal"]),
        (
            "intended_routes",
            "Topical, after a procedure (open microchannels); Intradermal, Nasal",
            ["topical_post_procedure", "intradermal", "nasal"],
        ),
        ("intended_routes", "Topical, post-procedure", ["topical_post_procedure"]),
        ("markets", "uk, eu; KR", ["UK", "EU", "KR"]),
        ("markets", "United Kingdom", ["UK"]),
        ("country", "kr", "KR"),
        ("gtin", 8801234567893.0, "08801234567893"),  # a GTIN-13 stored as a number
        ("gtin", "8801234567893", "08801234567893"),
        ("gtin", "08801234567893", "08801234567893"),
        ("reconstitution_hours", "24", 24),
    ],
)
def test_product_cells(field: str, cell: Any, expected: Any) -> None:
    assert value("products", field, cell) == expected


def test_treatment_cells() -> None:
    assert value("treatments", "route", "Intradermal injection (nappage)") == "intradermal"
    assert value("treatments", "zone", "Décolletage") == "decolletage"
    assert value("treatments", "zone", "DECOLLETAGE") == "decolletage"
    assert value("treatments", "patient", 1234.0) == "1234"
    assert value("documents", "products", "Exo A; Exo B") == ["Exo A", "Exo B"]
    assert value("documents", "kind", "CE certificate") == "ce_certificate"


@pytest.mark.parametrize(
    ("field", "cell", "words"),
    [
        ("quantity", "ten", "not a whole number"),
        ("quantity", 2.5, "not a whole number"),
        ("quantity", float("inf"), "not a whole number"),
        ("quantity", True, "not a whole number"),
        ("quantity", "9" * 5000, "far too large"),  # never parsed (Python's digit limit)
        ("status", "gone", "not one of: quarantine, released"),
    ],
)
def test_unreadable_lot_cells(field: str, cell: Any, words: str) -> None:
    with pytest.raises(Unreadable, match=words):
        value("lots", field, cell)


def test_unreadable_booleans_and_routes() -> None:
    with pytest.raises(Unreadable, match="not yes or no"):
        value("products", "periorbital_approved", "maybe")
    with pytest.raises(Unreadable, match="not one of"):
        value("products", "intended_routes", "intradermal; by mouth")


def test_a_huge_number_is_left_for_the_bounds_to_refuse() -> None:
    assert value("lots", "quantity", 1e300) == int(1e300)  # schema: at most 1,000,000


def test_an_ambiguous_date_is_raised_as_such() -> None:
    with pytest.raises(Ambiguous):
        value("lots", "expiry", "03/04/2027")
