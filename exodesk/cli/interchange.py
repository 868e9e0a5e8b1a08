"""`import` and `export`: the interchange file of shared/INTERCHANGE.md."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from exodesk.cli.acting import acting_user
from exodesk.cli.failures import EXIT_INVALID, EXIT_OK, Failure, check_writable, warn_if
from exodesk.db import Database
from exodesk.files import full_disk_named, move_into_place, temporary_beside
from exodesk.services.audit.anchors import ANCHOR_EXPORT, record_anchor
from exodesk.services.interchange.export import write_export
from exodesk.services.interchange.importer import Handover, import_bytes


def run_import(db: Database, args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        raw = Handover(path.read_bytes())  # the import holds the file's only copy
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
    where = "standard output" if args.file == "-" else str(args.file)
    if args.file == "-":
        with db.read() as session:
            write_export(session, sys.stdout)
            warn_if(record_anchor(session, ANCHOR_EXPORT, where=where))
        return EXIT_OK
    path = Path(args.file)
    try:
        _export_to_file(db, path, where)
    except OSError as exc:
        raise Failure(EXIT_INVALID, f"{path}: cannot write the file ({exc.strerror})") from None
    print(f"Exported to {path}.", file=sys.stderr)
    return EXIT_OK


def _export_to_file(db: Database, path: Path, where: str) -> None:
    """Write the export into a new file beside `path` as it is read, then put it in place
    whole: `path` is never left half-written. A path that is not a regular file (a pipe,
    /dev/stdout) is written to directly."""
    if path.exists() and not path.is_file():
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder", str(path))
        with db.read() as session:
            with full_disk_named(path), path.open("w", encoding="utf-8", newline="\n") as out:
                write_export(session, out)
            warn_if(record_anchor(session, ANCHOR_EXPORT, where=where))
        return
    with temporary_beside(path.parent, f".{path.name}.") as tmp:
        with db.read() as session:
            with full_disk_named(path), tmp.open("w", encoding="utf-8", newline="\n") as out:
                write_export(session, out)
            warn_if(record_anchor(session, ANCHOR_EXPORT, where=where))
        with full_disk_named(path):
            move_into_place(tmp, path)
