"""The header row and the field each column gives: found below title rows, matched by name,
window label or synonym ignoring case, spaces and punctuation, or by --map; other headers
ignored and named; two columns for one field, or none for a required one, refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from exodesk.services.errors import InvalidInput
from exodesk.services.sheets.cells import column_letter, key
from exodesk.services.sheets.fields import KINDS, SPECS, fields_of, header_keys
from exodesk.services.sheets.headers import Header, field_for, find_header, read_map
from exodesk.services.sheets.reading import Grid


def header(rows: list[list[Any]], kind: str = "lots", mapping: Any = None) -> Header:
    found = find_header(Grid("test", rows), kind, read_map(mapping, kind))
    assert found is not None
    return found


def fields(found: Header) -> dict[str, str]:
    return {c.field: column_letter(c.index) for c in found.columns}


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("field", "headers"),
    [
        ("lot", ["Batch", "batch no", "Batch No.", "LOT NUMBER", "lot-number", "Lot"]),
        ("expiry", ["Exp", "Expiry Date", "expiration", "Use by", "use-by", "EXPIRY"]),
        ("quantity", ["Qty", "qty.", "Vials", "Quantity"]),
        ("product", ["Product name", "ITEM", "product"]),
        ("received", ["Date received", "date_received", "Received"]),
        ("location", ["Fridge", "Storage", "location"]),
    ],
)
def test_the_contracts_synonyms(field: str, headers: list[str]) -> None:
    for words in headers:
        assert field_for(words, "lots") == field, words


def test_no_header_names_two_fields_of_one_kind() -> None:
    """Synonyms live in one place; none of them is shared by two fields of a kind."""
    for kind in KINDS:
        owners: dict[str, set[str]] = {}
        for spec in SPECS[kind]:
            for words in (spec.name, *spec.synonyms):
                owners.setdefault(key(words), set()).add(spec.name)
        shared = {k: v for k, v in owners.items() if len(v) > 1}
        assert not shared, (kind, shared)
        assert set(header_keys(kind).values()) == set(fields_of(kind))


def test_window_labels_name_fields() -> None:
    named = ["Class", "Source", "Form", "Name", "Reorder level", "GTIN"]
    assert [field_for(h, "products") for h in named] == [
        "regulatory_class", "source_type", "form", "name", "reorder_level", "gtin"
    ]  # fmt: skip
    assert field_for("Patient reference", "treatments") == "patient"
    assert field_for("Reference", "treatments") == "ref"
    assert field_for("Notes", "treatments") is None


def test_the_header_row_is_found_below_title_rows() -> None:
    rows: list[list[Any]] = [
        ["Stock received in 2026"],
        [],
        ["Clinic:", "Example Clinic"],  # one cell names nothing, the other no field
        [None, "Product", "Batch no", "Use by", "Qty", "Notes", None, None],
        [None, "Exo", "L1", "2027-01-01", 1],
    ]
    found = header(rows)
    assert found.row == 3
    assert fields(found) == {"product": "B", "lot": "C", "expiry": "D", "quantity": "E"}
    assert found.warnings == ("column F (Notes) ignored: not a field of a lots sheet",)


def test_one_field_named_is_not_a_header_row() -> None:
    rows: list[list[Any]] = [["Lot"], ["Lot", "Expiry", "Qty", "Product"]]
    assert header(rows).row == 1
    assert find_header(Grid("t", [["Lots"], ["Expiry: see below"]]), "lots", {}) is None


def test_a_map_names_fields_and_leaves_columns_out() -> None:
    rows = [["Article", "Charge", "Verfall", "Menge", "Lot"]]
    mapping = {
        "Article": "product",
        "charge": "lot",
        "VERFALL": "expiry",
        "Menge": "quantity",
        "Lot": None,
    }
    found = header(rows, mapping=json.dumps(mapping))
    assert fields(found) == {"product": "A", "lot": "B", "expiry": "C", "quantity": "D"}
    assert found.warnings == ("column E (Lot) ignored: left out by --map",)


def test_a_map_wins_over_a_header_that_matches() -> None:
    found = header(
        [["Product", "Lot", "Internal lot", "Expiry", "Qty"]], mapping={"Internal lot": "lot"}
    )
    assert fields(found)["lot"] == "C"
    assert "column B (Lot) ignored: --map gives lot another column" in found.warnings


def test_a_map_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text('{"Charge": "lot"}', encoding="utf-8")
    assert read_map(str(path), "lots") == {"charge": "lot"}


@pytest.mark.parametrize(
    ("mapping", "words"),
    [
        ('{"Charge": "batch"}', '"batch" (for "Charge") is not a field of a lots sheet'),
        ('{"Charge": 3}', '3 (for "Charge") is not a field'),
        ("[1, 2]", "not a JSON object"),
        ("{not json", "not a JSON object"),
    ],
)
def test_a_bad_map_is_refused(mapping: str, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_map(mapping, "lots")
    assert words in str(caught.value)


def test_two_columns_for_one_field_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        header([["Product", "Lot", "Batch", "Expiry", "Qty"]])
    assert str(caught.value) == (
        "row 1: columns B (Lot) and C (Batch) both give lot: keep one, or say which with --map"
    )


def test_a_missing_required_field_is_refused_naming_it() -> None:
    with pytest.raises(InvalidInput) as caught:
        header([["Product", "Lot", "Qty"]])
    assert [str(p) for p in caught.value.problems] == [
        "no column gives expiry, which a lots sheet must have: name a column expiry, or say "
        "which with --map",
        "the header row 1 gives: A (Product), B (Lot), C (Qty)",
    ]


def test_a_treatments_sheet_needs_no_ref_column() -> None:
    found = header(
        [["Date", "Product", "Lot", "Patient", "Practitioner", "Route", "Vials"]], "treatments"
    )
    assert found.column("ref") is None


def test_hostile_headers_are_named_escaped_and_cut() -> None:
    found = header([["Product", "Lot", "Expiry", "Qty", "x" * 10_000, "bad\x1b[31m"]])
    long, control = found.warnings
    assert long == f"column E ({'x' * 39}…) ignored: not a field of a lots sheet"
    assert "\x1b" not in control and "\\u001b" in control
