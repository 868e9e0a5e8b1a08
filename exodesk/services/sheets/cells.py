"""One cell of a sheet as the readers give it, and the few words every module uses for it:
a column's letter, a header's or a value's matching key, and a cell shown in a message."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from exodesk.services.interchange.json_input import shown

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | dt.timedelta | None
Row = list[Cell]

_NOT_ALNUM = re.compile(r"[\W_]+")
HEADER_SHOWN = 40  # the characters of a header a message echoes


def column_letter(index: int) -> str:
    """A 0-based column index as a spreadsheet names it: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def key(text: str) -> str:
    """What matching compares: letters and digits only, case and accents ignored ('Batch
    No.' -> 'batchno', 'Use-by' -> 'useby', 'Décolletage' -> 'decolletage')."""
    if text.isascii():
        return _NOT_ALNUM.sub("", text.casefold())
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_ALNUM.sub("", plain.casefold())


def is_empty(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def shown_cell(cell: Cell) -> str:
    """A cell as a message echoes it: quoted text, escaped and cut; other values as written."""
    if isinstance(cell, (dt.date, dt.time)):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return str(int(cell))
    if isinstance(cell, (str, int, float, bool)):
        return shown(cell)
    return shown(str(cell))


_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def header_words(cell: Cell) -> str:
    """A header cell as a message names it: its text, escaped and cut, without quotes."""
    text = " ".join(cell.split()) if isinstance(cell, str) else shown_cell(cell)
    text = text[: 4 * HEADER_SHOWN]
    text = _UNSHOWABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text if len(text) <= HEADER_SHOWN else text[: HEADER_SHOWN - 1] + "…"
