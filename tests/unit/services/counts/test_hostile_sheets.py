"""Hostile count sheets (the CSV an offline count comes back as): every one is refused with
InvalidInput naming its row and column in a short message free of control characters; none
raises anything else (csv.Error, OverflowError, a MemoryError on a 5000-digit int)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from exodesk.services.counts.sheet import (
    MAX_SHEET_ROWS,
    SheetFile,
    parse_sheet,
    read_sheet_text,
)
from exodesk.services.errors import InvalidInput
from exodesk.services.interchange.json_input import MAX_PROBLEMS
from exodesk.services.interchange.schema import MAX_TEXT, MAX_VIALS

HEADER = "product,lot,expiry,location,expected,counted\n"
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def refused(text: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_sheet(text)
    for problem in caught.value.problems:
        said = str(problem)
        assert len(said) < 300, said
        assert not CONTROL.search(said), repr(said)
    return caught.value


def where(exc: InvalidInput) -> list[tuple[int | None, str]]:
    return [(p.row, p.field) for p in exc.problems]


@pytest.mark.parametrize(
    "counted",
    [str(2**63), "1e400", "-1", "9" * 5000, "NaN", "1.5", str(MAX_VIALS + 1), "1_000", "٣", "+"],
)
def test_a_count_out_of_bounds_or_not_whole_is_refused_naming_row_and_column(
    counted: str,
) -> None:
    exc = refused(f"{HEADER}P,L1,,,2,ok\nP,L2,,,2,{counted}\n".replace(",ok", ",1"))
    assert where(exc) == [(3, "counted")]


def test_counts_up_to_the_interchange_bound_are_taken() -> None:
    rows = parse_sheet(f"{HEADER}P,L1,,,,0\nP,L2,,,, {MAX_VIALS} \n")
    assert [r.counted for r in rows] == [0, MAX_VIALS]


def test_an_expectation_is_bounded_the_same_way() -> None:
    assert where(refused(f"{HEADER}P,L1,,,{2**63},1\n")) == [(2, "expected")]


def test_a_cell_past_the_csv_field_limit_names_its_row() -> None:
    huge = '"' + "x" * (csv.field_size_limit() + 10) + '"'
    exc = refused(f"{HEADER}P,L1,,,,1\nP,{huge},,,,1\n")
    assert where(exc) == [(3, "")]
    assert "longer than" in str(exc.problems[0])


def test_an_unclosed_quote_running_to_the_end_is_refused() -> None:
    exc = refused(HEADER + 'P,"L1,,,,1\n' + "more text\n" * 20000)
    assert where(exc) == [(2, "")]


def test_far_too_many_rows_are_refused_without_reading_them_all() -> None:
    exc = refused(HEADER + "\n" * (MAX_SHEET_ROWS + 5))
    assert "rows" in str(exc.problems[0])


def test_a_sheet_without_its_header_says_so_once() -> None:
    exc = refused("Exo,L1,2027-01-01,Fridge A,2,1\n")
    assert where(exc) == [(1, "")]
    assert "no header" in str(exc.problems[0])


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff", ",,,\n"])
def test_an_empty_sheet_says_it_has_no_header(text: str) -> None:
    assert "no header" in str(refused(text).problems[0])


def test_control_characters_and_terminal_escapes_are_never_echoed_raw() -> None:
    text = f"{HEADER}P,L1,,,,\x1b[31mred\x07\nP,L2,2027-13-\x1b]0;t\x07,,,1\n"
    exc = refused(text)
    assert where(exc) == [(2, "counted"), (3, "expiry")]
    assert "\\x1b" in str(exc)


def test_a_giant_name_is_refused_and_cut_short() -> None:
    exc = refused(f"{HEADER}{'P' * (MAX_TEXT + 1)},L1,,,,1\n")
    assert where(exc) == [(2, "product")]


def test_problems_stop_at_a_bound() -> None:
    exc = refused(HEADER + "P,L,,,,x\n" * 5000)
    assert len(exc.problems) <= MAX_PROBLEMS + 4  # one row adds a few at most
    assert str(exc.problems[-1]).startswith("... and perhaps more")


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b"\xff\xfe" + "product".encode("utf-16-le"), "UTF-16"),
        (b"PK\x03\x04\x14\x00\x06\x00", "workbook"),
        (b"product,lot\n\xc3\x28,1\n", "not UTF-8"),
        (bytes(range(256)) * 4, "not UTF-8"),
    ],
)
def test_a_file_that_is_not_utf8_text_is_invalid_input(
    tmp_path: Path, raw: bytes, said: str
) -> None:
    path = tmp_path / "sheet.csv"
    path.write_bytes(raw)
    with pytest.raises(InvalidInput) as caught:
        read_sheet_text(path)
    assert said in str(caught.value)
    with pytest.raises(InvalidInput):
        SheetFile.open(path)  # the offline counting window reads it the same way


def test_a_bom_is_taken_off(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}P,L1,,,,3\n".encode())
    assert [r.counted for r in parse_sheet(read_sheet_text(path))] == [3]


def test_an_offline_sheet_refuses_a_count_past_the_bound(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(f"{HEADER}P,L1,,,2,\n", encoding="utf-8")
    sheet = SheetFile.open(path)
    with pytest.raises(InvalidInput):
        sheet.set_counted(0, MAX_VIALS + 1)
    with pytest.raises(InvalidInput):
        sheet.add_found("P", "L\x1b[2J", None, None, 1)
    assert path.read_text(encoding="utf-8") == f"{HEADER}P,L1,,,2,\n"
