"""The count sheet CSV (`product,lot,expiry,location,expected,counted`): reading it strictly,
naming the row and column of every problem, and writing it so that a crash or power cut never
leaves a half-written file."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from exodesk import csvcells
from exodesk.dates import iso_day
from exodesk.files import write_atomically
from exodesk.services.errors import InvalidInput, Problem

COLUMNS = ("product", "lot", "expiry", "location", "expected", "counted")
Where = Callable[[str], Problem]  # a message -> the Problem at one cell of the sheet


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
    try:
        value = int(text)
    except ValueError:
        errors.append(where(f"{text!r} is not a whole number of vials"))
        return None
    if value < 0:
        errors.append(where(f"{value} — {what} cannot be negative"))
        return None
    return value


def _day(text: str, where: Where, errors: list[Problem]) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return iso_day(text)
    except ValueError:
        errors.append(where(f"{text!r} is not a date (YYYY-MM-DD)"))
        return None


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    header = text.splitlines()[0] if text else ""
    if header.count(";") > header.count(","):

        class Semicolon(csv.excel):
            delimiter = ";"

        return Semicolon
    return csv.excel


def read_sheet_text(path: Path) -> str:
    """A sheet file's text, newlines as they are (a CR inside a quoted cell stays a CR, as the
    csv module needs); raises OSError or UnicodeDecodeError."""
    return path.read_bytes().decode("utf-8-sig")


def parse_sheet(text: str) -> list[SheetRow]:
    """Every row of a filled sheet; InvalidInput lists every problem as 'row N, column C: …'."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text), _dialect(text))
    lines = list(reader)
    if not lines or not any(cell.strip() for cell in lines[0]):
        raise InvalidInput(
            [Problem("", f"no header; the first row must be {','.join(COLUMNS)}", row=1)]
        )
    header = [cell.strip().lower() for cell in lines[0]]
    missing = [c for c in COLUMNS if c not in header]
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
        if not any(cell.strip() for cell in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))

        def cell(column: str, cells: list[str] = cells) -> str:
            return csvcells.restore(cells[at[column]].strip())

        def at_cell(column: str, number: int = number) -> Where:
            return lambda message: Problem(column, message, row=number)

        product, lot = cell("product"), cell("lot")
        if not product:
            errors.append(Problem("product", "empty; say which product", row=number))
        if not lot:
            errors.append(Problem("lot", "empty; say which lot", row=number))
        row = SheetRow(
            product=product,
            lot=lot,
            expiry=_day(cell("expiry"), at_cell("expiry"), errors),
            location=cell("location") or None,
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
                        f"lot {lot} of {product} is on the sheet twice "
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


class SheetFile:
    """A count sheet on disk, counted offline: every change is saved before it returns."""

    def __init__(self, path: Path, rows: Sequence[SheetRow]) -> None:
        self.path = path
        self.rows: list[SheetRow] = list(rows)

    @classmethod
    def open(cls, path: Path) -> SheetFile:
        try:
            text = read_sheet_text(path)
        except UnicodeDecodeError:
            raise InvalidInput([Problem(path.name, "not a text (UTF-8) CSV file")]) from None
        return cls(path, parse_sheet(text))

    def save(self) -> None:
        write_atomically(self.path, format_sheet(self.rows))

    def index_of(self, product: str, lot: str) -> int | None:
        for i, row in enumerate(self.rows):
            if (row.product, row.lot) == (product, lot):
                return i
        return None

    def set_counted(self, index: int, counted: int | None) -> None:
        if counted is not None and counted < 0:
            raise InvalidInput([Problem("counted", "a count cannot be negative")])
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
        if counted < 0:
            problems.append(Problem("counted", "a count cannot be negative"))
        if problems:
            raise InvalidInput(problems)
        if self.index_of(product, lot) is not None:
            raise InvalidInput([Problem("lot", f"{lot} of {product} is already on the sheet")])
        self.rows.append(SheetRow(product, lot, expiry, location, None, counted))
        self.save()
        return len(self.rows) - 1
