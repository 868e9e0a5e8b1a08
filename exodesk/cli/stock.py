"""`stock` (stock on hand per lot) and `trace` (every treatment from a lot)."""

from __future__ import annotations

import argparse

from exodesk.cli.failures import EXIT_OK
from exodesk.cli.options import print_json, today
from exodesk.cli.trace_output import show_trace
from exodesk.db import Database
from exodesk.services.stock.on_hand import expiry_note, iter_stock_on_hand, stock_on_hand
from exodesk.services.treatments.trace import trace_lot
from exodesk.textable import format_table


def run_stock(db: Database, args: argparse.Namespace) -> int:
    day = today(args)
    if args.json:
        with db.read() as session:
            print_json(r.as_json() for r in iter_stock_on_hand(session))
        return EXIT_OK
    with db.read() as session:
        rows = stock_on_hand(session)
    print(f"{len(rows)} lot(s), {sum(r.on_hand for r in rows)} vial(s) on hand as of {day}")
    if rows:
        print()
        print(
            format_table(
                ["product", "lot", "expiry", "location", "status", "on hand", "note"],
                [
                    [
                        r.product,
                        r.lot,
                        r.expiry,
                        r.location,
                        r.status.value,
                        r.on_hand,
                        expiry_note(r.expiry, day),
                    ]
                    for r in rows
                ],
            )
        )
    return EXIT_OK


def run_trace(db: Database, args: argparse.Namespace) -> int:
    with db.read() as session:
        rows = trace_lot(session, args.product, args.lot)
    return show_trace(args, rows)
