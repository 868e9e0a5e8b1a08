"""The one place that turns a failure into a message and an exit code (shared/INTERCHANGE.md):
0 done, 1 a bug of ours (details in the crash log) or a broken audit trail, 2 a refusal
(invalid input, not permitted, not found, a conflict), 3 the database cannot be used safely.
Once a command has committed a write, no message says that nothing was written: a failure
after it says the change was saved (exit 1, or the command's own Failure), and a reader that
went away (`| head`) is no failure at all (exit 0, quietly)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from exodesk.files import DiskFull, disk_full_in, disk_full_message, temporary_beside
from exodesk.services.errors import ExoDeskError, InvalidInput, NotPermitted, Problem

if TYPE_CHECKING:  # the database layer is imported only once a command runs on it
    from sqlalchemy.engine import Connection, Engine

    from exodesk.cli.registry import Command

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


def warn_if(warning: str | None) -> None:
    """Say a warning (work done, something beside it not) on stderr, if there is one."""
    if warning:
        print(f"exodesk: warning: {warning}", file=sys.stderr)


class CommitWatch:
    """Whether a write transaction was committed on `engine` since `start`: once one was, no
    failure may say that nothing was written (see `report`)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.seen = False
        self._listening = False

    def _on_commit(self, conn: Connection) -> None:
        # Database.write sessions begin IMMEDIATE; reads commit too, and write nothing.
        if conn.get_execution_options().get("exodesk_begin") == "IMMEDIATE":
            self.seen = True

    def start(self) -> None:
        from sqlalchemy import event

        if not self._listening:
            event.listen(self._engine, "commit", self._on_commit)
            self._listening = True

    def stop(self) -> None:
        from sqlalchemy import event

        if self._listening:
            event.remove(self._engine, "commit", self._on_commit)
            self._listening = False


def check_writable(path: Path, *, then: str = "nothing was written") -> None:
    """Refuse (exit 2), before anything is done, a file that cannot be written: in a folder
    that does not exist or cannot be written to, or onto a folder. `then` says what that
    leaves undone. A device or pipe (/dev/stdout) is taken as it is."""
    path = Path(path)
    if path.is_dir():
        raise Failure(EXIT_INVALID, f"{path}: is a folder, not a file; {then}")
    if path.exists() and not path.is_file():
        return
    folder = path.parent
    if not folder.exists():
        raise Failure(EXIT_INVALID, f"{path}: the folder {folder} does not exist; {then}")
    if not folder.is_dir():
        raise Failure(EXIT_INVALID, f"{path}: {folder} is not a folder; {then}")
    try:
        with temporary_beside(folder, f".{path.name}."):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise Failure(
            EXIT_INVALID, f"{path}: cannot write in the folder {folder} ({reason}); {then}"
        ) from None


def report(
    exc: Exception,
    command: Command,
    args: argparse.Namespace,
    database: str,
    *,
    committed: bool = False,
) -> int:
    """Say what went wrong running `command` on `database` (its display name); the exit code.
    `committed`: the command had already committed a write, which stays: then no message
    says nothing was written, and a closed output pipe is not a failure at all."""
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    from exodesk.backup import BackupError
    from exodesk.db import (
        DatabaseRefused,
        ReadOnlyDatabase,
        damage_in,
        damaged_message,
        explain_operational_error,
    )

    if isinstance(exc, BrokenPipeError):
        raise exc  # the reader went away (`| head`): main_entry stops quietly
    if committed:
        return _after_commit(exc)
    full = disk_full_in(exc) if not isinstance(exc, SQLAlchemyError) else None
    if full is not None:
        return _disk_full(exc, full, command, args, database)
    if isinstance(exc, Failure):
        return fail(exc.code, str(exc))
    if isinstance(exc, InvalidInput) and command.lists_problems:
        return _list_problems(exc.problems, command, args.file)
    if isinstance(exc, ExoDeskError):
        said = "; ".join(str(p) for p in exc.problems)
        return fail(EXIT_INVALID, _refused(said, command, permission=isinstance(exc, NotPermitted)))
    if isinstance(exc, BackupError):
        return fail(EXIT_INVALID, _refused(str(exc), command))
    if isinstance(exc, ReadOnlyDatabase):
        return fail(EXIT_DATABASE, str(exc))
    if isinstance(exc, DatabaseRefused):
        return fail(EXIT_DATABASE, f"cannot open the database: {exc}")
    damage = damage_in(exc)
    if damage is not None:
        return fail(EXIT_DATABASE, damaged_message(database, damage))
    if isinstance(exc, OperationalError):
        said = explain_operational_error(exc, database)
        return fail(EXIT_DATABASE, said if database in said else f"{database}: {said}")
    if isinstance(exc, SQLAlchemyError):
        return fail(EXIT_DATABASE, f"{database}: database error: {exc.__cause__ or exc}")
    return crashed(exc)


def _disk_full(
    exc: Exception, full: BaseException, command: Command, args: argparse.Namespace, database: str
) -> int:
    """A disk that filled up, named: an output file's (export, report, backup: the exit the
    command gives a file it cannot write, else 2), or the database's (3)."""
    if isinstance(full, DiskFull):
        where: object = full.filename
    elif command.name == "backup" and getattr(args, "dest", None) is not None:
        where = args.dest  # the copy is what is written; the database is only read
    else:
        return fail(EXIT_DATABASE, disk_full_message(database))
    return fail(exc.code if isinstance(exc, Failure) else EXIT_INVALID, disk_full_message(where))


def _after_commit(exc: Exception) -> int:
    """A failure after the command's change was committed: it is kept, and said so."""
    if isinstance(exc, Failure):
        return fail(exc.code, str(exc))  # the command says what was done and what was not
    if isinstance(exc, ExoDeskError):
        said = "; ".join(str(p) for p in exc.problems)
    else:
        said = f"unexpected error ({type(exc).__name__}: {exc}); details are in {_log_crash(exc)}"
    return fail(EXIT_FAILED, f"{said}. The change was saved to the database before this happened")


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
    from exodesk.settings import data_dir

    log = data_dir() / "crash.log"
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as out:
            out.write(f"--- {dt.datetime.now(dt.UTC).isoformat()} exodesk {sys.argv[1:]}\n")
            out.write("".join(traceback.format_exception(exc)))
    except OSError:
        pass
    return log
