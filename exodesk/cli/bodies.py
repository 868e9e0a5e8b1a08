"""`bodies`: the register of notified bodies ExoDesk knows (the shipped one, dated, with the
clinic's rows winning), and `bodies import FILE`: the clinic's additions from a CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from exodesk.cli.acting import acting_user
from exodesk.cli.failures import EXIT_INVALID, EXIT_OK, Failure
from exodesk.cli.options import print_json
from exodesk.db import Database
from exodesk.services.register.bodies import BODY_FIELDS, register_bodies
from exodesk.services.register.csv_import import MAX_BYTES, import_bodies_csv
from exodesk.services.register.shipped import shipped_register
from exodesk.textable import format_table


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def run_bodies(db: Database, args: argparse.Namespace) -> int:
    with db.read() as session:
        bodies = list(register_bodies(session).values())
    if args.json:
        print_json([{f: getattr(b, f) for f in BODY_FIELDS} for b in bodies])
        return EXIT_OK
    shipped = shipped_register()
    own = sum(b.clinic for b in bodies)
    print(
        f"{len(bodies)} notified bodies: ExoDesk's register as of {shipped.as_of}"
        + (f", with {own} row(s) of the clinic's own" if own else "")
        + "."
    )
    print(f"Source: {shipped.source}.")
    print(f"Look a body up at {shipped.check_at}")
    print()
    print(
        format_table(
            ["number", "name", "country", "MDR", "UK approved", "row"],
            [
                [b.number, b.name, b.country, _yes(b.mdr), _yes(b.uk_approved)]
                + ["clinic's" if b.clinic else "ExoDesk's"]
                for b in bodies
            ],
        )
    )
    return EXIT_OK


def run_bodies_import(db: Database, args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise Failure(EXIT_INVALID, f"{path}: cannot read the file ({exc.strerror})") from None
    with db.write() as session:
        added, updated = import_bodies_csv(session, raw, user=acting_user(args), source=path.name)
    print(
        f"Imported {path.name}: {added} notified bod{'y' if added == 1 else 'ies'} added, "
        f"{updated} updated."
    )
    return EXIT_OK
