"""The one place that turns a failure into a message and an exit code (shared/INTERCHANGE.md):
0 done, 1 a bug of ours (details in the crash log) or a broken audit trail, 2 a refusal
(invalid input, not permitted, not found, a conflict), 3 the database cannot be used safely."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import traceback
from pathlib import Path

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from exodesk.backup import BackupError
from exodesk.cli.registry import Command
from exodesk.db import DatabaseRefused, explain_operational_error
from exodesk.services.errors import ExoDeskError, InvalidInput, NotPermitted, Problem
from exodesk.settings import data_dir

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_DATABASE = 0, 1, 2, 3
MAX_ERRORS_SHOWN = 200


class Failure(Exception):
    """A refusal of the command line itself (no terminal to ask a password, a server
    database to back up), with its exit code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def fail(code: int, message: str) -> int:
    print(f"exodesk: {message}", file=sys.stderr)
    return code


def report(exc: Exception, command: Command, args: argparse.Namespace, database: str) -> int:
    """Say what went wrong running `command` on `database` (its display name); the exit code."""
    if isinstance(exc, BrokenPipeError):
        raise exc  # the reader went away (`| head`): main_entry stops quietly
    if isinstance(exc, Failure):
        return fail(exc.code, str(exc))
    if isinstance(exc, InvalidInput) and command.lists_problems:
        return _list_problems(exc.problems, command, args.file)
    if isinstance(exc, ExoDeskError):
        said = "; ".join(str(p) for p in exc.problems)
        return fail(EXIT_INVALID, _refused(said, command, permission=isinstance(exc, NotPermitted)))
    if isinstance(exc, BackupError):
        return fail(EXIT_INVALID, _refused(str(exc), command))
    if isinstance(exc, DatabaseRefused):
        return fail(EXIT_DATABASE, f"cannot open the database: {exc}")
    if isinstance(exc, OperationalError):
        return fail(EXIT_DATABASE, f"{database}: {explain_operational_error(exc)}")
    if isinstance(exc, SQLAlchemyError):
        return fail(EXIT_DATABASE, f"{database}: database error: {exc.__cause__ or exc}")
    return crashed(exc)


def crashed(exc: BaseException) -> int:
    """A bug of ours: say so plainly, keep the details in the crash log."""
    log = _log_crash(exc)
    return fail(
        EXIT_FAILED,
        f"unexpected error ({type(exc).__name__}: {exc}); nothing was written. "
        f"Details are in {log}",
    )


def _refused(said: str, command: Command, *, permission: bool = False) -> str:
    """A refusal of a write by role or sign-in always says nothing was written."""
    then = "nothing was written" if permission else command.refusal
    return f"{said}; {then}" if then else said


def _list_problems(problems: tuple[Problem, ...], command: Command, file: Path) -> int:
    """One problem a line (at most MAX_ERRORS_SHOWN), then how many, naming the file."""
    for problem in problems[:MAX_ERRORS_SHOWN]:
        print(problem, file=sys.stderr)
    if len(problems) > MAX_ERRORS_SHOWN:
        print(f"... and {len(problems) - MAX_ERRORS_SHOWN} more errors", file=sys.stderr)
    return fail(EXIT_INVALID, f"{file}: {len(problems)} error(s); {command.refusal}")


def _log_crash(exc: BaseException) -> Path:
    log = data_dir() / "crash.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as out:
            out.write(f"--- {dt.datetime.now(dt.UTC).isoformat()} exodesk {sys.argv[1:]}\n")
            out.write("".join(traceback.format_exception(exc)))
    except OSError:
        pass
    return log
