"""`exodesk trace` answered straight from the SQLite file when opening it needs no check:
the file is exactly as ExoDesk last left it (`file_check`), marked as ExoDesk's, at the
newest schema. Reading it then takes the standard library's sqlite3 and two queries, not
SQLAlchemy (half a second to import) and the models. Anything else (a server, a file changed
outside ExoDesk or never checked, an older schema, no such lot, any error at all) is left to
the usual way, which opens and checks the database and says what is wrong."""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
from pathlib import Path

from exodesk import file_check
from exodesk.cli.trace_output import show_trace
from exodesk.db_identity import APPLICATION_ID, head_revision, is_url, resolve_target
from exodesk.services.treatments.trace_rows import TraceRow

# What services/treatments/trace.py asks through the models, in SQL (tests/cli compare the
# two on every lot): the lot by product name and code, then its treatments that are not
# void, oldest first.
LOT_SQL = (
    "SELECT lot.id FROM lot JOIN product ON product.id = lot.product_id "
    "WHERE product.name = ? AND lot.code = ?"
)
TREATMENTS_SQL = (
    "SELECT ref, date, patient, practitioner, route, zone, vials FROM treatment "
    "WHERE lot_id = ? AND void_on IS NULL ORDER BY date, ref"
)


def quick_trace(target: str | None, args: argparse.Namespace) -> int | None:
    """The command's exit code once answered; None to take the usual way."""
    resolved = resolve_target(target)
    if is_url(resolved):
        return None
    path = Path(resolved)
    rows = _read(path, args.product, args.lot)
    return None if rows is None else show_trace(args, rows)


def _read(path: Path, product: str, lot: str) -> list[TraceRow] | None:
    try:
        if not path.is_file() or not file_check.unchanged_since_noted(path):
            return None
        # With no -wal beside it no other connection has the file open (as db.py reads it)
        flags = "mode=ro" if Path(f"{path}-wal").exists() else "mode=ro&immutable=1"
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?{flags}", uri=True)
    except (OSError, sqlite3.Error, ValueError):
        return None
    try:
        (application_id,) = conn.execute("PRAGMA application_id").fetchone()
        versions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        if application_id != APPLICATION_ID or versions != [(head_revision(),)]:
            return None
        found = conn.execute(LOT_SQL, (product, lot)).fetchone()
        if found is None:
            return None  # the usual way names what is unknown
        return [
            TraceRow(ref, dt.date.fromisoformat(day), patient, practitioner, route, zone, vials)
            for ref, day, patient, practitioner, route, zone, vials in conn.execute(
                TREATMENTS_SQL, (found[0],)
            )
        ]
    except (sqlite3.Error, ValueError, TypeError):
        return None
    finally:
        conn.close()
