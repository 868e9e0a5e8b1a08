"""`backup` (a checked copy, even while in use) and `restore` (a checked backup replaces the
database file, which is set aside first)."""

from __future__ import annotations

import argparse
from pathlib import Path

from exodesk.backup import backup, restore
from exodesk.cli.failures import EXIT_DATABASE, EXIT_INVALID, EXIT_OK, Failure
from exodesk.cli.registry import Command
from exodesk.db import Database, resolve_target, sqlite_file, target_url


def _backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dest", type=Path, help="backup file, or a folder for a time-stamped file")


def _restore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path)


def _database_file(db: Database) -> Path:
    path = sqlite_file(target_url(db.target))
    if path is None:
        raise Failure(
            EXIT_INVALID,
            f"{db.display_name} is a server database: back it up with the server's own tools "
            "(pg_dump)",
        )
    return path


def run_backup(db: Database, args: argparse.Namespace) -> int:
    source = _database_file(db)
    info = backup(source, args.dest)
    print(f"Backed up {source} to {info.path} ({info.size:,} bytes); the copy was checked.")
    return EXIT_OK


def run_restore(target: str | None, args: argparse.Namespace) -> int:
    path = sqlite_file(target_url(resolve_target(target)))
    if path is None:
        raise Failure(EXIT_INVALID, "restore works on a database file, not a server")
    try:
        aside = restore(path, args.source)
    except OSError as exc:
        raise Failure(EXIT_DATABASE, f"{path}: cannot replace it ({exc.strerror})") from None
    print(f"Restored {path} from {args.source}.")
    if aside.exists():
        print(f"The previous file was set aside as {aside}.")
    return EXIT_OK


COMMANDS = (
    Command(
        ("backup",), "copy the database safely, even in use", _backup_arguments, run=run_backup
    ),
    Command(
        ("restore",),
        "replace the database with a checked backup (the current file is set aside first)",
        _restore_arguments,
        run_on_target=run_restore,
        refusal="nothing was replaced",
    ),
)
