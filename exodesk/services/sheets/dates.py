"""Dates, times and moments in the cells of a sheet: ISO text, the spreadsheet's own date
cells and serial numbers, and text written day/month/year or month/day/year with `/`, `.` or
`-` (or with the month's name). Text whose day and month could be swapped needs the sheet's
order (`--dates`): without it, `Ambiguous` is raised."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from exodesk.dates import NoSuchDay, make_day
from exodesk.services.sheets.cells import Cell


class DayOrder(StrEnum):
    DAY_FIRST = "day-first"
    MONTH_FIRST = "month-first"


class NotADate(ValueError):
    """The cell is not a date (the message says why, in plain words)."""


class Ambiguous(ValueError):
    """The text could be either of two days; `--dates` must say which."""

    def __init__(self, text: str, day_first: dt.date, month_first: dt.date) -> None:
        super().__init__(
            f"{text} could be {_spoken(day_first)} (day first) or {_spoken(month_first)} "
            "(month first); say which with --dates day-first or --dates month-first"
        )


def _spoken(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


SERIAL_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of the spreadsheet's 1900 date system
FIRST_SERIAL, LAST_SERIAL = 61, 2_958_465  # 1 March 1900 .. 31 December 9999
_TIME = r"(?:[T ]+(?P<time>\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?"
_YEAR_FIRST = re.compile(r"(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?P=s)(?P<d>\d{1,2})" + _TIME)
_NUMBERS = re.compile(r"(?P<a>\d{1,2})(?P<s>[-/.])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})" + _TIME)
_NAMED = re.compile(
    r"(?P<d>\d{1,2})[-/. ]+(?P<mon>[A-Za-z]{3,9})\.?[-/. ]+(?P<y>\d{4}|\d{2})" + _TIME
)
_NAME_FIRST = re.compile(r"(?P<mon>[A-Za-z]{3,9})\.?[ ]+(?P<d>\d{1,2}),?[ ]+(?P<y>\d{4})" + _TIME)
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")
_CLOCK = re.compile(r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?")
_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _made(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return make_day(year, month, day)
    except NoSuchDay as exc:
        raise NotADate(f"{text} is not a day of the calendar ({exc})") from None


def from_serial(serial: float) -> dt.datetime:
    """A spreadsheet serial date (days since 30 December 1899; the fraction is the time)."""
    if not FIRST_SERIAL <= serial < LAST_SERIAL + 1:
        raise NotADate(
            f"{serial:g} is not a spreadsheet date (from {FIRST_SERIAL} to {LAST_SERIAL})"
        )
    moment = SERIAL_EPOCH + dt.timedelta(days=serial)
    return moment.replace(second=0, microsecond=0) + dt.timedelta(
        minutes=round(moment.second / 60 + moment.microsecond / 60e6)
    )


def _text_day(text: str, order: DayOrder | None) -> tuple[dt.date, str | None]:
    """The day a text names and the time written after it, if any."""
    found = _YEAR_FIRST.fullmatch(text)
    if found:
        day = _made(int(found["y"]), int(found["m"]), int(found["d"]), text)
        return day, found["time"]
    found = _NUMBERS.fullmatch(text)
    if found:
        a, b, year = int(found["a"]), int(found["b"]), _year(found["y"])
        if a > 12 and b > 12:
            raise NotADate(f"{text} is not a date (neither {a} nor {b} is a month)")
        if order is None:
            if a <= 12 and b <= 12 and a != b:
                raise Ambiguous(text, _made(year, b, a, text), _made(year, a, b, text))
            order = DayOrder.MONTH_FIRST if b > 12 else DayOrder.DAY_FIRST
        day_, month = (a, b) if order is DayOrder.DAY_FIRST else (b, a)
        if month > 12:
            written = "day/month/year" if order is DayOrder.DAY_FIRST else "month/day/year"
            raise NotADate(f"{text} is not a date written {written} (there is no month {month})")
        return _made(year, month, day_, text), found["time"]
    found = _NAMED.fullmatch(text) or _NAME_FIRST.fullmatch(text)
    if found and found["mon"].casefold() in _MONTHS:
        month = _MONTHS[found["mon"].casefold()]
        return _made(_year(found["y"]), month, int(found["d"]), text), found["time"]
    if _SERIAL_TEXT.fullmatch(text):
        moment = from_serial(float(text))
        return moment.date(), moment.strftime("%H:%M") if moment.time() else None
    raise NotADate(
        f"{text} is not a date (write it as YYYY-MM-DD, or day/month/year or "
        "month/day/year, or use a date cell)"
    )


def sheet_day(cell: Cell, order: DayOrder | None) -> dt.date:
    """The day a cell names (a time written after it is ignored)."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return from_serial(cell).date()
    if isinstance(cell, str):
        return _text_day(cell.strip(), order)[0]
    raise NotADate(f"{cell} is not a date")


def _clock(text: str) -> dt.time:
    found = _CLOCK.fullmatch(text.strip())
    if not found or int(found["h"]) > 23 or int(found["m"]) > 59:
        raise NotADate(f"{text} is not a time of day (write it as HH:MM, 24-hour)")
    return dt.time(int(found["h"]), int(found["m"]))


def sheet_time(cell: Cell) -> dt.time:
    """The time of day a cell names, to the minute."""
    if isinstance(cell, dt.datetime):
        return cell.time().replace(second=0, microsecond=0)
    if isinstance(cell, dt.time):
        return cell.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(cell, dt.timedelta) and dt.timedelta(0) <= cell < dt.timedelta(days=1):
        return (dt.datetime.min + cell).time().replace(second=0, microsecond=0)
    if isinstance(cell, (int, float)) and not isinstance(cell, bool) and 0 <= cell < 1:
        minutes = min(round(cell * 1440), 1439)
        return dt.time(minutes // 60, minutes % 60)
    if isinstance(cell, str):
        return _clock(cell)
    raise NotADate(f"{cell} is not a time of day (write it as HH:MM, 24-hour)")


def sheet_moment(cell: Cell, order: DayOrder | None) -> dt.datetime:
    """The day and time a cell names, to the minute (a day alone is its midnight)."""
    if isinstance(cell, dt.datetime):
        return cell.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(cell, dt.date):
        return dt.datetime.combine(cell, dt.time())
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return from_serial(cell)
    if isinstance(cell, str):
        day, time = _text_day(cell.strip(), order)
        return dt.datetime.combine(day, _clock(time) if time else dt.time())
    raise NotADate(f"{cell} is not a date and time")
