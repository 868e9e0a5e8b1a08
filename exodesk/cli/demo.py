"""`demo`: fill an empty database with the demo clinic; as of now (no --today), with three
vials reconstituted in the last hours (one past its window, one in its last hour)."""

from __future__ import annotations

import argparse

from exodesk.cli.acting import acting_user
from exodesk.cli.failures import EXIT_INVALID, EXIT_OK, Failure
from exodesk.cli.options import today
from exodesk.db import Database
from exodesk.demo.clinic import demo_document
from exodesk.demo.vials import open_demo_vials
from exodesk.services.interchange.importer import import_document
from exodesk.services.interchange.schema import validate_interchange
from exodesk.services.queries import database_is_empty
from exodesk.services.stock.vials import local_now


def holds_data(db: Database, args: argparse.Namespace) -> bool:
    """Whether the demo stays out (decided before signing in): with --if-empty, a database
    that holds data is no error; without it, it is."""
    with db.read() as session:
        empty = database_is_empty(session)
    if not empty and not args.if_empty:
        raise Failure(
            EXIT_INVALID,
            f"{db.display_name} already holds data; the demo goes into an empty database",
        )
    return not empty


def run_demo(db: Database, args: argparse.Namespace) -> int:
    with db.write() as session:
        if not database_is_empty(session):  # filled meanwhile by another workstation
            raise Failure(EXIT_INVALID, f"{db.display_name} already holds data")
        document = validate_interchange(demo_document(today(args)))
        summary = import_document(
            session, document, user=acting_user(args), source="the demo clinic"
        )
        # Open vials are about this moment: a demo of another day (--today) has none.
        vials = [] if args.today else open_demo_vials(session, local_now(), user=acting_user(args))
    print(
        f"Demo clinic created in {db.display_name}: {summary.total_added} records"
        + (f", {len(vials)} open vials." if vials else ".")
    )
    return EXIT_OK
