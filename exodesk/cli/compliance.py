"""`check`: every compliance flag. The table names each rule in plain words; its id follows
the flag's message in brackets, and `--json` keeps the ids alone."""

from __future__ import annotations

import argparse

from exodesk.cli.failures import EXIT_OK
from exodesk.cli.options import print_json, today
from exodesk.cli.registry import Command
from exodesk.db import Database
from exodesk.models.enums import Severity
from exodesk.models.vocabulary import rule_title, short_label
from exodesk.services.compliance import rules
from exodesk.textable import format_table


def run_check(db: Database, args: argparse.Namespace) -> int:
    day = today(args)
    with db.read() as session:
        flags = rules.check(session, day)
    if args.json:
        print_json([f.as_json() for f in flags])
        return EXIT_OK
    counts = {s: sum(1 for f in flags if f.severity is s) for s in Severity}
    print(
        f"{len(flags)} flag(s) as of {day}: "
        + ", ".join(f"{n} {s.value}" for s, n in counts.items())
    )
    if flags:
        print()
        print(
            format_table(
                ["severity", "rule", "product", "lot", "treatment"],
                [
                    [short_label(f.severity), rule_title(f.rule), f.product, f.lot, f.treatment]
                    for f in flags
                ],
                details=[f"{f.message} [{f.rule}]" for f in flags],
            )
        )
    return EXIT_OK


COMMANDS = (Command(("check",), "every compliance flag", run=run_check, dated=True, as_json=True),)
