"""What a label says, without Qt: the GS1 element string ((01) GTIN, (17) expiry YYMMDD,
(10) lot last, GS only after a variable-length element that is not last), the checks that keep
a wrong symbol off a label, the text lines of both kinds, and the DataMatrix zxing-cpp makes
(decoded back here from the module grid alone)."""

from __future__ import annotations

import datetime as dt

import pytest
import zxingcpp

from exodesk.services.labels import (
    GS,
    NO_CODE_PREFIX,
    Gs1Data,
    LabelKind,
    LotLabel,
    ModuleGrid,
    NotEncodable,
    VialLabel,
    encode_datamatrix,
    gs1_data,
    gtin14,
    initials,
    label_content,
)
from exodesk.services.labels.gs1 import gtin_check_digit, lot_problem

GTIN = "09506000134352"  # GS1's own example GTIN-14
EXPIRY = dt.date(2027, 3, 31)


def vial(**changes: object) -> VialLabel:
    fields: dict[str, object] = {
        "product": "ExoGlow 10 mg",
        "lot": "CV-9001X",
        "expiry": EXPIRY,
        "reconstituted": dt.datetime(2026, 11, 22, 9, 5),
        "reconstitution_hours": 6,
        "opened_by": "Anna-Lena Berg",
        "gtin": GTIN,
    }
    fields.update(changes)
    return VialLabel(**fields)  # type: ignore[arg-type]


def test_the_element_string_puts_the_fixed_length_elements_first_and_the_lot_last() -> None:
    data = gs1_data(GTIN, EXPIRY, "CV-9001X")
    assert data.element_string == "0109506000134352" + "17270331" + "10CV-9001X"
    assert GS not in data.element_string  # the lot ends the data: nothing to separate
    assert data.hri == "(01)09506000134352(17)270331(10)CV-9001X"
    assert data.bracketed == "[01]09506000134352[17]270331[10]CV-9001X"


def test_a_variable_length_element_before_another_is_followed_by_gs() -> None:
    class LotFirst(Gs1Data):
        def elements(self) -> tuple[tuple[str, str, bool], ...]:
            return (("10", self.lot, False), ("17", "270331", True))

    data = LotFirst(gtin=GTIN, expiry=EXPIRY, lot="AB12")
    assert data.element_string == "10AB12" + GS + "17270331"


def test_gtins_are_padded_to_14_digits_and_their_check_digit_checked() -> None:
    assert gtin14("9506000134352") == GTIN  # GTIN-13
    assert gtin14("96385074") == "00000096385074"  # GTIN-8
    assert gtin_check_digit("0950600013435") == 2
    with pytest.raises(NotEncodable, match="check digit"):
        gtin14("09506000134353")
    with pytest.raises(NotEncodable, match="not 8, 12, 13 or 14 digits"):
        gtin14("0950600013435X")
    with pytest.raises(NotEncodable, match="not 8, 12, 13 or 14 digits"):
        gtin14("123456789")


def test_lots_gs1_cannot_carry_are_refused_with_the_reason() -> None:
    for lot in ("A(1)B/2026-x", "%&'\"*+,-./:;<=>?_", "!aZ09"):  # character set 82
        assert lot_problem(lot) is None
    assert lot_problem("L" * 20) is None
    problem = lot_problem("L" * 21)
    assert problem is not None and "longer than GS1's 20" in problem
    problem = lot_problem("AB 12")
    assert problem is not None and "space" in problem
    problem = lot_problem("LOTÉ#1")
    assert problem is not None and "'#'" in problem and "'É'" in problem
    assert lot_problem("") == "the lot is empty"
    with pytest.raises(NotEncodable, match="expiry 2100-01-01"):
        gs1_data(GTIN, dt.date(2100, 1, 1), "AB")


def test_an_opened_vial_label_says_when_it_was_opened_by_whom_and_until_when() -> None:
    content = label_content(vial())
    assert content.kind is LabelKind.VIAL
    assert content.title == "ExoGlow 10 mg"
    assert [line.text for line in content.lines] == [
        "Lot: CV-9001X",
        "Exp: 2027-03-31",
        "Reconstituted: 2026-11-22 09:05",
        "Use by: 2026-11-22 15:05",
        "By: ALB",
    ]
    assert [line.caption for line in content.lines if line.strong] == ["Use by"]
    assert content.gs1 == gs1_data(GTIN, EXPIRY, "CV-9001X")
    assert content.code_caption == "(01)09506000134352(17)270331(10)CV-9001X"


