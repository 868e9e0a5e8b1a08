"""The one date field of every form: a `QDateEdit` that Tab leaves in one press (not one
press per day, month and year section) and that takes a day typed whole, as the clinic
writes it: `2026-11-22`, or `22.11.2026` / `22/11/2026`. Shown as YYYY-MM-DD, with a
calendar popup."""

from __future__ import annotations

import datetime as dt
import re

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QDateEdit, QWidget

DISPLAY_FORMAT = "yyyy-MM-dd"
_ISO = re.compile(r"\s*([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})\s*")
_DAY_FIRST = re.compile(r"\s*([0-9]{1,2})[./]([0-9]{1,2})[./]([0-9]{4})\s*")
_TYPING = re.compile(r"[0-9./\- ]*")


def qdate(day: dt.date) -> QDate:
    """A Python day as Qt's."""
    return QDate(day.year, day.month, day.day)


def typed_day(text: str) -> dt.date | None:
    """The day `text` names (YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY), None if none."""
    iso, day_first = _ISO.fullmatch(text), _DAY_FIRST.fullmatch(text)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if day_first:
            return dt.date(int(day_first[3]), int(day_first[2]), int(day_first[1]))
    except ValueError:
        return None
    return None


class DateField(QDateEdit):
    def __init__(self, date: QDate | dt.date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDisplayFormat(DISPLAY_FORMAT)
        self.setCalendarPopup(True)
        if date is not None:
            self.setDate(date if isinstance(date, QDate) else qdate(date))

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002 (Qt's name)
        """Tab moves to the next field, never to the next section of the date."""
        return QWidget.focusNextPrevChild(self, next)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        if self.specialValueText() and text == self.specialValueText():
            return QValidator.State.Acceptable, text, pos
        day = typed_day(text)
        if day is not None and self.minimumDate() <= qdate(day) <= self.maximumDate():
            return QValidator.State.Acceptable, text, pos
        if _TYPING.fullmatch(text):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Invalid, text, pos

    def dateTimeFromText(self, text: str) -> QDateTime:
        day = typed_day(text)
        if day is None:
            return self.dateTime()
        return QDateTime(qdate(day), QTime(0, 0))
