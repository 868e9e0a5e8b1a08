"""The command line of shared/INTERCHANGE.md, on the same services as the GUI: one registry
of commands (`commands.py`), one module per group of commands, and one place that turns
failures into messages and exit codes (`failures.py`).

It imports lazily: the registry names each command's runner without importing it, so
`exodesk --help`, `--version` and `COMMAND --help` load no database layer, services or Qt,
and a command imports only what it runs on (tests/cli/test_lazy_startup.py)."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from exodesk.cli.acting import sign_in
from exodesk.cli.commands import COMMANDS, GROUPS
from exodesk.cli.failures import EXIT_FAILED, EXIT_OK, CommitWatch, crashed, fail, report
from exodesk.cli.parser import COMMAND, build_parser
from exodesk.cli.terminal import safe_output

if TYPE_CHECKING:
    from exodesk.cli.registry import Command

__all__ = ["main", "main_entry"]


@functools.cache
def _parser() -> argparse.ArgumentParser:
    """Made once per process: parsing leaves it as it was, and a program that calls `main`
    again and again (the tests, a script) need not build it each time."""
    return build_parser(COMMANDS, GROUPS)


def main(argv: Sequence[str] | None = None) -> int:
    with safe_output():  # no control character from the data reaches the terminal
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    target: str | None = getattr(args, "db", None)
    command: Command | None = getattr(args, COMMAND, None)
    if command is None:
        from exodesk.ui.shell.window_check import window_problem

        problem = window_problem()  # before Qt loads: a missing library would abort it
        if problem is not None:
            return fail(EXIT_FAILED, problem)
        try:
            from exodesk.app import run_gui  # Qt only when the window is wanted

            return run_gui(target)
        except Exception as exc:
            return crashed(exc)
    if command.run_on_target is not None:
        try:
            return command.target_runner()(target, args)
        except Exception as exc:
            return report(exc, command, args, target or "the database")
    quick = command.quick_runner()
    if quick is not None:
        try:
            answered = quick(target, args)
        except Exception as exc:
            return report(exc, command, args, target or "the database")
        if answered is not None:
            return answered
    return _run_on_database(command, target, args)


def _run_on_database(command: Command, target: str | None, args: argparse.Namespace) -> int:
    from exodesk.db import ReadOnlyDatabase, discard_if_created, open_database, read_only_refusal

    try:
        run = command.runner()
        nothing_to_do = command.nothing_to_do_check()
        db = open_database(target)
    except Exception as exc:
        return report(exc, command, args, target or "the database")
    for warning in db.warnings:
        print(f"exodesk: warning: {warning}", file=sys.stderr)
    code = EXIT_FAILED
    commits = CommitWatch(db.engine)  # the command's own writes (a sign-in writes too)
    try:
        if nothing_to_do is not None and nothing_to_do(db, args):
            code = EXIT_OK  # decided before signing in: nothing to sign in for
        else:
            if command.writes and db.read_only:  # before signing in: a sign-in writes too
                raise ReadOnlyDatabase(read_only_refusal(db.display_name))
            if command.writes:
                args.signed_in = sign_in(db, args)
            commits.start()
            code = run(db, args)
    except Exception as exc:
        code = report(exc, command, args, db.display_name, committed=commits.seen)
    finally:
        commits.stop()
        db.close()
        if (code != EXIT_OK and not commits.seen) or getattr(args, "dry_run", False):
            discard_if_created(db)  # a failed command or a dry run leaves no new database
    return code


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
