"""`audit verify`: check the audit trail's hash chain."""

from __future__ import annotations

import argparse
import sys

from exodesk.cli.failures import EXIT_FAILED, EXIT_OK
from exodesk.cli.registry import Command, Group
from exodesk.db import Database
from exodesk.services.audit.trail import verify_chain

GROUP = Group("audit", "the audit trail")


def run_verify(db: Database, args: argparse.Namespace) -> int:
    with db.read() as session:
        checked, broken = verify_chain(session)
    if broken is None:
        print(f"Audit trail intact: {checked} event(s) checked, each chained to the one before.")
        return EXIT_OK
    print(
        f"exodesk: audit trail BROKEN at event {broken.event_id}: {broken.problem}. "
        f"Events before it ({broken.event_id - 1} and earlier) are intact.",
        file=sys.stderr,
    )
    return EXIT_FAILED


COMMANDS = (Command(("audit", "verify"), "check the audit trail's hash chain", run=run_verify),)
