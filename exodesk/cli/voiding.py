"""`void treatment|movement|lot`: mark a record as entered in error. It is kept (struck
through in the window, exported with its `void`), but counts nowhere."""

from __future__ import annotations

import argparse

from exodesk.cli.acting import acting_user
from exodesk.cli.failures import EXIT_OK
from exodesk.cli.options import today
from exodesk.cli.registry import Command, Group
from exodesk.db import Database
from exodesk.services.stock.voiding import void_lot, void_movement
from exodesk.services.treatments.corrections import void_treatment

GROUP = Group(
    "void", "mark a treatment, movement or lot as entered in error (kept, counted nowhere)"
)

REFUSAL = "nothing was voided"


def _reason(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reason", required=True, metavar="TEXT", help="why it is void (kept in the audit trail)"
    )


def _ref_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ref")
    _reason(parser)


def _lot_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("product")
    parser.add_argument("lot")
    _reason(parser)


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


COMMANDS = (
    Command(
        ("void", "treatment"),
        "mark a treatment as entered in error (its stock use with it)",
        _ref_arguments,
        run=run_void_treatment,
        writes=True,
        dated=True,
        refusal=REFUSAL,
    ),
    Command(
        ("void", "movement"),
        "mark a stock movement (waste, adjustment, status change, transfer) as entered in error",
        _ref_arguments,
        run=run_void_movement,
        writes=True,
        dated=True,
        refusal=REFUSAL,
    ),
    Command(
        ("void", "lot"),
        "mark a lot (a receipt) as entered in error",
        _lot_arguments,
        run=run_void_lot,
        writes=True,
        dated=True,
        refusal=REFUSAL,
    ),
)
