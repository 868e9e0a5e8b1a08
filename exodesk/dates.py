"""Days as the clinic writes them: ISO 8601 calendar dates, `YYYY-MM-DD` and nothing else.

Python's `date.fromisoformat` also takes `20261122`, `2026W471` and `2026-W47-1`; a count
sheet, an interchange file or a command line that says an expiry is one of those is refused."""

from __future__ import annotations

import datetime as dt
import re

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class NoSuchDay(ValueError):
    """Written as YYYY-MM-DD, but no such day (`2026-02-30`, `2026-13-01`); the message says
    what is wrong (`day is out of range for month`)."""


def iso_day(text: str) -> dt.date:
    """The day `text` names, written exactly as YYYY-MM-DD. Raises ValueError for any other
    shape, and its kind NoSuchDay for a day the calendar does not have."""
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(f"not YYYY-MM-DD: {text!r}")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise NoSuchDay(str(exc)) from None
