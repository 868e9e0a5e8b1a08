"""What the window's spreadsheet import needs beside `import-sheet`: a sheet's columns with the
field each header names (the guess a person then corrects), a preview of every row with its
problems and what it would add, written nowhere, and the import itself, which says what it
added. The rules are `importing`'s: the same header matching, values, dates, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import python_calamine
from sqlalchemy.orm import Session

from exodesk.services.accounts.users import Permission, require
from exodesk.services.errors import ExoDeskError, InvalidInput, Problem
from exodesk.services.interchange.importer import ImportSummary
from exodesk.services.interchange.schema import validate_interchange
from exodesk.services.sheets.cells import Cell, column_letter, header_words, is_empty
from exodesk.services.sheets.dates import Ambiguous, DayOrder
from exodesk.services.sheets.fields import KINDS, Sort, fields_of, required_of
from exodesk.services.sheets.headers import (
    DERIVED,
    Header,
    _names_fields,
    _with_sub_headers,
    field_for,
    read_map,
)
from exodesk.services.sheets.importing import (
    SheetOptions,
    SheetRead,
    _choose,
    _new_records,
    import_sheet,
    read_sheet,
)
from exodesk.services.sheets.locating import located
from exodesk.services.sheets.reading import WORKBOOK_SUFFIXES, Grid, read_grids, refused
from exodesk.services.sheets.records import SheetRecords, build_records
from exodesk.services.sheets.values import Unreadable, as_text, convert

_DATED = (Sort.DATE, Sort.DATE_TIME)
EXAMPLE_ROWS = 50  # rows below the header searched for a column's example value


@dataclass(frozen=True)
class SheetColumn:
    index: int  # 0-based
    header: str  # the header cell's text, as a mapping names it
    guess: str | None  # the field the header names by the contract's matching, or None
    example: str = ""  # the first value below the header, as the sheet shows it

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    @property
    def shown(self) -> str:
        return header_words(self.header)


@dataclass(frozen=True)
class SheetLayout:
    """A sheet's header row and its columns, each with the field guessed for it."""

    sheet: str  # the workbook's sheet (a CSV's file name)
    header_row: int  # 1-based, as the spreadsheet numbers it
    columns: tuple[SheetColumn, ...]
    found: bool  # False: no row names two fields; the first filled row is taken as header
    data_rows: int  # rows below the header that are not empty

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)