def test_use_by_is_the_window_at_its_exact_end_across_midnight() -> None:
    opened = vial(reconstituted=dt.datetime(2026, 11, 22, 20, 30), reconstitution_hours=24)
    assert opened.use_by == dt.datetime(2026, 11, 23, 20, 30)
    lines = {line.caption: line.value for line in label_content(opened).lines}
    assert lines["Use by"] == "2026-11-23 20:30"


def test_use_by_never_passes_the_lots_expiry() -> None:
    late = vial(
        expiry=dt.date(2026, 11, 22),
        reconstituted=dt.datetime(2026, 11, 22, 20, 0),
        reconstitution_hours=8,
    )
    assert late.window_end == dt.datetime(2026, 11, 23, 4, 0)
    assert late.use_by == dt.datetime(2026, 11, 22, 23, 59)
    lines = {line.caption: line.value for line in label_content(late).lines}
    assert lines["Use by"] == "2026-11-22 23:59 (lot expiry)"


def test_a_product_without_a_window_says_so_rather_than_guess() -> None:
    lines = {
        line.caption: line.value for line in label_content(vial(reconstitution_hours=None)).lines
    }
    assert lines["Use by"] == "no window on file: ask before use"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Anna-Lena Berg", "ALB"), ("jd", "JD"), ("  Tom  Smith ", "TS"), ("Dr. K. Lee", "DKL")],
)
def test_initials(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_a_lot_label_at_receipt() -> None:
    content = label_content(
        LotLabel("ExoGlow 10 mg", "CV-9001X", EXPIRY, dt.date(2026, 11, 20), "9506000134352")
    )
    assert content.kind is LabelKind.LOT
    assert [line.text for line in content.lines] == [
        "Lot: CV-9001X",
        "Exp: 2027-03-31",
        "Received: 2026-11-20",
        "GTIN: 09506000134352",
    ]
    assert content.gs1 is not None and content.gs1.gtin == GTIN
    assert content.file_stem == "label-lot-ExoGlow-10-mg-CV-9001X"


@pytest.mark.parametrize(
    ("gtin", "lot", "reason"),
    [
        (None, "CV-9001X", "no GTIN on file for this product"),
        ("  ", "CV-9001X", "no GTIN on file for this product"),
        ("09506000134353", "CV-9001X", "the check digit of GTIN 09506000134353 is wrong"),
        (GTIN, "CV 9001", "lot CV 9001 has characters GS1 does not allow (space)"),
    ],
)
def test_a_label_gs1_cannot_carry_prints_without_a_symbol_and_says_why(
    gtin: str | None, lot: str, reason: str
) -> None:
    content = label_content(LotLabel("ExoGlow", lot, EXPIRY, None, gtin))
    assert content.gs1 is None
    assert content.no_code_reason == reason
    assert content.code_caption == NO_CODE_PREFIX + reason
    assert "Lot: " + lot in [line.text for line in content.lines]  # the text is all there


def _decode(grid: ModuleGrid) -> list[zxingcpp.Barcode]:
    """The grid drawn 4 pixels a module with a 2-module quiet zone, read by zxing-cpp."""
    scale, quiet = 4, 2
    side = (grid.width + 2 * quiet) * scale
    pixels = bytearray([255]) * (side * side)
    for y, row in enumerate(grid.rows):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = ((y + quiet) * scale + dy) * side + (x + quiet) * scale
                    pixels[start : start + scale] = bytes(scale)
    return zxingcpp.read_barcodes(memoryview(bytes(pixels)).cast("B", (side, side)))


@pytest.mark.parametrize("lot", ["CV-9001X", "A(1)B/2026-x", "%&'\"*+,-./:;<=>?_z", "L" * 20])
def test_the_datamatrix_carries_exactly_the_element_string(lot: str) -> None:
    data = gs1_data(GTIN, EXPIRY, lot)
    grid = encode_datamatrix(data)
    assert grid.width == grid.height and grid.width >= 10
    [found] = _decode(grid)
    assert found.format == zxingcpp.BarcodeFormat.DataMatrix
    assert found.content_type == zxingcpp.ContentType.GS1
    assert found.symbology_identifier == "]d2"  # FNC1 in first position
    assert found.text == f"(01){GTIN}(17)270331(10){lot}"
    assert found.bytes == data.element_string.encode("ascii")
