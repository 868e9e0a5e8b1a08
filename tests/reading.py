"""Reading a database the way a test compares states: its whole export, made in this process
through the services (the `export` command would also anchor the audit trail's head, which
would tie every copy of a file to the newest of them)."""

from __future__ import annotations

from pathlib import Path

from exodesk.db import open_database
from exodesk.services.interchange.export import dumps, export_document


def exported(db_file: Path) -> str:
    db = open_database(str(db_file))
    try:
        with db.read() as session:
            return dumps(export_document(session))
    finally:
        db.close()
