"""Each command's own arguments, cheap to import: `exodesk --help` and `exodesk COMMAND
--help` are made from these alone, without the database layer or the services. The choices
spelled out here are the services' own (tests/cli/test_lazy_startup.py holds them equal)."""

from __future__ import annotations

import argparse
from pathlib import Path

ROLES = ("admin", "practitioner", "stock_manager", "auditor")  # exodesk.models.enums.Role
SHEET_KINDS = ("products", "lots", "treatments", "documents")  # services.sheets.fields.KINDS
DAY_ORDERS = ("day-first", "month-first")  # exodesk.services.sheets.dates.DayOrder
FAIL_ON = ("block", "warn")  # exodesk.cli.compliance.FAIL_ON


# import, export


def import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)


def export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="file to write, or - for standard output")


# import-sheet


def sheet_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help=".xlsx or .csv")
    parser.add_argument("--kind", required=True, choices=SHEET_KINDS, help="what each row is")
    parser.add_argument(
        "--map",
        metavar="MAP",
        help='JSON object {"header": "field"} (or a file holding one): which field a column gives',
    )
    parser.add_argument(
        "--dates",
        choices=list(DAY_ORDERS),
        help="how the sheet writes dates such as 03/04/2026",
    )
    parser.add_argument("--sheet", metavar="NAME", help="the workbook's sheet (default: the first)")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="check everything, say what would be added, write nothing",
    )


# check


def check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fail-on",
        choices=sorted(FAIL_ON),
        help="exit 4 when a flag of this severity or worse is open (not overridden)",
    )


# trace


def trace_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("product")
    parser.add_argument("lot")


# demo


def demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--if-empty", action="store_true", help="do nothing (exit 0) if the database holds data"
    )


# bodies import


def bodies_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="CSV: number,name,country,mdr,uk_approved")


# void


def _reason(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reason", required=True, metavar="TEXT", help="why it is void (kept in the audit trail)"
    )


def void_ref_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ref")
    _reason(parser)


def void_lot_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("product")
    parser.add_argument("lot")
    _reason(parser)


# count, count-sheet


def count_start_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--location", metavar="NAME", help="count one location (default: all)")


def count_id_and_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", type=int)
    parser.add_argument("file", type=Path)


def count_close_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", type=int)
    parser.add_argument("--reason", required=True, help="why the stock is adjusted (kept)")
    parser.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="also write the count report as CSV (as `count report` does) once it is closed",
    )


def sheet_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path)


# backup, restore


def backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dest", type=Path, help="backup file, or a folder for a time-stamped file")


def restore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path)


# audit verify


def verify_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backup",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="also check that this backup's audit trail is part of the database's (repeatable)",
    )


# user


def user_add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name")
    parser.add_argument("--role", required=True, choices=list(ROLES))


def user_name(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name")


def user_deactivate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name")
    parser.add_argument("--reason", default="", help="why (kept in the audit trail)")
