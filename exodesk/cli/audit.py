"""`audit verify`: check the audit trail's hash chain, its append-only guards, the tables
against a replay of the trail, and the trail against its anchors outside the database."""

from __future__ import annotations

import argparse
import sys

from exodesk.cli.failures import EXIT_FAILED, EXIT_OK
from exodesk.db import Database
from exodesk.services.audit.verify import verify_trail


def run_verify(db: Database, args: argparse.Namespace) -> int:
    with db.read() as session:
        result = verify_trail(session, copies=args.backup)
    notes = [f"Note: {f.text}." for f in result.findings if not f.serious]
    if result.intact:
        print(
            f"Audit trail intact: {result.checked} event(s) checked, each chained to the one "
            "before, and the tables agree with them."
        )
        for note in notes:
            print(note)
        return EXIT_OK
    for note in notes:
        print(note)
    for number, broken in enumerate(result.breaks):
        intact = f" Events before it ({broken.event_id - 1} and earlier) are intact."
        print(
            f"exodesk: audit trail BROKEN at event {broken.event_id}: {broken.problem}."
            + (intact if number == 0 else ""),
            file=sys.stderr,
        )
    for finding in (f for f in result.findings if f.serious):
        print(f"exodesk: audit trail: {finding.text}.", file=sys.stderr)
    return EXIT_FAILED
