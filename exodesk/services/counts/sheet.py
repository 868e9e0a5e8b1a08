"""The count sheet CSV (`product,lot,expiry,location,expected,counted`): reading it strictly,
naming the row and column of every problem, and writing it so that a crash or power cut never
leaves a half-written file.

A sheet comes back from a laptop or a spreadsheet, so it is untrusted: every way it can be
wrong (not UTF-8, no header, a cell past the csv module's field limit, far too many rows, a
count past the bounds of the interchange file, a control character) is an InvalidInput naming
its row and column, and a message echoes a cell only through `quoted` (escaped, cut short)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from exodesk import csvcells
from exodesk.dates import iso_day
from exodesk.files import write_atomically
from exodesk.services.errors import InvalidInput, Problem
from exodesk.services.interchange.json_input import (
    MAX_PROBLEMS,
    SHOWN_CHARS,
    control_problem,
    shown,
)
from exodesk.services.interchange.schema import MAX_TEXT, MAX_VIALS

COLUMNS = ("product", "lot", "expiry", "location", "expected", "counted")
Where = Callable[[str], Problem]  # a message -> the Problem at one cell of the sheet

MAX_SHEET_BYTES = 32 * 1024 * 1024  # a sheet of every lot a clinic holds needs well under 1 MB
MAX_SHEET_ROWS = 50_000  # rows of a sheet, blank ones included (one row per lot counted)
_WHOLE = re.compile(r"[0-9]+")
_NEGATIVE = re.compile(r"-[0-9]+")


def quoted(text: str) -> str:
    """A cell as a message echoes it: quoted as Python quotes text (every character that is
    not printable escaped: controls, terminal escapes, bidi overrides, as `shown` does),
    and cut to `shown`'s length."""
    if len(text) <= SHOWN_CHARS:
        return repr(text)
    cut = repr(text[: SHOWN_CHARS - 1])
    return f"{cut[:-1]}…{cut[-1]}"


@dataclass(frozen=True)
class SheetRow:
    """One line of a sheet. `row` is its spreadsheet row number (the header is row 1)."""

    product: str
    lot: str
    expiry: dt.date | None
    location: str | None
    expected: int | None
    counted: int | None
    row: int = 0


