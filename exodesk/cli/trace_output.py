"""How `exodesk trace` prints a lot's treatments, whichever way they were read."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from exodesk.cli.failures import EXIT_OK
from exodesk.cli.options import print_json
from exodesk.services.treatments.trace_rows import TraceRow
from exodesk.textable import format_table


def show_trace(args: argparse.Namespace, rows: Sequence[TraceRow]) -> int:
    if args.json:
        print_json([r.as_json() for r in rows])
        return EXIT_OK
    patients = len({r.patient for r in rows})
    print(f"Lot {args.lot} of {args.product}: {len(rows)} treatment(s), {patients} patient(s)")
    if rows:
        print()
        print(
            format_table(
                ["ref", "date", "patient", "practitioner", "route", "zone", "vials"],
                [
                    [r.ref, r.date, r.patient, r.practitioner, r.route, r.zone, r.vials]
                    for r in rows
                ],
            )
        )
    return EXIT_OK
