"""`exodesk bodies import FILE`: the clinic's rows of the register from a CSV with the header
`number,name,country,mdr,uk_approved`. Checked whole, then written in one go."""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from exodesk.csvcells import restore
from exodesk.services.errors import InvalidInput, Problem
from exodesk.services.interchange.json_input import shown
from exodesk.services.interchange.schema import BodyIn, plain_message
from exodesk.services.register.bodies import BODY_FIELDS, save_bodies

MAX_BYTES = 4 * 2**20  # some thousands of rows: far more than any register
COLUMNS = "ABCDE"
_BOOLEANS = {"yes": True, "true": True, "no": False, "false": False}


def parse_bodies_csv(raw: bytes) -> list[BodyIn]:
    """Every row of the file as a body; InvalidInput names each problem by row and column."""
    if len(raw) > MAX_BYTES:
        raise InvalidInput([Problem("", f"larger than {MAX_BYTES // 2**20} MB: not a register")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            [Problem("", f"not UTF-8 text (byte {exc.start + 1:,}); save it as CSV UTF-8")]
        ) from None
    delimiter = (
        ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    )
    try:
        lines = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise InvalidInput([Problem("", f"cannot be read as CSV ({exc})")]) from None
    header = [cell.strip().lower() for cell in lines[0]] if lines else []
    if header != list(BODY_FIELDS):
        raise InvalidInput(
            [
                Problem(
                    "",
                    f"the first row must be the header {','.join(BODY_FIELDS)} "
                    f"(it is {shown(','.join(lines[0])) if lines else 'empty'})",
                    row=1,
                )
            ]
        )
    problems: list[Problem] = []
    bodies: list[BodyIn] = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(cells) != len(BODY_FIELDS):
            problems.append(
                Problem("", f"{len(cells)} cells, the header has {len(BODY_FIELDS)}", row=number)
            )
            continue
        row, row_problems = _row(cells, number)
        problems += row_problems
        if row is not None:
            bodies.append(row)
    if problems:
        raise InvalidInput(problems)
    return bodies


def _row(cells: list[str], number: int) -> tuple[BodyIn | None, list[Problem]]:
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for column, name, cell in zip(COLUMNS, BODY_FIELDS, cells, strict=True):
        text = restore(cell.strip())
        where = f"{column} ({name})"
        if name == "number" and text.isascii() and text.isdigit() and len(text) < 4:
            text = text.zfill(4)  # a spreadsheet drops the leading zeros of "0123"
        if name in ("mdr", "uk_approved"):
            flag = _BOOLEANS.get(text.lower())
            if flag is None:
                problems.append(
                    Problem(where, f"{shown(text)} is not yes/no or true/false", row=number)
                )
            values[name] = bool(flag)
        elif name == "country":
            values[name] = text.upper() or None
        else:
            values[name] = text
    try:
        body = BodyIn.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            name = str(error["loc"][0]) if error["loc"] else ""
            column = COLUMNS[BODY_FIELDS.index(name)] if name in BODY_FIELDS else ""
            where = f"{column} ({name})" if column else ""
            problems.append(Problem(where, plain_message(error), row=number))
        return None, sorted(problems, key=lambda p: p.field)
    return (None, problems) if problems else (body, [])


def import_bodies_csv(
    session: Session, raw: bytes, *, user: str | None, source: str
) -> tuple[int, int]:
    """Add or update the clinic's rows from a CSV file: (added, updated)."""
    return save_bodies(session, parse_bodies_csv(raw), user=user, reason=f"imported from {source}")
