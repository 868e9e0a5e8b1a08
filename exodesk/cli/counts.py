"""`count start|sheet|enter|close|report` (stock counts on the database) and `count-sheet`
(counting offline from a sheet file alone, in the counting window)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from exodesk.cli.acting import acting_user
from exodesk.cli.failures import (
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_OK,
    Failure,
    check_writable,
    warn_if,
)
from exodesk.cli.options import print_json, today
from exodesk.db import Database
from exodesk.files import write_atomically
from exodesk.services.audit.anchors import ANCHOR_COUNT_REPORT, record_anchor
from exodesk.services.counts import counts
from exodesk.services.counts.sheet import format_sheet, parse_sheet, read_sheet_text
from exodesk.textable import format_table


def run_start(db: Database, args: argparse.Namespace) -> int:
    with db.write() as session:
        count_id = counts.start_count(
            session, location=args.location, today=today(args), user=acting_user(args)
        )
    print(count_id)
    return EXIT_OK


def _write_file(path: Path, text: str) -> None:
    try:
        write_atomically(path, text)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise Failure(
            EXIT_INVALID, f"{path}: cannot write ({reason}); nothing was written"
        ) from None


def run_sheet(db: Database, args: argparse.Namespace) -> int:
    check_writable(args.file)
    with db.read() as session:
        rows = counts.sheet_rows(session, args.id)
    _write_file(args.file, format_sheet(rows))
    print(f"Wrote the sheet of count {args.id} ({len(rows)} lots) to {args.file}.", file=sys.stderr)
    return EXIT_OK


def run_enter(db: Database, args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        text = read_sheet_text(path)  # InvalidInput (not UTF-8, too large) is listed as such
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise Failure(
            EXIT_INVALID, f"{path}: cannot read the sheet ({reason}); nothing was entered"
        ) from None
    rows = parse_sheet(text)
    with db.write() as session:
        entered = counts.enter_rows(session, args.id, rows, user=acting_user(args))
    print(f"Entered {entered} counted lot(s) from {path.name} into count {args.id}.")
    return EXIT_OK


def run_close(db: Database, args: argparse.Namespace) -> int:
    report: Path | None = args.report
    if report is not None:  # before closing: a bad path never leaves a count without its report
        check_writable(report, then=f"count {args.id} was not closed")
    with db.write() as session:
        found = counts.close_count(
            session, args.id, reason=args.reason, today=today(args), user=acting_user(args)
        )
    if report is not None:  # before printing: a closed output pipe must not lose the report
        _write_closed_report(db, args.id, report, adjusted=len(found))
    if args.json:
        print_json([d.as_json() for d in found])
        return EXIT_OK
    print(
        f"Count {args.id} closed: {len(found)} discrepanc{'y' if len(found) == 1 else 'ies'}"
        " adjusted."
    )
    if found:
        print()
        print(
            format_table(
                ["product", "lot", "location", "expected", "counted", "adjustment"],
                [
                    [d.product, d.lot, d.location, d.expected, d.counted, f"{d.adjustment:+d}"]
                    for d in found
                ],
            )
        )
    return EXIT_OK


def _write_closed_report(db: Database, count_id: int, path: Path, *, adjusted: int) -> None:
    """The report of a count just closed (committed): if it cannot be written, say plainly
    that the count was closed all the same, and how to write the report again (exit 1)."""
    try:
        with db.read() as session:
            text = counts.report_csv(
                counts.get_count(session, count_id), counts.count_lines(session, count_id)
            )
            anchored = record_anchor(session, ANCHOR_COUNT_REPORT, where=str(path))
        write_atomically(path, text)
        warn_if(anchored)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise Failure(
            EXIT_FAILED,
            f"count {count_id} WAS closed ({adjusted} adjustment(s) recorded), but its report "
            f"was not written to {path} ({reason}); write it with: "
            f"exodesk count report {count_id} FILE",
        ) from None


def run_report(db: Database, args: argparse.Namespace) -> int:
    check_writable(args.file)
    with db.read() as session:
        summary = counts.get_count(session, args.id)
        lines = counts.count_lines(session, args.id)
        anchored = record_anchor(session, ANCHOR_COUNT_REPORT, where=str(args.file))
    _write_file(args.file, counts.report_csv(summary, lines))
    warn_if(anchored)
    print(f"Wrote the report of count {args.id} to {args.file}.", file=sys.stderr)
    return EXIT_OK


def run_offline(target: str | None, args: argparse.Namespace) -> int:
    from exodesk.app import run_offline_count  # Qt only when the window is wanted

    return run_offline_count(args.file)