def workbook_sheets(path: Path) -> tuple[str, ...]:
    """The worksheets of a workbook, visible ones first; () for a CSV file."""
    if path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return ()
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # the reader's own errors: a damaged or foreign file
        raise refused(
            f"{path.name}: not a spreadsheet ExoDesk can read ({type(exc).__name__}: {exc})"
        ) from None
    try:
        meta = [m for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
    finally:
        book.close()
    visible = python_calamine.SheetVisibleEnum.Visible
    return tuple(m.name for m in meta if m.visible == visible) + tuple(
        m.name for m in meta if m.visible != visible
    )


def _filled(grid: Grid, start: int) -> int:
    return sum(1 for row in grid.rows[start:] if any(not is_empty(c) for c in row))


def _example(grid: Grid, column: int, start: int) -> str:
    for row in grid.rows[start : start + EXAMPLE_ROWS]:
        if column < len(row) and not is_empty(row[column]):
            return as_text(row[column])
    return ""


def _columns(
    grid: Grid, cells: Sequence[Cell], data: int, kind: str | None
) -> tuple[SheetColumn, ...]:
    return tuple(
        SheetColumn(
            c,
            as_text(cell),
            field_for(cell, kind) if kind else None,
            _example(grid, c, data),
        )
        for c, cell in enumerate(cells)
        if not is_empty(cell)
    )


def _layout_of(grid: Grid, kind: str) -> SheetLayout | None:
    for r, row in enumerate(grid.rows):
        if _names_fields(row, kind, {}):
            cells, data = _with_sub_headers(grid, r, kind, {})
            columns = _columns(grid, cells, data, kind)
            return SheetLayout(grid.name, r + 1, columns, True, _filled(grid, data))
    return None


def sheet_layout(path: Path, kind: str, sheet: str | None = None) -> SheetLayout:
    """The header row of the sheet and its columns with their guessed fields. When no row
    names two fields, the first row with two cells filled is taken, nothing guessed."""
    if kind not in KINDS:
        raise refused(f"{kind!r}: not one of {', '.join(KINDS)}")
    grids = read_grids(path, sheet)
    found = [layout for grid in grids if (layout := _layout_of(grid, kind)) is not None]
    if found:
        return max(found, key=lambda f: sum(1 for c in f.columns if c.guess))
    for grid in grids:
        for r, row in enumerate(grid.rows):
            if sum(1 for c in row if not is_empty(c)) >= 2:
                columns = _columns(grid, row, r + 1, None)
                return SheetLayout(grid.name, r + 1, columns, False, _filled(grid, r + 1))
    raise refused(f"{path.name}: the sheet has no row with two cells filled in: no header row")


def mapping_problems(kind: str, fields: Sequence[tuple[str, str | None]]) -> list[str]:
    """What is wrong with a choice of a field for each column ((header, field or None)): a
    field given by two columns, a required field given by none; [] when it can be read."""
    problems = []
    by_field: dict[str, list[str]] = {}
    for header, field in fields:
        if field is not None:
            by_field.setdefault(field, []).append(header)
    for field, headers in by_field.items():
        if len(headers) > 1:
            named = " and ".join(header_words(h) for h in headers)
            problems.append(f"{named} both give {field}: keep one")
    for field in required_of(kind):
        if field not in by_field and field not in DERIVED.get(kind, ()):
            problems.append(f"no column gives {field}, which a {kind} sheet must have")
    return problems


@dataclass(frozen=True)
class AmbiguousDate:
    """The first cell whose day and month could be swapped."""

    row: int  # 1-based
    where: str  # "C (Expiry)"
    text: str
    day_first: str  # the value read day first (ISO)
    month_first: str


@dataclass(frozen=True)
class PreviewRow:
    number: int  # the spreadsheet's row number
    cells: tuple[str, ...]  # the text of each mapped column's cell


@dataclass(frozen=True)
class SheetPreview:
    """Every row the sheet gives, with what is wrong and what it would add; nothing written."""

    header: Header
    rows: tuple[PreviewRow, ...]
    problems: tuple[Problem, ...]  # named by row and column (`Problem.row`, `Problem.field`)
    ambiguous: AmbiguousDate | None  # set when the day/month order is needed and not given
    would_add: tuple[str, ...]
    summary: ImportSummary | None
    warnings: tuple[str, ...]

    @property
    def ready(self) -> bool:
        return self.ambiguous is None and not self.problems


def first_ambiguous(grid: Grid, header: Header, kind: str) -> AmbiguousDate | None:
    specs = fields_of(kind)
    dated = [c for c in header.columns if specs[c.field].sort in _DATED]
    for r in range(header.data, len(grid.rows)):
        row = grid.rows[r]
        for column in dated:
            cell = row[column.index] if column.index < len(row) else None
            if is_empty(cell):
                continue
            spec = specs[column.field]
            try:
                convert(cell, spec, None)
            except Ambiguous:
                return AmbiguousDate(
                    r + 1,
                    column.where,
                    as_text(cell),
                    str(convert(cell, spec, DayOrder.DAY_FIRST)),
                    str(convert(cell, spec, DayOrder.MONTH_FIRST)),
                )
            except Unreadable:
                continue
    return None


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    text = str(value)
    if len(text) == 16 and text[4] == "-" and text[10] == "T":  # a moment: 2026-03-04T10:30
        return text.replace("T", " ", 1)
    return text


def _rows(grid: Grid, header: Header, sheet: SheetRecords | None = None) -> tuple[PreviewRow, ...]:
    """Every row that is not empty: each cell as it will be imported (a serial date as its
    day, a label as its value), or as the sheet shows it when it cannot be read."""
    read: dict[int, dict[str, Any]] = {}
    unreadable: set[tuple[int, str]] = set()
    if sheet is not None:
        read = {row: rec for row, rec in zip(sheet.rows, sheet.records, strict=True)}
        unreadable = {(sheet.rows[i], name) for i, name in sheet.unreadable}
    rows = []
    columns = [(c.index, c.field) for c in header.columns]
    for r in range(header.data, len(grid.rows)):
        row = grid.rows[r]
        cells = [row[i] if i < len(row) else None for i, _ in columns]
        if all(is_empty(c) for c in cells):
            continue
        record = read.get(r + 1)
        shown = []
        for cell, (_, name) in zip(cells, columns, strict=True):
            if is_empty(cell):
                shown.append("")
            elif record is None or (r + 1, name) in unreadable or name not in record:
                shown.append(as_text(cell))
            else:
                shown.append(_shown(record[name]))
        rows.append(PreviewRow(r + 1, tuple(shown)))
    return tuple(rows)


def preview_sheet(
    session: Session | Callable[[], AbstractContextManager[Session]],
    path: Path,
    options: SheetOptions,
    *,
    user: str | None,
    step: Callable[[str], None] | None = None,
) -> SheetPreview:
    """Read, check and dry-run the sheet: every row, each problem where it is, and what the
    import would add. InvalidInput only when the sheet cannot be read at all (no header row,
    a field given twice or not at all). `step` hears what is being done, in words.

    `session` may be a session, or what opens one (`db.write`): then it is opened only for
    the dry run, so the database is held for writing only while the import is tried."""
    said = step or (lambda _words: None)
    said(f"Reading {path.name}…")
    mapping = read_map(options.mapping, options.kind)
    grid, header = _choose(read_grids(path, options.sheet), options.kind, mapping)
    said(f"Checking {_filled(grid, header.data):,} row(s)…")
    if options.dates is None:
        ambiguous = first_ambiguous(grid, header, options.kind)
        if ambiguous is not None:
            rows = _rows(grid, header)
            return SheetPreview(header, rows, (), ambiguous, (), None, header.warnings)
    sheet = build_records(grid, header, options.kind, options.dates)
    rows = _rows(grid, header, sheet)
    problems: list[Problem] = []
    try:
        document = validate_interchange(sheet.document())
    except InvalidInput as exc:
        problems = located(exc.problems, sheet)
    else:
        problems = located((), sheet) if sheet.problems else []
    if problems:
        return SheetPreview(header, rows, tuple(problems), None, (), None, header.warnings)
    read = SheetRead(path, grid, sheet, document, header.warnings)
    said(f"Trying the import of {len(sheet.records):,} record(s) (nothing is written)…")
    try:
        if isinstance(session, Session):
            done = import_sheet(session, read, user=user, dry_run=True)
        else:
            with session() as opened:
                done = import_sheet(opened, read, user=user, dry_run=True)
    except ExoDeskError as exc:
        return SheetPreview(header, rows, exc.problems, None, (), None, header.warnings)
    return SheetPreview(header, rows, (), None, done.added, done.summary, header.warnings)


@dataclass(frozen=True)
class SheetAdded:
    summary: ImportSummary
    added: tuple[str, ...]  # each new record in words, with its row


def import_whole_sheet(
    session: Session, path: Path, options: SheetOptions, *, user: str | None
) -> SheetAdded:
    """Import the sheet, all or nothing, in the caller's transaction; what it added."""
    require(session, user, Permission.IMPORT)
    read = read_sheet(path, options)
    added = _new_records(session, read.records)
    done = import_sheet(session, read, user=user)
    return SheetAdded(done.summary, tuple(added))
