"""`import-sheet`: a spreadsheet of products, lots, treatments or documents, imported exactly
as `import` imports a file (shared/INTERCHANGE.md, "Spreadsheets")."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from exodesk.cli.acting import acting_user
from exodesk.cli.failures import EXIT_OK, warn_if
from exodesk.db import Database
from exodesk.services.accounts.users import Permission, require
from exodesk.services.sheets.dates import DayOrder
from exodesk.services.sheets.importing import SheetOptions, import_sheet, read_sheet

MAX_LISTED = 50  # records a dry run lists one a line; the rest are counted


def run_import_sheet(db: Database, args: argparse.Namespace) -> int:
    path: Path = args.file
    options = SheetOptions(
        kind=args.kind,
        mapping=args.map,
        dates=DayOrder(args.dates) if args.dates else None,
        sheet=args.sheet,
    )
    with db.read() as session:  # an account that may not import is told so first
        require(session, acting_user(args), Permission.IMPORT)
    read = read_sheet(path, options, warn=warn_if)
    with db.write() as session:
        done = import_sheet(session, read, user=acting_user(args), dry_run=args.dry_run)
    summary, kind = done.summary, args.kind
    added = [f"{summary.added[kind]} {kind}"] if summary.added[kind] else []
    if summary.added["locations"]:
        added.append(f"{summary.added['locations']} new locations")
    already = f"{summary.unchanged[kind]} {kind} already present"
    said = f"{path.name} ({kind}): {', '.join(added) or 'nothing new'}; {already}"
    if not args.dry_run:
        print(f"Imported {said}.")
        return EXIT_OK
    print(f"Would import {said}. Nothing was written (--dry-run).")
    for line in done.added[:MAX_LISTED]:
        print(f"  would add {line}")
    if len(done.added) > MAX_LISTED:
        print(f"  ... and {len(done.added) - MAX_LISTED} more")
    sys.stdout.flush()
    return EXIT_OK
