"""`check`: every compliance flag. The table names each rule in plain words; its id follows
the flag's message in brackets, and `--json` keeps the ids alone. `--fail-on block|warn` ends
with exit 4 when a flag of that severity or worse is open (not overridden), for scripts."""

from __future__ import annotations

import argparse

from exodesk.cli.failures import EXIT_OK
from exodesk.cli.options import print_json, today
from exodesk.db import Database
from exodesk.models.enums import Severity
from exodesk.models.vocabulary import OVERRIDDEN, rule_title, short_label
from exodesk.services.compliance import rules
from exodesk.textable import format_table

EXIT_OPEN_FLAGS = 4
FAIL_ON = {"block": (Severity.BLOCK,), "warn": (Severity.BLOCK, Severity.WARN)}


def _exit_code(flags: list[rules.Flag], fail_on: str | None) -> int:
    if fail_on is None:
        return EXIT_OK
    counts = rules.open_counts(flags)
    return EXIT_OPEN_FLAGS if any(counts[s] for s in FAIL_ON[fail_on]) else EXIT_OK


def run_check(db: Database, args: argparse.Namespace) -> int:
    day = today(args)
    with db.read() as session:
        flags = rules.check(session, day)
    if args.json:
        print_json([f.as_json() for f in flags])
        return _exit_code(flags, args.fail_on)
    counts = rules.open_counts(flags)
    overridden = len(flags) - sum(counts.values())
    print(
        f"{len(flags)} flag(s) as of {day}: "
        + ", ".join(f"{n} {s.value}" for s, n in counts.items())
        + (f" open, {overridden} overridden" if overridden else "")
    )
    if flags:
        print()
        print(
            format_table(
                ["severity", "rule", "product", "lot", "treatment"],
                [
                    [_severity_cell(f), rule_title(f.rule), f.product, f.lot, f.treatment]
                    for f in flags
                ],
                details=[_details(f) for f in flags],
            )
        )
    return _exit_code(flags, args.fail_on)


def _severity_cell(flag: rules.Flag) -> str:
    word = short_label(flag.severity)
    return word if flag.is_open else f"{word} ({OVERRIDDEN})"


def _details(flag: rules.Flag) -> str:
    text = f"{flag.message} [{flag.rule}]"
    if flag.overridden is not None:
        text += f" Overridden by {flag.overridden.by}: {flag.overridden.reason}"
    return text
