"""One cell as the value of its field in the interchange file: text (numbers a spreadsheet
stored as numbers read as the text they show), whole numbers (also stored as text), yes/no,
dates and times, vocabulary values (the contract's value or the window's label, case ignored),
markets, and lists separated by `,` or `;`. An empty cell is null; `convert` is never given
one. A value that cannot be read raises `Unreadable`, in plain words."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from enum import StrEnum
from functools import cache
from typing import Any

from exodesk.csvcells import restore
from exodesk.models.vocabulary import MARKET_NAMES, VOCABULARIES
from exodesk.services.sheets.cells import Cell, key, shown_cell
from exodesk.services.sheets.dates import DayOrder, NotADate, sheet_day, sheet_moment, sheet_time
from exodesk.services.sheets.fields import FieldSpec, Sort

MAX_DIGITS = 40  # a whole number written with more digits is refused, not parsed
_WHOLE = re.compile(r"[+-]?\d+(?:\.0*)?")
_LIST_SEPARATORS = re.compile(r"[,;]")
_TRUE = frozenset({"yes", "true", "y", "1"})
_FALSE = frozenset({"no", "false", "n", "0"})
_GTIN_LENGTHS = (8, 12, 13, 14)


class Unreadable(ValueError):
    """The cell cannot be this field's value; the message says why."""


def as_text(cell: Cell) -> str:
    """The text a cell shows: a number stored as a number as it is written (2406, not
    2406.0), a date as YYYY-MM-DD; a formula ExoDesk neutralised in its own CSV restored."""
    if isinstance(cell, str):
        return restore(cell.strip()).strip()
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e15:
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.isoformat(timespec="minutes") if cell.time() else cell.date().isoformat()
    if isinstance(cell, (dt.date, dt.time)):
        return cell.isoformat()
    return str(cell)


def _whole(cell: Cell) -> int:
    if isinstance(cell, bool):
        raise Unreadable(f"{shown_cell(cell)} is not a whole number")
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float):
        if not math.isfinite(cell) or not cell.is_integer():
            raise Unreadable(f"{shown_cell(cell)} is not a whole number")
        return int(cell)
    text = as_text(cell).replace(" ", "").replace("\u00a0", "")
    if len(text) > MAX_DIGITS:
        raise Unreadable(f"a number of {len(text)} characters is far too large")
    if not _WHOLE.fullmatch(text):
        raise Unreadable(f"{shown_cell(text)} is not a whole number")
    return int(text.split(".")[0])


def _yes_no(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, (int, float)) and cell in (0, 1):
        return bool(cell)
    text = as_text(cell).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Unreadable(f"{shown_cell(cell)} is not yes or no (yes/no, true/false, y/n or 1/0)")


@cache
def _vocabulary_keys(vocabulary: type[StrEnum]) -> dict[str, str]:
    """Matching key -> value: each member's value, label and short label."""
    found: dict[str, set[str]] = {}
    words = VOCABULARIES.get(vocabulary, {})
    for member in vocabulary:
        said = words.get(member)
        names = [member.value] + ([said.label, said.short] if said else [])
        for name in names:
            if name:
                found.setdefault(key(name), set()).add(member.value)
    values = {key(m.value): m.value for m in vocabulary}
    return {
        k: values.get(k) or next(iter(v)) for k, v in found.items() if len(v) == 1 or k in values
    }


def _word(vocabulary: type[StrEnum]) -> Callable[[str], str]:
    def read(text: str) -> str:
        value = _vocabulary_keys(vocabulary).get(key(text))
        if value is None:
            allowed = ", ".join(m.value for m in vocabulary)
            raise Unreadable(f"{shown_cell(text)} is not one of: {allowed} (or their labels)")
        return value

    return read


@cache
def _market_names() -> dict[str, str]:
    return {key(name): code for code, name in MARKET_NAMES.items()} | {
        key(code): code for code in MARKET_NAMES
    }


def _market(text: str) -> str:
    return _market_names().get(key(text), text.upper())


def _gtin(cell: Cell) -> str:
    text = as_text(cell).replace(" ", "")
    if text.isdigit() and len(text) in _GTIN_LENGTHS:
        return text.zfill(14)
    return text


def _element(spec: FieldSpec) -> Callable[[str], Any]:
    if spec.sort is Sort.VOCABULARY and spec.vocabulary is not None:
        return _word(spec.vocabulary)
    if spec.sort is Sort.MARKET:
        return _market
    return str


def _listed(cell: Cell, spec: FieldSpec) -> list[Any]:
    read = _element(spec)
    parts = _LIST_SEPARATORS.split(as_text(cell))
    if spec.vocabulary is not None:
        parts = _whole_labels(parts, _vocabulary_keys(spec.vocabulary))
    return [read(part.strip()) for part in parts if part.strip()]


def _whole_labels(parts: list[str], known: dict[str, str]) -> list[str]:
    """Parts of a list joined back where a label holds a comma ("Topical, after a
    procedure (open microchannels)"): the longest run of parts that is a label, else one."""
    joined: list[str] = []
    i = 0
    while i < len(parts):
        j = next(
            (j for j in range(len(parts), i + 1, -1) if key(",".join(parts[i:j])) in known),
            i + 1,
        )
        joined.append(",".join(parts[i:j]))
        i = j
    return joined


def convert(cell: Cell, spec: FieldSpec, order: DayOrder | None) -> Any:
    """The interchange value of a cell that is not empty. Raises Unreadable, or
    dates.Ambiguous for a date whose day and month could be swapped when `order` is None."""
    try:
        return _convert(cell, spec, order)
    except NotADate as exc:
        raise Unreadable(str(exc)) from None


def _convert(cell: Cell, spec: FieldSpec, order: DayOrder | None) -> Any:
    if spec.many:
        return _listed(cell, spec)
    sort = spec.sort
    if sort is Sort.TEXT:
        return as_text(cell)
    if sort is Sort.WHOLE:
        return _whole(cell)
    if sort is Sort.DATE:
        return sheet_day(cell, order).isoformat()
    if sort is Sort.YES_NO:
        return _yes_no(cell)
    if sort is Sort.VOCABULARY:
        return _element(spec)(as_text(cell))
    if sort is Sort.MARKET:
        return _market(as_text(cell))
    if sort is Sort.GTIN:
        return _gtin(cell)
    if sort is Sort.LOWER_TEXT:
        return as_text(cell).lower()
    if sort is Sort.TIME:
        return sheet_time(cell).strftime("%H:%M")
    return sheet_moment(cell, order).strftime("%Y-%m-%dT%H:%M")
