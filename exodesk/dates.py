"""Days as the clinic writes them: ISO 8601 calendar dates, `YYYY-MM-DD` and nothing else.

Python's `date.fromisoformat` also takes `20261122`, `2026W471` and `2026-W47-1`; a count
sheet, an interchange file or a command line that says an expiry is one of those is refused."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class NoSuchDay(ValueError):
    """Written as a day, but no such day (`2026-02-30`, `2026-13-01`); the message says what
    is wrong in plain words (`February 2026 has 28 days`)."""


MONTHS = (
    "January February March April May June July August September October November December"
).split()


def why_no_such_day(year: int, month: int, day: int) -> str:
    """Why year-month-day is not a day of the calendar, in plain words."""
    if not 1 <= year <= 9999:
        return f"the year {year} is out of range"
    if not 1 <= month <= 12:
        return f"there is no month {month} (months run from 1 to 12)"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{MONTHS[month - 1]} {year} has {days} days"
    return "no such day"


def make_day(year: int, month: int, day: int) -> dt.date:
    """The day, or NoSuchDay saying why there is none."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise NoSuchDay(why_no_such_day(year, month, day)) from None


def iso_day(text: str) -> dt.date:
    """The day `text` names, written exactly as YYYY-MM-DD. Raises ValueError for any other
    shape, and its kind NoSuchDay for a day the calendar does not have."""
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(f"not YYYY-MM-DD: {text!r}")
    return make_day(int(text[:4]), int(text[5:7]), int(text[8:10]))