def _whole(text: str, where: Where, errors: list[Problem], *, what: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if _NEGATIVE.fullmatch(text):
        said = text if len(text) <= 12 else quoted(text)
        errors.append(where(f"{said} — {what} cannot be negative"))
        return None
    if not _WHOLE.fullmatch(text):  # ASCII digits only: no "1.5", "1e3", "NaN", "1_000", "٣"
        errors.append(where(f"{quoted(text)} is not a whole number of vials"))
        return None
    if len(text) > len(str(MAX_VIALS)) or int(text) > MAX_VIALS:  # no int() of 5000 digits
        errors.append(where(f"{quoted(text)} is more than {MAX_VIALS:,} vials; check the number"))
        return None
    return int(text)


def _day(text: str, where: Where, errors: list[Problem]) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return iso_day(text)
    except ValueError:
        errors.append(where(f"{quoted(text)} is not a date (YYYY-MM-DD)"))
        return None


def _text_cell(
    text: str, where: Where, errors: list[Problem], *, allow_controls: bool = True
) -> str:
    """A name cell (product, lot, location): at most MAX_TEXT characters, and unless
    `allow_controls`, no control character. A sheet's names are only looked up (and a stored name
    may start with a tab, see csvcells), so a sheet may hold controls; new text may not."""
    why = None if allow_controls else control_problem(text)
    if why:
        errors.append(where(f"{why}: {quoted(text)}"))
    elif len(text) > MAX_TEXT:
        errors.append(
            where(f"{len(text):,} characters, too long (at most {MAX_TEXT}): {quoted(text)}")
        )
    return text


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    header = re.split(r"[\r\n]", text[:65536], maxsplit=1)[0]
    if header.count(";") > header.count(","):

        class Semicolon(csv.excel):
            delimiter = ";"

        return Semicolon
    return csv.excel


def read_sheet_text(path: Path) -> str:
    """A sheet file's text, newlines as they are (a CR inside a quoted cell stays a CR, as the
    csv module needs). Raises OSError (cannot read it), or InvalidInput when it is not a
    UTF-8 text file of a sheet's size."""
    with Path(path).open("rb") as handle:
        raw = handle.read(MAX_SHEET_BYTES + 1)
    if len(raw) > MAX_SHEET_BYTES:
        raise InvalidInput(
            [Problem("", f"larger than {MAX_SHEET_BYTES // 2**20} MB; this is not a count sheet")]
        )
    if raw.startswith(b"PK\x03\x04"):
        raise InvalidInput(
            [
                Problem(
                    "", "a workbook (.xlsx), not a CSV file; save it as CSV UTF-8 (comma separated)"
                )
            ]
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput(
            [Problem("", "saved as UTF-16 text; save it as CSV UTF-8 (comma separated)")]
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            [
                Problem(
                    "",
                    f"not UTF-8 text (byte {exc.start + 1:,} cannot be read); save it as "
                    "CSV UTF-8 (comma separated)",
                )
            ]
        ) from None


def _lines(text: str) -> list[list[str]]:
    """The rows of the CSV text; InvalidInput names the row that cannot be read (a cell past
    the csv module's field limit, say) or says there are far too many rows."""
    reader = csv.reader(io.StringIO(text), _dialect(text))
    lines: list[list[str]] = []
    try:
        for cells in reader:
            if len(lines) >= MAX_SHEET_ROWS:
                raise InvalidInput(
                    [
                        Problem(
                            "",
                            f"more than {MAX_SHEET_ROWS:,} rows; a count sheet has one row per lot",
                            row=MAX_SHEET_ROWS + 1,
                        )
                    ]
                )
            lines.append(cells)
    except csv.Error as exc:
        row = len(lines) + 1
        if "field larger than field limit" in str(exc):
            why = (
                f"a cell longer than {csv.field_size_limit():,} characters (perhaps an "
                "unclosed quote); this is not a count sheet"
            )
        else:
            why = f"cannot be read as CSV ({shown(str(exc))[1:-1]})"
        raise InvalidInput([Problem("", why, row=row)]) from None
    return lines


def parse_sheet(text: str) -> list[SheetRow]:
    """Every row of a filled sheet; InvalidInput lists every problem as 'row N, column C: …'."""
    text = text.lstrip("\ufeff")
    lines = _lines(text)
    if not lines or not any(cell.strip() for cell in lines[0]):
        raise InvalidInput(
            [Problem("", f"no header; the first row must be {','.join(COLUMNS)}", row=1)]
        )
    header = [cell.strip().lower() for cell in lines[0]]
    missing = [c for c in COLUMNS if c not in header]
    if len(missing) == len(COLUMNS):
        raise InvalidInput(
            [
                Problem(
                    "",
                    f"no header; the first row must be {','.join(COLUMNS)} (it is "
                    f"{quoted(','.join(lines[0]))})",
                    row=1,
                )
            ]
        )
    if missing:
        raise InvalidInput(
            [
                Problem(c, f"missing (the header must name {', '.join(COLUMNS)})", row=1)
                for c in missing
            ]
        )
    at = {c: header.index(c) for c in COLUMNS}
    errors: list[Problem] = []
    rows: list[SheetRow] = []
    first_seen: dict[tuple[str, str], int] = {}
    for number, cells in enumerate(lines[1:], start=2):
        if len(errors) >= MAX_PROBLEMS:
            errors.append(Problem("", "... and perhaps more problems in the rows below"))
            break
        if not any(cell.strip() for cell in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))

        def cell(column: str, cells: list[str] = cells) -> str:
            return csvcells.restore(cells[at[column]].strip())

        def at_cell(column: str, number: int = number) -> Where:
            return lambda message: Problem(column, message, row=number)

        product = _text_cell(cell("product"), at_cell("product"), errors)
        lot = _text_cell(cell("lot"), at_cell("lot"), errors)
        location = _text_cell(cell("location"), at_cell("location"), errors)
        if not product:
            errors.append(Problem("product", "empty; say which product", row=number))
        if not lot:
            errors.append(Problem("lot", "empty; say which lot", row=number))
        row = SheetRow(
            product=product,
            lot=lot,
            expiry=_day(cell("expiry"), at_cell("expiry"), errors),
            location=location or None,
            expected=_whole(cell("expected"), at_cell("expected"), errors, what="an expectation"),
            counted=_whole(cell("counted"), at_cell("counted"), errors, what="a count"),
            row=number,
        )
        key = (product, lot)
        if product and lot:
            if key in first_seen:
                errors.append(
                    Problem(
                        "",
                        f"lot {quoted(lot)} of {quoted(product)} is on the sheet twice "
                        f"(first on row {first_seen[key]}); keep one row per lot",
                        row=number,
                    )
                )
            else:
                first_seen[key] = number
        rows.append(row)
    if errors:
        raise InvalidInput(errors)
    return rows


def format_sheet(rows: Iterable[SheetRow]) -> str:
    out = io.StringIO()
    writer = csvcells.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            (
                r.product,
                r.lot,
                r.expiry.isoformat() if r.expiry else "",
                r.location or "",
                "" if r.expected is None else r.expected,
                "" if r.counted is None else r.counted,
            )
        )
    return out.getvalue()


def _check_counted(counted: int) -> None:
    if counted < 0:
        raise InvalidInput([Problem("counted", "a count cannot be negative")])
    if counted > MAX_VIALS:
        raise InvalidInput([Problem("counted", f"more than {MAX_VIALS:,} vials; check the number")])


class SheetFile:
    """A count sheet on disk, counted offline: every change is saved before it returns."""

    def __init__(self, path: Path, rows: Sequence[SheetRow]) -> None:
        self.path = path
        self.rows: list[SheetRow] = list(rows)

    @classmethod
    def open(cls, path: Path) -> SheetFile:
        return cls(path, parse_sheet(read_sheet_text(path)))

    def save(self) -> None:
        write_atomically(self.path, format_sheet(self.rows))

    def index_of(self, product: str, lot: str) -> int | None:
        for i, row in enumerate(self.rows):
            if (row.product, row.lot) == (product, lot):
                return i
        return None

    def set_counted(self, index: int, counted: int | None) -> None:
        if counted is not None:
            _check_counted(counted)
        self.rows[index] = replace(self.rows[index], counted=counted)
        self.save()

    def add_found(
        self, product: str, lot: str, expiry: dt.date | None, location: str | None, counted: int
    ) -> int:
        """A lot found on the shelf but not on the sheet (its `expected` stays empty)."""
        product, lot = product.strip(), lot.strip()
        problems = [
            Problem(name, "empty") for name, v in (("product", product), ("lot", lot)) if not v
        ]
        try:
            _check_counted(counted)
        except InvalidInput as exc:
            problems.extend(exc.problems)
        for name, value in (("product", product), ("lot", lot), ("location", location or "")):
            _text_cell(value, partial(Problem, name), problems, allow_controls=False)
        if problems:
            raise InvalidInput(problems)
        if self.index_of(product, lot) is not None:
            raise InvalidInput([Problem("lot", f"{lot} of {product} is already on the sheet")])
        self.rows.append(SheetRow(product, lot, expiry, location, None, counted))
        self.save()
        return len(self.rows) - 1
