"""`backup` (a checked copy, even while in use, with the documents' files) and `restore` (an
admin replaces the database with a checked backup; the current file is copied aside)."""

from __future__ import annotations

import argparse
from pathlib import Path

from exodesk.backup import backup
from exodesk.cli.acting import acting_user, sign_in
from exodesk.cli.failures import EXIT_DATABASE, EXIT_INVALID, EXIT_OK, Failure, warn_if
from exodesk.db import (
    Database,
    open_database,
    sqlite_file,
    target_url,
)
from exodesk.db_identity import resolve_target
from exodesk.restore import Current, restore_database
from exodesk.services.accounts import users
from exodesk.services.audit.anchors import ANCHOR_BACKUP, record_anchor
from exodesk.settings import document_store


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
    info = backup(source, args.dest, store=document_store())
    with db.read() as session:
        warning = record_anchor(session, ANCHOR_BACKUP, where=str(info.path))
    files = f", with {info.documents} document file{'s' if info.documents != 1 else ''}"
    print(f"Backed up {source} to {info.path} ({info.size:,} bytes{files}); the copy was checked.")
    warn_if(warning)
    for stored in info.missing_documents:
        print(
            f"exodesk: warning: the file {stored} is missing from the document store "
            "(or changed): it is not in the backup"
        )
    return EXIT_OK


def _who_restores(path: Path, args: argparse.Namespace, state: Current) -> str:
    """Once the database has accounts, only a signed-in admin may replace it."""
    if state is not Current.OURS:
        return acting_user(args)  # missing or damaged: nobody can sign in to it
    db = open_database(str(path))
    try:
        name = sign_in(db, args)
        with db.read() as session:
            users.require(session, name, users.Permission.RESTORE)
    finally:
        db.close()
    return name or acting_user(args)


def run_restore(target: str | None, args: argparse.Namespace) -> int:
    path = sqlite_file(target_url(resolve_target(target)))
    if path is None:
        raise Failure(EXIT_INVALID, "restore works on a database file, not a server")
    try:
        restored = restore_database(
            path,
            args.source,
            store=document_store(),
            authorise=lambda state: _who_restores(path, args, state),
        )
    except OSError as exc:
        raise Failure(EXIT_DATABASE, f"{path}: cannot replace it ({exc.strerror})") from None
    files = restored.documents
    print(
        f"Restored {path} from {args.source}"
        + (f", with {files} document file{'s' if files != 1 else ''}." if files else ".")
    )
    if restored.set_aside is not None:
        print(f"The previous file was set aside as {restored.set_aside}.")
    warn_if(restored.warning)
    return EXIT_OK
