"""`void treatment|movement|lot`: mark a record as entered in error. It is kept (struck
through in the window, exported with its `void`), but counts nowhere."""

from __future__ import annotations

import argparse

from exodesk.cli.acting import acting_user
from exodesk.cli.failures import EXIT_OK
from exodesk.cli.options import today
from exodesk.db import Database
from exodesk.services.stock.voiding import void_lot, void_movement
from exodesk.services.treatments.corrections import void_treatment


def run_void_treatment(db: Database, args: argparse.Namespace) -> int:
    with db.write() as session:
        void_treatment(
            session, args.ref, reason=args.reason, today=today(args), user=acting_user(args)
        )
    print(f"Treatment {args.ref} is void: it is kept, but counts nowhere")
    return EXIT_OK


def run_void_movement(db: Database, args: argparse.Namespace) -> int:
    with db.write() as session:
        void_movement(
            session, args.ref, reason=args.reason, today=today(args), user=acting_user(args)
        )
    print(f"Movement {args.ref} is void: it is kept, but counts nowhere")
    return EXIT_OK


def run_void_lot(db: Database, args: argparse.Namespace) -> int:
    with db.write() as session:
        void_lot(
            session,
            args.product,
            args.lot,
            reason=args.reason,
            today=today(args),
            user=acting_user(args),
        )
    print(f"Lot {args.lot} of {args.product} is void: it is kept, but counts nowhere")
    return EXIT_OK
