"""Dates in the cells of a sheet: ISO text, date cells, serial numbers, day/month/year and
month/day/year with `/`, `.` or `-`, and the refusal of a day and month that could be swapped
when the sheet's order is not given."""

from __future__ import annotations

import datetime as dt

import pytest

from exodesk.services.sheets.dates import (
    Ambiguous,
    DayOrder,
    NotADate,
    from_serial,
    sheet_day,
    sheet_moment,
    sheet_time,
)

DAY_FIRST, MONTH_FIRST = DayOrder.DAY_FIRST, DayOrder.MONTH_FIRST


@pytest.mark.parametrize(
    ("cell", "order", "day"),
    [
        ("2027-06-30", None, dt.date(2027, 6, 30)),
        ("2027/6/30", None, dt.date(2027, 6, 30)),
        (dt.date(2027, 6, 30), None, dt.date(2027, 6, 30)),
        (dt.datetime(2027, 6, 30, 10, 5), None, dt.date(2027, 6, 30)),
        (46568.0, None, dt.date(2027, 6, 30)),  # the spreadsheet's serial for 30 June 2027
        ("46568", None, dt.date(2027, 6, 30)),  # the same serial stored as text
        ("30/06/2027", None, dt.date(2027, 6, 30)),  # only one reading: day first
        ("06/30/2027", None, dt.date(2027, 6, 30)),  # only one reading: month first
        ("30.06.2027", None, dt.date(2027, 6, 30)),
        ("30-06-27", None, dt.date(2027, 6, 30)),
        ("05/05/2027", None, dt.date(2027, 5, 5)),  # day and month equal: no doubt
        ("03/04/2027", DAY_FIRST, dt.date(2027, 4, 3)),
        ("03/04/2027", MONTH_FIRST, dt.date(2027, 3, 4)),
        ("3.4.2027", DAY_FIRST, dt.date(2027, 4, 3)),
        ("03-04-2027", MONTH_FIRST, dt.date(2027, 3, 4)),
        ("30 Jun 2027", None, dt.date(2027, 6, 30)),
        ("30-Jun-27", None, dt.date(2027, 6, 30)),
        ("June 30, 2027", None, dt.date(2027, 6, 30)),
        ("2027-06-30 00:00:00", None, dt.date(2027, 6, 30)),
        (" 30/06/2027 ", None, dt.date(2027, 6, 30)),
    ],
)
def test_a_day_is_read(cell: object, order: DayOrder | None, day: dt.date) -> None:
    assert sheet_day(cell, order) == day  # type: ignore[arg-type]


def test_a_day_and_month_that_could_be_swapped_need_the_order() -> None:
    with pytest.raises(Ambiguous) as caught:
        sheet_day("03/04/2027", None)
    said = str(caught.value)
    assert "03/04/2027" in said and "3 April 2027" in said and "4 March 2027" in said
    assert "--dates day-first" in said and "--dates month-first" in said


@pytest.mark.parametrize(
    ("cell", "order", "words"),
    [
        ("31/02/2027", None, "not a day of the calendar"),
        ("2027-13-01", None, "not a day of the calendar"),
        ("13/25/2027", None, "neither 13 nor 25 is a month"),
        ("25/12/2027", MONTH_FIRST, "no month 25"),  # the sheet said month first
        ("12/25/2027", DAY_FIRST, "no month 25"),
        ("tomorrow", None, "not a date"),
        ("20270630", None, "not a date"),
        (1e300, None, "not a spreadsheet date"),
        (float("nan"), None, "not a spreadsheet date"),
        (-5, None, "not a spreadsheet date"),
        (True, None, "not a date"),
    ],
)
def test_what_is_not_a_day_is_refused(cell: object, order: DayOrder | None, words: str) -> None:
    with pytest.raises(NotADate, match=words):
        sheet_day(cell, order)  # type: ignore[arg-type]


def test_serial_dates_carry_their_time_to_the_minute() -> None:
    assert from_serial(46568.5) == dt.datetime(2027, 6, 30, 12, 0)
    assert from_serial(46568 + (10 * 60 + 5) / 1440) == dt.datetime(2027, 6, 30, 10, 5)


@pytest.mark.parametrize(
    ("cell", "time"),
    [
        ("10:40", dt.time(10, 40)),
        ("9:05", dt.time(9, 5)),
        ("09:05:59", dt.time(9, 5)),
        (dt.time(10, 40, 30), dt.time(10, 40)),
        (dt.datetime(2027, 1, 1, 10, 40), dt.time(10, 40)),
        (dt.timedelta(hours=10, minutes=40), dt.time(10, 40)),
        ((10 * 60 + 40) / 1440, dt.time(10, 40)),
    ],
)
def test_a_time_is_read(cell: object, time: dt.time) -> None:
    assert sheet_time(cell) == time  # type: ignore[arg-type]


@pytest.mark.parametrize("cell", ["25:00", "10h40", 1.5, "noon"])
def test_what_is_not_a_time_is_refused(cell: object) -> None:
    with pytest.raises(NotADate, match="not a time"):
        sheet_time(cell)  # type: ignore[arg-type]


def test_a_moment_is_read() -> None:
    assert sheet_moment("2027-02-01T10:05", None) == dt.datetime(2027, 2, 1, 10, 5)
    assert sheet_moment("01/02/2027 10:05", DAY_FIRST) == dt.datetime(2027, 2, 1, 10, 5)
    assert sheet_moment(dt.date(2027, 2, 1), None) == dt.datetime(2027, 2, 1)
    with pytest.raises(Ambiguous):
        sheet_moment("01/02/2027 10:05", None)
