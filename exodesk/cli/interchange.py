"""`import` and `export`: the interchange file of shared/INTERCHANGE.md."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from exodesk.cli.acting import acting_user
from exodesk.cli.failures import EXIT_INVALID, EXIT_OK, Failure, check_writable, warn_if
from exodesk.db import Database
from exodesk.files import write_atomically
from exodesk.services.audit.anchors import ANCHOR_EXPORT, record_anchor
from exodesk.services.interchange.export import dumps, export_document
from exodesk.services.interchange.importer import import_bytes


def run_import(db: Database, args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise Failure(EXIT_INVALID, f"{path}: cannot read the file ({exc.strerror})") from None
    with db.write() as session:
        summary = import_bytes(session, raw, user=acting_user(args), source=path.name)
    added = ", ".join(f"{n} {section}" for section, n in summary.added.items() if n)
    already = sum(summary.unchanged.values())
    print(f"Imported {path.name}: {added or 'nothing new'}; {already} record(s) already present.")
    return EXIT_OK


def run_export(db: Database, args: argparse.Namespace) -> int:
    if args.file != "-":
        check_writable(Path(args.file))  # before the (long) export is worked out
    with db.read() as session:
        text = dumps(export_document(session))
        where = "standard output" if args.file == "-" else str(args.file)
        warn_if(record_anchor(session, ANCHOR_EXPORT, where=where))
    if args.file == "-":
        sys.stdout.write(text)
        return EXIT_OK
    path = Path(args.file)
    try:
        write_atomically(path, text)
    except OSError as exc:
        raise Failure(EXIT_INVALID, f"{path}: cannot write the file ({exc.strerror})") from None
    print(f"Exported to {path}.", file=sys.stderr)
    return EXIT_OK
