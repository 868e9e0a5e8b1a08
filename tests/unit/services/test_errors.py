"""Every refusal of a service is one of the kinds in services/errors.py, and its problems
name the field (JSON path, form field, sheet column) and the row, so nobody parses text."""

from __future__ import annotations

import json

import pytest

from exodesk.services.accounts.users import NoActiveAccount, UnknownUser, WrongPassword
from exodesk.services.catalogue.documents import UnknownDocument
from exodesk.services.catalogue.products import UnknownProduct
from exodesk.services.counts.counts import CountClosed, UnknownCount
from exodesk.services.counts.sheet import parse_sheet
from exodesk.services.errors import (
    Conflict,
    ExoDeskError,
    InvalidInput,
    NotFound,
    NotPermitted,
    Problem,
)
from exodesk.services.interchange.schema import parse_interchange
from exodesk.services.stock.ledger import Overdrawn
from exodesk.services.stock.receiving import LotConflict, ScanError, parse_scan
from exodesk.services.treatments import recording
from exodesk.services.treatments.recording import Blocked
from exodesk.services.treatments.trace import UnknownLot


@pytest.mark.parametrize(
    ("refusal", "kind"),
    [
        (UnknownProduct, NotFound),
        (UnknownDocument, NotFound),
        (UnknownLot, NotFound),
        (UnknownCount, NotFound),
        (UnknownUser, NotFound),
        (Overdrawn, Conflict),
        (CountClosed, Conflict),
        (LotConflict, Conflict),
        (Blocked, Conflict),
        (ScanError, InvalidInput),
        (WrongPassword, NotPermitted),
        (NoActiveAccount, NotPermitted),
    ],
)
def test_each_refusal_is_one_kind_of_exodesk_error(
    refusal: type[ExoDeskError], kind: type[ExoDeskError]
) -> None:
    assert issubclass(refusal, kind) and issubclass(refusal, ExoDeskError)


def test_one_class_means_an_unknown_product() -> None:
    assert recording.UnknownProduct is UnknownProduct


def test_a_problem_says_where_then_what() -> None:
    assert str(Problem("lots[0].expiry", "not a date")) == "lots[0].expiry: not a date"
    assert str(Problem("counted", "not a number", row=4)) == "row 4, column counted: not a number"
    assert str(Problem("", "on the sheet twice", row=5)) == "row 5: on the sheet twice"
    assert str(Problem("", "the scan is empty")) == "the scan is empty"


def test_invalid_input_lists_every_problem_and_its_fields_once() -> None:
    refused = InvalidInput(
        [Problem("lot", "empty"), Problem("vials", "at least 1"), Problem("lot", "too long")]
    )
    assert refused.fields == ("lot", "vials")
    assert str(refused) == "lot: empty\nvials: at least 1\nlot: too long"


def test_a_file_problem_names_its_json_path() -> None:
    document = {
        "format": "exodesk/1",
        "lots": [{"product": "P", "lot": "L", "expiry": "30/06/2028", "quantity": -1}],
    }
    with pytest.raises(InvalidInput) as refused:
        parse_interchange(json.dumps(document))
    assert refused.value.fields == ("lots[0].expiry", "lots[0].quantity")
    assert all(p.row is None for p in refused.value.problems)


def test_a_sheet_problem_names_its_row_and_column() -> None:
    text = "product,lot,expiry,location,expected,counted\nP,L1,2028-06-30,,2,two\n,L2,,,,1\n"
    with pytest.raises(InvalidInput) as refused:
        parse_sheet(text)
    assert [(p.row, p.field) for p in refused.value.problems] == [(2, "counted"), (3, "product")]
    assert (
        str(refused.value.problems[0])
        == "row 2, column counted: 'two' is not a whole number of vials"
    )


def test_an_unreadable_scan_is_invalid_input_with_its_reason() -> None:
    with pytest.raises(ScanError) as refused:
        parse_scan("   ")
    assert refused.value.reason == "the scan is empty"
    assert [str(p) for p in refused.value.problems] == ["the scan is empty"]
