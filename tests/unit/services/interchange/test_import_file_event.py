"""A large import writes one audit event (the file's SHA-256 and counts) and keeps the file,
compressed, in the database; `audit verify` re-reads it and still proves every row the import
wrote, and names a row edited since or a stored file that was changed. Importing the very
same file again, with nothing changed since, is seen from its SHA-256 alone."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

import pytest
from file_imports import import_into
from sample_files import Doc, base_document, lot, treatment
from sqlalchemy import func, select

from exodesk.db import open_database
from exodesk.models import AuditEvent, ImportedFile
from exodesk.services.audit.verify import verify_trail
from exodesk.services.interchange import importer


def _document(treatments: int, first: int = 1) -> Doc:
    doc = base_document()
    doc["lots"][0]["quantity"] = 1000
    doc["treatments"] = [treatment(f"T-{n:04d}") for n in range(first, first + treatments)]
    return doc


def _verify(db_path: Path) -> list[str]:
    db = open_database(str(db_path))
    try:
        with db.read() as session:
            result = verify_trail(session, use_anchors=False)
        return [f.text for f in result.findings if f.serious] + [b.problem for b in result.breaks]
    finally:
        db.close()


def _count(db_path: Path, model: type[AuditEvent] | type[ImportedFile]) -> int:
    db = open_database(str(db_path))
    try:
        with db.read() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        db.close()


@pytest.fixture
def one_event_per_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "PER_RECORD_EVENTS_UP_TO", 5)


@pytest.mark.usefixtures("one_event_per_import")
def test_a_large_import_is_one_event_and_its_file_and_verifies(db_path: Path) -> None:
    doc = _document(20)
    summary = import_into(db_path, doc)
    assert summary.added["treatments"] == 20
    assert _count(db_path, AuditEvent) == 1
    assert _count(db_path, ImportedFile) == 1
    with sqlite3.connect(db_path) as raw:
        record, new = raw.execute("SELECT record, new FROM audit_event").fetchone()
        content = raw.execute("SELECT content FROM imported_file").fetchone()[0]
    raw.close()
    assert record == "import"
    assert json.loads(new)["added"]["treatments"] == 20
    assert json.loads(zlib.decompress(content)) == doc
    assert _verify(db_path) == []


@pytest.mark.usefixtures("one_event_per_import")
def test_the_same_file_again_adds_nothing_and_writes_nothing(db_path: Path) -> None:
    doc = _document(20)
    import_into(db_path, doc)
    again = import_into(db_path, doc)
    assert again.total_added == 0
    assert again.unchanged["treatments"] == 20
    assert _count(db_path, AuditEvent) == 1
    assert _count(db_path, ImportedFile) == 1


@pytest.mark.usefixtures("one_event_per_import")
def test_the_same_file_after_a_change_is_compared_record_by_record(db_path: Path) -> None:
    from exodesk.services.errors import InvalidInput

    doc = _document(20)
    import_into(db_path, doc)
    with sqlite3.connect(db_path) as raw:  # a later write the trail records (its event)
        raw.execute(
            "INSERT INTO audit_event (at, user, action, record, record_key, reason, hash) "
            "VALUES ('2026-12-01 10:00:00.000000', 'x', 'update', 'clinic', 'c', 'r', 'h')"
        )
        raw.execute("UPDATE treatment SET vials = 2 WHERE ref = 'T-0003'")
    raw.close()
    with pytest.raises(InvalidInput) as refused:
        import_into(db_path, doc)
    assert refused.value.problems[0].field == "treatments[2].vials"


@pytest.mark.usefixtures("one_event_per_import")
def test_a_row_edited_after_a_large_import_is_named(db_path: Path) -> None:
    import_into(db_path, _document(20))
    with sqlite3.connect(db_path) as raw:
        raw.execute("UPDATE treatment SET vials = 3 WHERE ref = 'T-0007'")
        raw.execute("DELETE FROM treatment WHERE ref = 'T-0009'")
    raw.close()
    found = "\n".join(_verify(db_path))
    assert "treatment T-0007: 3 vial(s) in the tables, 1 by the audit trail" in found
    assert "treatment T-0009 (lot Exo Plant 10 / PL001, 1 vial(s)): in the audit trail" in found


@pytest.mark.usefixtures("one_event_per_import")
def test_a_stored_file_changed_or_removed_is_named(db_path: Path) -> None:
    import_into(db_path, _document(20))
    forged = _document(21)
    with sqlite3.connect(db_path) as raw:
        raw.execute(
            "UPDATE imported_file SET content = ?", (zlib.compress(json.dumps(forged).encode()),)
        )
    raw.close()
    found = "\n".join(_verify(db_path))
    assert "was changed after it was imported" in found
    with sqlite3.connect(db_path) as raw:
        raw.execute("DELETE FROM imported_file")
    raw.close()
    assert "is missing from the database" in "\n".join(_verify(db_path))


def test_per_record_events_then_one_event_per_import_verify_together(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trail written by an older ExoDesk (an event per record) and then by this one."""
    import_into(db_path, _document(3))
    assert _count(db_path, ImportedFile) == 0
    monkeypatch.setattr(importer, "PER_RECORD_EVENTS_UP_TO", 5)
    bigger = _document(20)
    bigger["lots"].append(lot("PL002", quantity=5))
    summary = import_into(db_path, bigger)
    assert summary.added == {
        "locations": 0,
        "products": 0,
        "lots": 1,
        "documents": 0,
        "treatments": 17,
        "movements": 0,
        "bodies": 0,
        "clinic": 0,
    }
    assert _count(db_path, ImportedFile) == 1
    assert _verify(db_path) == []
