"""The options many commands share (--db, --user, --today, --json) and reading them."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from exodesk.dates import iso_day
from exodesk.jsonindent import write_array


def _iso_day(text: str) -> dt.date:
    try:
        return iso_day(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (expected YYYY-MM-DD): {text!r}") from None


def shared_options() -> argparse.ArgumentParser:
    """--db and --user, accepted before or after the command's name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="TARGET",
        help="database file or SQLAlchemy URL (default: $EXODESK_DB, then the data folder)",
    )
    common.add_argument(
        "--user",
        default=argparse.SUPPRESS,
        help="who is acting, for the audit trail (default: $EXODESK_USER, then the login "
        "name). Once the database has accounts, commands that write sign in as this account, "
        "with the password from $EXODESK_PASSWORD or asked for",
    )
    return common


def dated_options() -> argparse.ArgumentParser:
    dated = argparse.ArgumentParser(add_help=False)
    dated.add_argument("--today", type=_iso_day, metavar="YYYY-MM-DD", help="fix 'today'")
    return dated


def json_options() -> argparse.ArgumentParser:
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print one JSON array")
    return as_json


def today(args: argparse.Namespace) -> dt.date:
    day: dt.date | None = args.today
    return day or dt.date.today()


def print_json(rows: Iterable[Mapping[str, Any]]) -> None:
    """One JSON array (as json.dumps(indent=2, ensure_ascii=False) lays it out), written
    row by row as `rows` yields them."""
    write_array(sys.stdout, rows)
