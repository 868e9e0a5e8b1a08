"""Problems of the interchange file built from a sheet, named where the sheet has them:
`lots[3].expiry: …` becomes `row 7, column C (Expiry): …`, and a message that names another
record of the file (`… in lots[1]`) names its row instead."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

from exodesk.services.errors import Problem
from exodesk.services.sheets.records import SheetRecords

_PATH = re.compile(r"(?P<section>[a-z]+)\[(?P<i>\d+)\](?:\.(?P<field>[A-Za-z_0-9]+))?")
_MENTION = re.compile(r"\b(?P<section>[a-z]+)\[(?P<i>\d+)\]")


def _mentions(message: str, sheet: SheetRecords) -> str:
    def row(found: re.Match[str]) -> str:
        i = int(found["i"])
        if found["section"] == sheet.kind and i < len(sheet.rows):
            return f"row {sheet.rows[i]}"
        return found.group()

    return _MENTION.sub(row, message)


def locate(problem: Problem, sheet: SheetRecords) -> Problem | None:
    """`problem` named by row and column; None when it repeats a cell already reported."""
    message = _mentions(problem.message, sheet)
    found = _PATH.match(problem.field)
    if found is None:
        return Problem("", message if problem.field in ("", "(file)") else str(problem))
    section, i, field = found["section"], int(found["i"]), found["field"]
    if section == "locations":
        names = list(sheet.locations)
        if i >= len(names):
            return Problem("", f"{problem.field}: {message}")
        i, field, section = sheet.locations[names[i]], "location", sheet.kind
    if section != sheet.kind or i >= len(sheet.rows):
        return Problem("", f"{problem.field}: {message}")
    if field is not None and (i, field) in sheet.unreadable:
        return None
    column = sheet.header.column(field) if field else None
    if column is not None:
        return Problem(column.where, message, row=sheet.rows[i])
    said = f"{field}: {message}" if field else message
    return Problem("", said, row=sheet.rows[i])


def located(problems: Iterable[Problem], sheet: SheetRecords) -> list[Problem]:
    """Every problem named by row and column, in the order of the sheet's rows; the cells
    that could not be read first, once each."""
    found = list(sheet.problems)
    for problem in problems:
        where = locate(problem, sheet)
        if where is not None and where not in found:  # a location named twice: said once
            found.append(where)
    return sorted(found, key=_place)


def _place(problem: Problem) -> tuple[int, int, str]:
    """Where a problem is, for sorting: its row, then its column (B before AA); one about
    the sheet as a whole ("... and more problems") last."""
    if problem.row is None:
        return (sys.maxsize, 0, "")
    letters = problem.field.split(" ", 1)[0]
    letters = letters if letters.isalpha() and letters.isupper() else ""
    return (problem.row, len(letters), letters)
