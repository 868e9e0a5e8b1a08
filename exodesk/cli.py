"""The command line of shared/INTERCHANGE.md, on the same services as the GUI.
Exit codes: 0 done, 2 invalid input, 3 the database cannot be opened safely."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from exodesk.backup import BackupError, backup, restore
from exodesk.db import (
    Database,
    DatabaseRefused,
    explain_operational_error,
    open_database,
    resolve_target,
    sqlite_file,
    target_url,
)
from exodesk.demo.clinic import demo_document
from exodesk.files import write_atomically
from exodesk.models.enums import Role, Severity
from exodesk.services.accounts import users
from exodesk.services.audit.trail import verify_chain
from exodesk.services.compliance import rules
from exodesk.services.counts import counts
from exodesk.services.counts.sheet import format_sheet, parse_sheet
from exodesk.services.interchange.export import dumps, export_document
from exodesk.services.interchange.importer import import_bytes, import_document
from exodesk.services.interchange.schema import InvalidInput, validate_interchange
from exodesk.services.queries import database_is_empty
from exodesk.services.stock.on_hand import stock_on_hand
from exodesk.services.treatments.trace import UnknownLot, trace_lot
from exodesk.settings import LOT_EXPIRING_DAYS, data_dir
from exodesk.textable import format_table

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_DATABASE = 0, 1, 2, 3
MAX_ERRORS_SHOWN = 200


class Failure(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _iso_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (expected YYYY-MM-DD): {text!r}") from None


def _parser() -> argparse.ArgumentParser:
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
    dated = argparse.ArgumentParser(add_help=False)
    dated.add_argument("--today", type=_iso_day, metavar="YYYY-MM-DD", help="fix 'today'")
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print one JSON array")

    parser = argparse.ArgumentParser(
        prog="exodesk",
        description="Exosome products, lots, treatments and compliance. "
        "With no command, opens the window.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser("import", parents=[common], help="validate a file, then add what is new")
    p.add_argument("file", type=Path)
    p = sub.add_parser("export", parents=[common], help="write the whole database as JSON")
    p.add_argument("file", help="file to write, or - for standard output")
    sub.add_parser("check", parents=[common, dated, as_json], help="every compliance flag")
    sub.add_parser("stock", parents=[common, dated, as_json], help="stock on hand per lot")
    p = sub.add_parser("trace", parents=[common, as_json], help="every treatment from a lot")
    p.add_argument("product")
    p.add_argument("lot")
    p = sub.add_parser("demo", parents=[common, dated], help="fill an empty database with a demo")
    p.add_argument(
        "--if-empty", action="store_true", help="do nothing (exit 0) if the database holds data"
    )
    count = sub.add_parser("count", help="stock counts: start, sheet, enter, close, report")
    steps = count.add_subparsers(dest="step", metavar="STEP", required=True)
    p = steps.add_parser("start", parents=[common, dated], help="open a count")
    p.add_argument("--location", metavar="NAME", help="count one location (default: all)")
    p = steps.add_parser("sheet", parents=[common], help="write the count sheet as CSV")
    p.add_argument("id", type=int)
    p.add_argument("file", type=Path)
    p = steps.add_parser("enter", parents=[common], help="take the counts of a filled sheet")
    p.add_argument("id", type=int)
    p.add_argument("file", type=Path)
    p = steps.add_parser(
        "close", parents=[common, dated, as_json], help="reconcile, adjust stock and close"
    )
    p.add_argument("id", type=int)
    p.add_argument("--reason", required=True, help="why the stock is adjusted (kept)")
    p = steps.add_parser("report", parents=[common], help="write the count report as CSV")
    p.add_argument("id", type=int)
    p.add_argument("file", type=Path)
    p = sub.add_parser("backup", parents=[common], help="copy the database safely, even in use")
    p.add_argument("dest", type=Path, help="backup file, or a folder for a time-stamped file")
    p = sub.add_parser(
        "restore",
        parents=[common],
        help="replace the database with a checked backup (the current file is set aside first)",
    )
    p.add_argument("source", type=Path)
    audit = sub.add_parser("audit", help="the audit trail")
    audit_steps = audit.add_subparsers(dest="step", metavar="STEP", required=True)
    audit_steps.add_parser("verify", parents=[common], help="check the audit trail's hash chain")
    account = sub.add_parser(
        "user", help="user accounts: add, list, passwd, deactivate (roles decide who may write)"
    )
    user_steps = account.add_subparsers(dest="step", metavar="STEP", required=True)
    p = user_steps.add_parser(
        "add",
        parents=[common],
        help="add an account (the first must be an admin); its password comes from "
        "$EXODESK_NEW_PASSWORD (or $EXODESK_PASSWORD for the first account) or is asked twice",
    )
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    user_steps.add_parser("list", parents=[common], help="every account and its role")
    p = user_steps.add_parser(
        "passwd",
        parents=[common],
        help="change a password (your own, or anyone's as an admin); the new one comes from "
        "$EXODESK_NEW_PASSWORD or is asked twice",
    )
    p.add_argument("name")
    p = user_steps.add_parser(
        "deactivate", parents=[common], help="stop an account signing in (it stays on record)"
    )
    p.add_argument("name")
    p.add_argument("--reason", default="", help="why (kept in the audit trail)")
    p = sub.add_parser(
        "count-sheet", help="count offline from a sheet file alone (opens the counting window)"
    )
    p.add_argument("file", type=Path)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    target: str | None = getattr(args, "db", None)
    if args.command is None:
        from exodesk.app import run_gui

        return run_gui(target)
    if args.command == "restore":
        return cmd_restore(target, args)
    if args.command == "count-sheet":
        from exodesk.app import run_offline_count

        return run_offline_count(args.file)
    command = (
        SUBCOMMANDS[args.command][args.step]
        if args.command in SUBCOMMANDS
        else (COMMANDS[args.command])
    )
    try:
        db = open_database(target)
    except DatabaseRefused as exc:
        return _fail(EXIT_DATABASE, f"cannot open the database: {exc}")
    for warning in db.warnings:
        print(f"exodesk: warning: {warning}", file=sys.stderr)
    try:
        if command is cmd_demo and not _demo_needed(db, args):
            return EXIT_OK  # --if-empty on a database that holds data: nothing to sign in for
        if command in SIGNED_IN:
            args.signed_in = _sign_in(db, args)
        return command(db, args)
    except Failure as exc:
        return _fail(exc.code, str(exc))
    except (users.NotPermitted, users.UnknownUser) as exc:
        return _fail(EXIT_INVALID, f"{exc}; nothing was written")
    except OperationalError as exc:
        return _fail(EXIT_DATABASE, f"{db.display_name}: {explain_operational_error(exc)}")
    except SQLAlchemyError as exc:
        return _fail(EXIT_DATABASE, f"{db.display_name}: database error: {exc.__cause__ or exc}")
    except Exception as exc:  # a bug of ours: say so plainly, keep the details in a log
        log = _log_crash(exc)
        return _fail(
            EXIT_FAILED,
            f"unexpected error ({type(exc).__name__}: {exc}); nothing was written. "
            f"Details are in {log}",
        )
    finally:
        db.close()


def main_entry() -> None:
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (`| head`) went away: stop quietly, as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_OK
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


def _log_crash(exc: Exception) -> Path:
    log = data_dir() / "crash.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as out:
            out.write(f"--- {dt.datetime.now(dt.UTC).isoformat()} exodesk {sys.argv[1:]}\n")
            out.write("".join(traceback.format_exception(exc)))
    except OSError:
        pass
    return log


def _fail(code: int, message: str) -> int:
    print(f"exodesk: {message}", file=sys.stderr)
    return code


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _user(args: argparse.Namespace) -> str:
    """Who acts: the signed-in account once the database has accounts, else --user,
    $EXODESK_USER or the login name (for the audit trail only)."""
    signed_in = getattr(args, "signed_in", None)
    if signed_in:
        return str(signed_in)
    user = getattr(args, "user", None) or os.environ.get("EXODESK_USER")
    return str(user) if user else _login_name()


# -- signing in ---------------------------------------------------------------------------


def _ask(prompt: str, refusal: str) -> str:
    """A password typed at the terminal (not echoed); with no terminal, a clear refusal."""
    if not sys.stdin.isatty():
        raise Failure(EXIT_INVALID, refusal)
    try:
        return getpass.getpass(prompt)
    except (EOFError, KeyboardInterrupt):
        raise Failure(EXIT_INVALID, "no password given; nothing was written") from None


def _acting_name(args: argparse.Namespace, names: list[str]) -> str:
    name = getattr(args, "user", None) or os.environ.get("EXODESK_USER")
    if name:
        return str(name)
    if len(names) == 1:
        return names[0]
    login = _login_name()
    if login in names:
        return login
    raise Failure(
        EXIT_INVALID,
        "this database has user accounts: say who you are with --user NAME "
        "(or set EXODESK_USER); nothing was written",
    )


def _sign_in(db: Database, args: argparse.Namespace) -> str | None:
    """Once the database has accounts, a writing command acts as a signed-in account: the
    name from --user (or $EXODESK_USER, or the only account), the password from
    $EXODESK_PASSWORD or asked for. None while there are no accounts (single-user)."""
    with db.read() as session:
        if not users.accounts_exist(session):
            return None
        names = [a.name for a in users.list_users(session) if a.active]
    name = _acting_name(args, names)
    password = os.environ.get("EXODESK_PASSWORD")
    if password is None:
        password = _ask(
            f"Password for {name}: ",
            f"{name} must sign in, but there is no terminal to ask for the password: "
            "set EXODESK_PASSWORD; nothing was written",
        )
    with db.write() as session:
        account = users.authenticate(session, name, password)
        known = account is not None or any(n.lower() == name.lower() for n in names)
    if account is None:
        problem = f"wrong password for {name}" if known else f"no active account named {name}"
        raise Failure(EXIT_INVALID, f"{problem}; nothing was written")
    return account.name


def _new_password(args: argparse.Namespace, name: str) -> str:
    """A new account's password: $EXODESK_NEW_PASSWORD, or $EXODESK_PASSWORD while nobody
    had to sign in (the first account), else typed twice at the terminal."""
    password = os.environ.get("EXODESK_NEW_PASSWORD")
    if password is None and not getattr(args, "signed_in", None):
        password = os.environ.get("EXODESK_PASSWORD")
    if password is not None:
        return password
    refusal = f"no password for {name}: set EXODESK_NEW_PASSWORD, or run in a terminal to be asked"
    first = _ask(f"New password for {name}: ", refusal)
    if first != _ask("The same password again: ", refusal):
        raise Failure(EXIT_INVALID, "the two passwords differ; nothing was written")
    return first


def _today(args: argparse.Namespace) -> dt.date:
    return args.today or dt.date.today()


def _print_json(rows: list[dict[str, Any]]) -> None:
    print(json.dumps(rows, indent=2, ensure_ascii=False))


# -- commands ----------------------------------------------------------------------------


def cmd_import(db: Database, args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise Failure(EXIT_INVALID, f"{path}: cannot read the file ({exc.strerror})") from None
    try:
        with db.write() as session:
            summary = import_bytes(session, raw, user=_user(args), source=path.name)
    except InvalidInput as exc:
        shown = exc.errors[:MAX_ERRORS_SHOWN]
        for line in shown:
            print(line, file=sys.stderr)
        if len(exc.errors) > len(shown):
            print(f"... and {len(exc.errors) - len(shown)} more errors", file=sys.stderr)
        print(f"exodesk: {path}: {len(exc.errors)} error(s); nothing was imported", file=sys.stderr)
        return EXIT_INVALID
    added = ", ".join(f"{n} {section}" for section, n in summary.added.items() if n)
    already = sum(summary.unchanged.values())
    print(f"Imported {path.name}: {added or 'nothing new'}; {already} record(s) already present.")
    return EXIT_OK


def cmd_export(db: Database, args: argparse.Namespace) -> int:
    with db.read() as session:
        text = dumps(export_document(session))
    if args.file == "-":
        sys.stdout.write(text)
        return EXIT_OK
    path = Path(args.file)
    try:
        write_atomically(path, text)
    except OSError as exc:
        raise Failure(EXIT_INVALID, f"{path}: cannot write the file ({exc.strerror})") from None
    print(f"Exported to {path}.", file=sys.stderr)
    return EXIT_OK


def cmd_check(db: Database, args: argparse.Namespace) -> int:
    today = _today(args)
    with db.read() as session:
        flags = rules.check(session, today)
    if args.json:
        _print_json([f.as_json() for f in flags])
        return EXIT_OK
    counts = {s: sum(1 for f in flags if f.severity is s) for s in Severity}
    print(
        f"{len(flags)} flag(s) as of {today}: "
        + ", ".join(f"{n} {s.value}" for s, n in counts.items())
    )
    if flags:
        print()
        print(
            format_table(
                ["severity", "rule", "product", "lot", "treatment"],
                [[f.severity.value.upper(), f.rule, f.product, f.lot, f.treatment] for f in flags],
                details=[f.message for f in flags],
            )
        )
    return EXIT_OK


def cmd_stock(db: Database, args: argparse.Namespace) -> int:
    today = _today(args)
    with db.read() as session:
        rows = stock_on_hand(session)
    if args.json:
        _print_json([r.as_json() for r in rows])
        return EXIT_OK
    print(f"{len(rows)} lot(s), {sum(r.on_hand for r in rows)} vial(s) on hand as of {today}")
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
                        _expiry_note(r.expiry, today),
                    ]
                    for r in rows
                ],
            )
        )
    return EXIT_OK


def _expiry_note(expiry: dt.date, today: dt.date) -> str:
    days = (expiry - today).days
    if days < 0:
        return "EXPIRED"
    if days <= LOT_EXPIRING_DAYS:
        return f"expires in {days} days"
    return ""


def cmd_trace(db: Database, args: argparse.Namespace) -> int:
    try:
        with db.read() as session:
            rows = trace_lot(session, args.product, args.lot)
    except UnknownLot as exc:
        raise Failure(EXIT_INVALID, str(exc)) from None
    if args.json:
        _print_json([r.as_json() for r in rows])
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


def _demo_needed(db: Database, args: argparse.Namespace) -> bool:
    """Whether the demo goes in: only into an empty database (decided before signing in)."""
    with db.read() as session:
        empty = database_is_empty(session)
    if not empty and not args.if_empty:
        raise Failure(
            EXIT_INVALID,
            f"{db.display_name} already holds data; the demo goes into an empty database",
        )
    return empty


def cmd_demo(db: Database, args: argparse.Namespace) -> int:
    with db.write() as session:
        if not database_is_empty(session):  # filled meanwhile by another workstation
            raise Failure(EXIT_INVALID, f"{db.display_name} already holds data")
        document = validate_interchange(demo_document(_today(args)))
        summary = import_document(session, document, user=_user(args), source="the demo clinic")
    print(f"Demo clinic created in {db.display_name}: {summary.total_added} records.")
    return EXIT_OK


def _print_errors(path: Path, errors: list[str], what: str) -> int:
    for line in errors[:MAX_ERRORS_SHOWN]:
        print(line, file=sys.stderr)
    if len(errors) > MAX_ERRORS_SHOWN:
        print(f"... and {len(errors) - MAX_ERRORS_SHOWN} more errors", file=sys.stderr)
    print(f"exodesk: {path}: {len(errors)} error(s); {what}", file=sys.stderr)
    return EXIT_INVALID


def cmd_count_start(db: Database, args: argparse.Namespace) -> int:
    try:
        with db.write() as session:
            count_id = counts.start_count(
                session, location=args.location, today=_today(args), user=_user(args)
            )
    except InvalidInput as exc:
        raise Failure(EXIT_INVALID, "; ".join(exc.errors)) from None
    print(count_id)
    return EXIT_OK


def cmd_count_sheet(db: Database, args: argparse.Namespace) -> int:
    try:
        with db.read() as session:
            rows = counts.sheet_rows(session, args.id)
    except counts.UnknownCount as exc:
        raise Failure(EXIT_INVALID, str(exc)) from None
    try:
        write_atomically(args.file, format_sheet(rows))
    except OSError as exc:
        raise Failure(EXIT_INVALID, f"{args.file}: cannot write ({exc.strerror})") from None
    print(f"Wrote the sheet of count {args.id} ({len(rows)} lots) to {args.file}.", file=sys.stderr)
    return EXIT_OK


def cmd_count_enter(db: Database, args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise Failure(EXIT_INVALID, f"{path}: cannot read the sheet ({reason})") from None
    try:
        rows = parse_sheet(text)
        with db.write() as session:
            entered = counts.enter_rows(session, args.id, rows, user=_user(args))
    except InvalidInput as exc:
        return _print_errors(path, exc.errors, "nothing was entered")
    except (counts.UnknownCount, counts.CountClosed) as exc:
        raise Failure(EXIT_INVALID, f"{exc}; nothing was entered") from None
    print(f"Entered {entered} counted lot(s) from {path.name} into count {args.id}.")
    return EXIT_OK


def cmd_count_close(db: Database, args: argparse.Namespace) -> int:
    try:
        with db.write() as session:
            found = counts.close_count(
                session, args.id, reason=args.reason, today=_today(args), user=_user(args)
            )
    except (counts.UnknownCount, counts.CountClosed) as exc:
        raise Failure(EXIT_INVALID, str(exc)) from None
    except InvalidInput as exc:
        raise Failure(EXIT_INVALID, "; ".join(exc.errors)) from None
    if args.json:
        _print_json([d.as_json() for d in found])
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


def cmd_count_report(db: Database, args: argparse.Namespace) -> int:
    try:
        with db.read() as session:
            summary = counts.get_count(session, args.id)
            lines = counts.count_lines(session, args.id)
    except counts.UnknownCount as exc:
        raise Failure(EXIT_INVALID, str(exc)) from None
    write_atomically(args.file, counts.report_csv(summary, lines))
    print(f"Wrote the report of count {args.id} to {args.file}.", file=sys.stderr)
    return EXIT_OK


COUNT_STEPS: dict[str, Callable[[Database, argparse.Namespace], int]] = {
    "start": cmd_count_start,
    "sheet": cmd_count_sheet,
    "enter": cmd_count_enter,
    "close": cmd_count_close,
    "report": cmd_count_report,
}


def _database_file(db: Database) -> Path:
    path = sqlite_file(target_url(db.target))
    if path is None:
        raise Failure(
            EXIT_INVALID,
            f"{db.display_name} is a server database: back it up with the server's own tools "
            "(pg_dump)",
        )
    return path


def cmd_backup(db: Database, args: argparse.Namespace) -> int:
    source = _database_file(db)
    try:
        info = backup(source, args.dest)
    except BackupError as exc:
        raise Failure(EXIT_INVALID, str(exc)) from None
    print(f"Backed up {source} to {info.path} ({info.size:,} bytes); the copy was checked.")
    return EXIT_OK


def cmd_restore(target: str | None, args: argparse.Namespace) -> int:
    path = sqlite_file(target_url(resolve_target(target)))
    if path is None:
        return _fail(EXIT_INVALID, "restore works on a database file, not a server")
    try:
        aside = restore(path, args.source)
    except BackupError as exc:
        return _fail(EXIT_INVALID, f"{exc}; nothing was replaced")
    except OSError as exc:
        return _fail(EXIT_DATABASE, f"{path}: cannot replace it ({exc.strerror})")
    print(f"Restored {path} from {args.source}.")
    if aside.exists():
        print(f"The previous file was set aside as {aside}.")
    return EXIT_OK


def cmd_audit_verify(db: Database, args: argparse.Namespace) -> int:
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


def cmd_user_add(db: Database, args: argparse.Namespace) -> int:
    password = _new_password(args, args.name)
    try:
        with db.write() as session:
            account = users.create_user(session, args.name, args.role, password, by=_user(args))
    except InvalidInput as exc:
        raise Failure(EXIT_INVALID, "; ".join(exc.errors) + "; nothing was written") from None
    print(f"Added the account {account.name} ({users.role_word(account.role)}).")
    return EXIT_OK


def cmd_user_list(db: Database, args: argparse.Namespace) -> int:
    with db.read() as session:
        accounts = users.list_users(session)
    if not accounts:
        print("No accounts: anyone using this database may do everything (single-user).")
        return EXIT_OK
    print(
        format_table(
            ["name", "role", "active", "created (UTC)"],
            [
                [
                    a.name,
                    users.role_word(a.role),
                    "yes" if a.active else "no",
                    a.created_at.isoformat(sep=" ", timespec="minutes"),
                ]
                for a in accounts
            ],
        )
    )
    return EXIT_OK


def cmd_user_passwd(db: Database, args: argparse.Namespace) -> int:
    with db.read() as session:
        users.get_user(session, args.name)
    password = _new_password(args, args.name)
    try:
        with db.write() as session:
            users.set_password(session, args.name, password, by=_user(args))
    except InvalidInput as exc:
        raise Failure(EXIT_INVALID, "; ".join(exc.errors) + "; nothing was written") from None
    print(f"Changed the password of {args.name}.")
    return EXIT_OK


def cmd_user_deactivate(db: Database, args: argparse.Namespace) -> int:
    try:
        with db.write() as session:
            users.deactivate(session, args.name, by=_user(args), reason=args.reason)
    except InvalidInput as exc:
        raise Failure(EXIT_INVALID, "; ".join(exc.errors) + "; nothing was written") from None
    print(f"Deactivated the account {args.name}; it can no longer sign in.")
    return EXIT_OK


SUBCOMMANDS: dict[str, dict[str, Callable[[Database, argparse.Namespace], int]]] = {
    "count": COUNT_STEPS,
    "audit": {"verify": cmd_audit_verify},
    "user": {
        "add": cmd_user_add,
        "list": cmd_user_list,
        "passwd": cmd_user_passwd,
        "deactivate": cmd_user_deactivate,
    },
}

COMMANDS: dict[str, Callable[[Database, argparse.Namespace], int]] = {
    "import": cmd_import,
    "export": cmd_export,
    "check": cmd_check,
    "stock": cmd_stock,
    "trace": cmd_trace,
    "demo": cmd_demo,
    "backup": cmd_backup,
}

# Commands that write: once the database has accounts, they run as a signed-in account.
SIGNED_IN: set[Callable[[Database, argparse.Namespace], int]] = {
    cmd_import,
    cmd_demo,
    cmd_count_start,
    cmd_count_enter,
    cmd_count_close,
    cmd_user_add,
    cmd_user_passwd,
    cmd_user_deactivate,
}
