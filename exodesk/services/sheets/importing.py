"""A sheet imported exactly as `exodesk import` imports a file: its records become an
interchange file, which is validated (`schema`) and imported (`importer`) as a whole, all or
nothing, with the same rules and the same idempotence; every problem is named by the row and
column of the sheet. A dry run does everything inside a savepoint it then rolls back."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.models import Document, Location, Lot, Product, Treatment
from exodesk.services.errors import InvalidInput
from exodesk.services.interchange.importer import ImportSummary, import_document
from exodesk.services.interchange.schema import InterchangeFile, validate_interchange
from exodesk.services.sheets.dates import DayOrder
from exodesk.services.sheets.fields import KINDS, fields_of
from exodesk.services.sheets.headers import Header, find_header, read_map
from exodesk.services.sheets.locating import located
from exodesk.services.sheets.reading import Grid, read_grids, refused
from exodesk.services.sheets.records import SheetRecords, build_records


@dataclass(frozen=True)
class SheetOptions:
    kind: str
    mapping: str | Mapping[str, Any] | None = None  # --map: JSON text, a file, or an object
    dates: DayOrder | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class SheetRead:
    """A sheet read and validated: its records as an interchange file, and where each is."""

    path: Path
    grid: Grid
    records: SheetRecords
    document: InterchangeFile
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class SheetImported:
    summary: ImportSummary
    added: tuple[str, ...]  # a dry run's new records in words, with their rows ("lot L1 of P
    # (row 4)"); empty when the sheet was imported


def _choose(grids: list[Grid], kind: str, mapping: Mapping[str, str | None]) -> tuple[Grid, Header]:
    """The grid (a CSV's separator) whose header row gives the most fields, the first on a
    tie (a title "Product, lot and expiry" above a semicolon sheet is not its header)."""
    found: list[tuple[int, int, Grid, Header]] = []
    failure: InvalidInput | None = None
    for grid in grids:
        try:
            header = find_header(grid, kind, mapping)
        except InvalidInput as exc:
            failure = failure or exc
            continue
        if header is not None:
            found.append((-len(header.columns), header.row, grid, header))
    if found:
        found.sort(key=lambda f: (f[0], f[1]))
        return found[0][2], found[0][3]
    if failure is not None:
        raise failure
    raise refused(
        f"no header row: no row names at least two fields of a {kind} sheet "
        f"({', '.join(fields_of(kind))}); name the columns so, or use --map"
    )


def read_sheet(
    path: Path, options: SheetOptions, warn: Callable[[str], None] | None = None
) -> SheetRead:
    """Read, map and validate a sheet; InvalidInput names each problem's row and column.
    `warn` hears of each column left out as soon as the header row is found."""
    if options.kind not in KINDS:
        raise refused(f"--kind {options.kind!r}: not one of {', '.join(KINDS)}")
    mapping = read_map(options.mapping, options.kind)
    grid, header = _choose(read_grids(path, options.sheet), options.kind, mapping)
    if warn is not None:
        for warning in header.warnings:
            warn(warning)
    sheet = build_records(grid, header, options.kind, options.dates)
    try:
        document = validate_interchange(sheet.document())
    except InvalidInput as exc:
        raise InvalidInput(located(exc.problems, sheet)) from None
    if sheet.problems:
        raise InvalidInput(located((), sheet))
    return SheetRead(path, grid, sheet, document, header.warnings)


def import_sheet(
    session: Session, read: SheetRead, *, user: str | None, dry_run: bool = False
) -> SheetImported:
    """Import what `read_sheet` read, in the caller's transaction; a dry run writes nothing."""
    added = _new_records(session, read.records) if dry_run else []
    savepoint = session.begin_nested() if dry_run else None
    try:
        summary = import_document(session, read.document, user=user, source=read.path.name)
    except InvalidInput as exc:
        raise InvalidInput(located(exc.problems, read.records)) from None
    finally:
        if savepoint is not None:
            savepoint.rollback()
    return SheetImported(summary, tuple(added))


def _key(kind: str, rec: Mapping[str, Any]) -> Hashable:
    if kind == "products":
        return rec.get("name")
    if kind == "lots":
        return (rec.get("product"), rec.get("lot"))
    if kind == "documents":
        return (rec.get("kind"), rec.get("number"))
    return rec.get("ref")


def _words(kind: str, rec: Mapping[str, Any]) -> str:
    if kind == "products":
        return f"product {rec.get('name')}"
    if kind == "lots":
        return f"lot {rec.get('lot')} of {rec.get('product')}"
    if kind == "documents":
        return f"document {rec.get('kind')} {rec.get('number')}"
    return (
        f"treatment {rec.get('ref')}: {rec.get('date')} {rec.get('patient')} "
        f"{rec.get('product')} {rec.get('lot')}"
    )


def _stored(session: Session, kind: str) -> set[Hashable]:
    if kind == "products":
        return set(session.scalars(select(Product.name)))
    if kind == "lots":
        query = select(Product.name, Lot.code).join(Product, Product.id == Lot.product_id)
        return {(name, code) for name, code in session.execute(query)}
    if kind == "documents":
        return {(k.value, n) for k, n in session.execute(select(Document.kind, Document.number))}
    return set(session.scalars(select(Treatment.ref)))


def _new_records(session: Session, sheet: SheetRecords) -> list[str]:
    """Each record the sheet would add, in words with its row (first of identical ones)."""
    seen = _stored(session, sheet.kind)
    added = []
    for rec, row in zip(sheet.records, sheet.rows, strict=True):
        k = _key(sheet.kind, rec)
        if k not in seen:
            seen.add(k)
            added.append(f"{_words(sheet.kind, rec)} (row {row})")
    if sheet.locations:
        stored = set(session.scalars(select(Location.name)))
        added += [
            f"location {name} (row {sheet.rows[i]})"
            for name, i in sheet.locations.items()
            if name not in stored
        ]
    return added
