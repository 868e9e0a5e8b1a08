"""Finding the header row of a sheet and the field each of its columns gives.

The header row is the first row in which at least two cells name fields of the sheet's kind
(title rows above it are skipped). A header names a field by `--map` (`{"header": "field"}`,
`null` to leave a column out), else when it is, ignoring case, spaces and punctuation, the
field's name, its label in the window or a synonym (`fields`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exodesk.services.errors import InvalidInput, Problem
from exodesk.services.interchange.json_input import load_json, shown
from exodesk.services.sheets.cells import Cell, Row, column_letter, header_words, is_empty, key
from exodesk.services.sheets.fields import fields_of, header_keys, required_of
from exodesk.services.sheets.reading import Grid, refused
from exodesk.services.sheets.values import as_text

Mapping_ = Mapping[str, str | None]
DERIVED = {"treatments": ("ref",)}  # required fields a sheet may leave out: they are derived


@dataclass(frozen=True)
class Column:
    index: int  # 0-based
    header: str  # as messages name it
    field: str

    @property
    def where(self) -> str:
        """'B (Expiry date)'."""
        return f"{column_letter(self.index)} ({self.header})"


@dataclass(frozen=True)
class Header:
    row: int  # 0-based index of the header row in the grid
    columns: tuple[Column, ...]
    warnings: tuple[str, ...]
    data: int  # 0-based index of the first row below the header (and its sub-headers)

    def column(self, field: str) -> Column | None:
        return next((c for c in self.columns if c.field == field), None)


def read_map(given: str | Mapping[str, Any] | None, kind: str) -> dict[str, str | None]:
    """`--map`: a JSON object (text, or the path of a file holding it), header -> field of
    `kind` (or null: leave the column out), keyed by each header's matching key."""
    if given is None:
        return {}
    data: Any = given
    if isinstance(given, str):
        text = given
        if not given.lstrip().startswith("{") and Path(given).is_file():
            try:
                text = Path(given).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise refused(f"--map: cannot read {given} ({exc})") from None
        try:
            data = load_json(text)
        except InvalidInput as exc:
            said = "; ".join(p.message for p in exc.problems)
            raise refused(f'--map: not a JSON object {{"header": "field"}} ({said})') from None
    if not isinstance(data, Mapping):
        raise refused('--map: not a JSON object {"header": "field"}')
    fields = fields_of(kind)
    by_name = {key(name): name for name in fields}
    mapping: dict[str, str | None] = {}
    problems = []
    for header, field in data.items():
        if field is None:
            mapping[key(str(header))] = None
        elif isinstance(field, str) and key(field) in by_name:
            mapping[key(str(header))] = by_name[key(field)]
        else:
            problems.append(
                Problem(
                    "",
                    f"--map: {shown(field)} (for {shown(header)}) is not a field of a {kind} "
                    f"sheet; its fields: {', '.join(fields)}",
                )
            )
    if problems:
        raise InvalidInput(problems)
    return mapping


def field_for(cell: Cell, kind: str, mapping: Mapping_ | None = None) -> str | None:
    """The field of `kind` a header cell names (by `mapping`, a read --map, first), or None."""
    mapping = mapping or {}
    k = key(as_text(cell))
    if not k:
        return None
    if k in mapping:
        return mapping[k]
    return header_keys(kind).get(k)


def _names_fields(row: Row, kind: str, mapping: Mapping_) -> bool:
    named = 0
    for cell in row:
        if not is_empty(cell) and field_for(cell, kind, mapping) is not None:
            named += 1
            if named == 2:
                return True
    return False


def find_header(grid: Grid, kind: str, mapping: Mapping_) -> Header | None:
    """The header row of `grid` and its columns, or None when no row names two fields.
    Raises InvalidInput when two columns give one field or a required field has none."""
    for r, row in enumerate(grid.rows):
        if _names_fields(row, kind, mapping):
            cells, data = _with_sub_headers(grid, r, kind, mapping)
            return _header(r, cells, data, kind, mapping)
    return None


def _with_sub_headers(grid: Grid, r: int, kind: str, mapping: Mapping_) -> tuple[Row, int]:
    """The header cells of row `r`; under a header merged across columns that names no field
    ("Dates" over "Expiry" and "Received"), the cells of the row below it. The index of the
    first row below the header."""
    cells = list(grid.rows[r])
    below = grid.rows[r + 1] if r + 1 < len(grid.rows) else []
    data = r + 1
    for top, left, right in grid.across:
        if top != r or left >= len(cells) or field_for(cells[left], kind, mapping) is not None:
            continue
        under = below[left : right + 1]
        if any(not is_empty(c) and field_for(c, kind, mapping) for c in under):
            cells[left : left + len(under)] = under
            data = r + 2
    return cells, data


def _header(r: int, row: Row, data: int, kind: str, mapping: Mapping_) -> Header:
    columns: dict[str, Column] = {}
    warnings: list[str] = []
    problems: list[Problem] = []
    mapped = {f for f in mapping.values() if f is not None}
    for c, cell in enumerate(row):
        if is_empty(cell):
            continue
        column = Column(c, header_words(as_text(cell)), "")
        k = key(as_text(cell))
        field = field_for(cell, kind, mapping)
        if field is None:
            why = "left out by --map" if k in mapping else f"not a field of a {kind} sheet"
            warnings.append(f"column {column.where} ignored: {why}")
            continue
        if field in mapped and k not in mapping:
            warnings.append(f"column {column.where} ignored: --map gives {field} another column")
            continue
        column = Column(c, column.header, field)
        if field in columns:
            problems.append(
                Problem(
                    "",
                    f"columns {columns[field].where} and {column.where} both give {field}: "
                    "keep one, or say which with --map",
                    row=r + 1,
                )
            )
            continue
        columns[field] = column
    missing = [
        field
        for field in required_of(kind)
        if field not in columns and field not in DERIVED.get(kind, ())
    ]
    for field in missing:
        problems.append(
            Problem(
                "",
                f"no column gives {field}, which a {kind} sheet must have: name a column "
                f"{field}, or say which with --map",
            )
        )
    if missing:
        named = ", ".join(c.where for c in sorted(columns.values(), key=lambda c: c.index))
        problems.append(Problem("", f"the header row {r + 1} gives: {named}"))
    if problems:
        raise InvalidInput(problems)
    ordered = tuple(sorted(columns.values(), key=lambda c: c.index))
    return Header(r, ordered, tuple(warnings), data)
