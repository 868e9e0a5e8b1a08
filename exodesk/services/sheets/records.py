"""The rows below the header as records of an interchange file: one record a row that is not
empty, each cell its field's value (an empty cell left out: null, or the field's default).
A treatments sheet without a `ref` column gets refs derived from each row's contents and its
place among identical rows, so the same sheet always gives the same refs. A lots sheet's
locations become the file's `locations` (created when new, skipped when stored)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from exodesk.services.errors import InvalidInput, Problem
from exodesk.services.interchange.schema import FORMAT
from exodesk.services.sheets.cells import Cell
from exodesk.services.sheets.dates import Ambiguous, DayOrder
from exodesk.services.sheets.fields import FieldSpec, fields_of
from exodesk.services.sheets.headers import Column, Header
from exodesk.services.sheets.reading import Grid
from exodesk.services.sheets.values import Unreadable, as_text, convert

DERIVED_REF_PREFIX = "S-"


@dataclass
class SheetRecords:
    """What a sheet holds, as records, and where each came from."""

    kind: str
    header: Header
    records: list[dict[str, Any]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the spreadsheet row of each record
    problems: list[Problem] = field(default_factory=list)  # cells that could not be read
    unreadable: set[tuple[int, str]] = field(default_factory=set)  # (record, field) of those
    locations: dict[str, int] = field(default_factory=dict)  # name -> first record naming it
    refs_derived: bool = False

    def document(self) -> dict[str, Any]:
        """The records as an interchange file (`exodesk/1`) holding only them."""
        doc: dict[str, Any] = {"format": FORMAT, self.kind: self.records}
        if self.locations:
            doc["locations"] = [{"name": name} for name in self.locations]
        return doc


def derived_ref(record: dict[str, Any], seen: dict[str, int]) -> str:
    """The ref of a treatment row: its contents (each field's value, whatever the columns'
    order) and its place among the identical rows before it (`seen` counts them)."""
    content = "\x1f".join(f"{name}\x1e{record[name]!r}" for name in sorted(record))
    place = seen.get(content, 0)
    seen[content] = place + 1
    digest = hashlib.blake2b(f"{content}\x00{place}".encode(), digest_size=8).hexdigest()
    return DERIVED_REF_PREFIX + digest.upper()


_MISSING = object()
MAX_REMEMBERED = 100_000  # converted values remembered per column (sheets repeat them a lot)


def build_records(grid: Grid, header: Header, kind: str, order: DayOrder | None) -> SheetRecords:
    """The records of the rows below the header. Raises InvalidInput naming the first cell
    holding a date whose day and month could be swapped, when `order` is None."""
    specs = fields_of(kind)
    columns: list[tuple[int, str, FieldSpec, Column, dict[tuple[type, Cell], Any]]] = [
        (c.index, c.field, specs[c.field], c, {}) for c in header.columns
    ]
    sheet = SheetRecords(kind, header)
    derive = kind == "treatments" and header.column("ref") is None
    sheet.refs_derived = derive
    seen: dict[str, int] = {}
    for r in range(header.data, len(grid.rows)):
        row = grid.rows[r]
        width = len(row)
        index = len(sheet.records)
        record: dict[str, Any] = {}
        for i, name, spec, column, known in columns:
            cell = row[i] if i < width else None
            if cell is None or cell == "" or (cell.__class__ is str and not cell.strip()):
                continue  # an empty cell: null, or the field's default
            remembered = (cell.__class__, cell)
            value = known.get(remembered, _MISSING)
            if value is _MISSING:
                try:
                    value = convert(cell, spec, order)
                except Ambiguous as exc:
                    raise InvalidInput([Problem(column.where, str(exc), row=r + 1)]) from None
                except Unreadable as exc:
                    sheet.problems.append(Problem(column.where, str(exc), row=r + 1))
                    sheet.unreadable.add((index, name))
                    record[name] = as_text(cell)
                    continue
                if len(known) < MAX_REMEMBERED:
                    known[remembered] = value
            record[name] = list(value) if value.__class__ is list else value
        if not record:
            continue  # an empty row (or one with cells only in ignored columns)
        if derive:
            record["ref"] = derived_ref(record, seen)
        if kind == "lots" and isinstance(record.get("location"), str):
            sheet.locations.setdefault(record["location"], index)
        sheet.records.append(record)
        sheet.rows.append(r + 1)
    return sheet
