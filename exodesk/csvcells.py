"""Formula cells in the CSV ExoDesk writes: a text cell a spreadsheet would run as a formula
(one starting with `=`, `+`, `-`, `@`, tab or carriage return, unless it is a plain number such
as `-2`) is written with a leading `'`; reading ExoDesk's own sheets back undoes that.

`neutralise` also prefixes a cell that starts with `'`s followed by a formula, so that
`restore(neutralise(x)) == x` for every string `x`."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _runs_as_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS) and _PLAIN_NUMBER.fullmatch(cell) is None


def _needs_prefix(cell: str) -> bool:
    # "'=x" must gain a quote too, or reading it back would take the user's own quote away
    return _runs_as_formula(cell.lstrip(QUOTE))


def neutralise(cell: str) -> str:
    """`cell` as a spreadsheet shows it as text: a formula gains a leading `'`."""
    return QUOTE + cell if _needs_prefix(cell) else cell


def restore(cell: str) -> str:
    """Undo `neutralise`: one leading `'` goes only where what follows would have gained it."""
    if cell.startswith(QUOTE) and _needs_prefix(cell[1:]):
        return cell[1:]
    return cell


def safe_cell(value: object) -> object:
    """A row's value as it is written: text neutralised, numbers (and anything else) as is."""
    return neutralise(value) if isinstance(value, str) else value


class SafeWriter:
    """A `csv.writer` whose every text cell goes through `neutralise`. A cell holding a
    carriage return is quoted whatever the line terminator (csv quotes only the terminator's
    own characters), so a reader never sees a bare CR outside quotes."""

    def __init__(self, out: TextIO, *, lineterminator: str = "\r\n", **options: Any) -> None:
        self._out = out
        self._end = lineterminator
        self._row = io.StringIO()
        self._writer = csv.writer(self._row, lineterminator="\r\n", **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._row.seek(0)
        self._row.truncate()
        self._writer.writerow([safe_cell(value) for value in row])
        self._out.write(self._row.getvalue().removesuffix("\r\n") + self._end)

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: TextIO, **options: Any) -> SafeWriter:
    """Every CSV ExoDesk writes is written through this."""
    return SafeWriter(out, **options)
