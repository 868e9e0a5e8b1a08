"""Days are written YYYY-MM-DD and nothing else: one parser for the count sheet, the
interchange file and the command line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from exodesk.dates import NoSuchDay, iso_day
from exodesk.services.counts.sheet import COLUMNS, parse_sheet
from exodesk.services.errors import InvalidInput, Problem

NOT_YYYY_MM_DD = [
    "2026W471",
    "2026-W47-1",
    "20261122",
    "2026-1-5",
    "26-11-22",
    " 2026-11-22",
    "2026-11-22\n",
    "2026-11-22T00:00",
    "２０２６-11-22",
    "",
]


def test_a_day_written_yyyy_mm_dd_is_read() -> None:
    assert iso_day("2026-11-22") == dt.date(2026, 11, 22)
    assert iso_day("2028-02-29") == dt.date(2028, 2, 29)


@pytest.mark.parametrize("text", NOT_YYYY_MM_DD)
def test_other_shapes_are_refused(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        iso_day(text)
    assert not isinstance(caught.value, NoSuchDay)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2026-02-29", "^February 2026 has 28 days$"),
        ("2026-04-31", "^April 2026 has 30 days$"),
        ("2026-13-01", r"^there is no month 13 \(months run from 1 to 12\)$"),
        ("2026-00-10", "^there is no month 0"),
        ("0000-01-01", "^the year 0 is out of range$"),
    ],
)
def test_a_day_the_calendar_lacks_is_refused_saying_why(text: str, why: str) -> None:
    with pytest.raises(NoSuchDay, match=why):
        iso_day(text)


@pytest.mark.parametrize("expiry", ["2026W471", "20261122", "2026-1-5"])
def test_the_count_sheet_refuses_an_expiry_not_written_yyyy_mm_dd(expiry: str) -> None:
    sheet = f"{','.join(COLUMNS)}\nCelvia,L1,{expiry},Fridge A,3,3\n"
    with pytest.raises(InvalidInput) as caught:
        parse_sheet(sheet)
    assert caught.value.problems == (
        Problem("expiry", f"{expiry!r} is not a date (YYYY-MM-DD)", row=2),
    )


def test_the_count_sheet_reads_an_expiry_written_yyyy_mm_dd() -> None:
    sheet = f"{','.join(COLUMNS)}\nCelvia,L1,2026-11-22,Fridge A,3,3\n"
    assert [row.expiry for row in parse_sheet(sheet)] == [dt.date(2026, 11, 22)]


@pytest.mark.parametrize("today", ["2026W471", "20261122", "2026-1-5"])
def test_the_command_line_refuses_today_not_written_yyyy_mm_dd(
    today: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from exodesk.cli import main

    db = tmp_path / "clinic.sqlite"
    assert main(["stock", "--db", str(db), "--today", today]) == 2
    assert f"not a date (expected YYYY-MM-DD): {today!r}" in capsys.readouterr().err
    assert not db.exists()
