"""Importing an interchange document into a database file, as the command line does: its
JSON bytes, in one write transaction, the database closed afterwards."""

from __future__ import annotations

import json
from pathlib import Path

from sample_files import Doc

from exodesk.db import open_database
from exodesk.services.interchange.importer import Handover, ImportSummary, import_bytes


def import_into(db_path: Path, doc: Doc | bytes | Handover) -> ImportSummary:
    raw = json.dumps(doc).encode() if isinstance(doc, dict) else doc
    db = open_database(str(db_path))
    try:
        with db.write() as session:
            return import_bytes(session, raw, user=None, source="clinic.json")
    finally:
        db.close()
