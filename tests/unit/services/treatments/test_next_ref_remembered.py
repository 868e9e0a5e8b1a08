"""The next treatment reference is found from the rows added since it was last asked, not by
reading every reference again, and is still right when rows come from elsewhere, when a
write is rolled back and when the newest rows are gone (a restored backup)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sample_files import LOT, PRODUCT, TODAY, base_document, treatment
from sqlalchemy import delete, event, select

from exodesk.db import Database, open_database
from exodesk.models import Treatment
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.treatments.recording import (
    TreatmentDraft,
    next_treatment_ref,
    record_treatment,
)

DRAFT = TreatmentDraft(TODAY, PRODUCT, LOT, "P-0100", "Dr A", "intradermal", "face", 1)


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    doc = base_document()
    doc["treatments"] = [treatment(f"T-{n:04d}") for n in (1, 2, 7)]
    opened = open_database(str(db_path))
    with opened.write() as session:
        import_bytes(session, json.dumps(doc), user="importer", source="test")
    yield opened
    opened.close()


def _statements(db: Database) -> list[str]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    return seen


def test_refs_are_read_in_full_once_then_only_those_added(db: Database) -> None:
    with db.read() as session:
        assert next_treatment_ref(session) == "T-0008"
    seen = _statements(db)
    with db.write() as session:  # a row written by someone else, numbered higher
        session.add(_copy_of(session, "T-0007", "T-0041"))
    with db.read() as session:
        assert next_treatment_ref(session) == "T-0042"
    with db.write() as session:  # a write's session remembers what the reads found
        assert next_treatment_ref(session) == "T-0042"
    full_reads = [s for s in seen if "group by length" in s.lower()]
    assert full_reads == []  # the rows since were read, not every reference


def test_a_rolled_back_write_does_not_use_up_a_number(db: Database) -> None:
    class Stop(Exception):
        pass

    with pytest.raises(Stop), db.write() as session:
        recorded = record_treatment(session, DRAFT, today=TODAY, user="u", override_reason=None)
        assert recorded.ref == "T-0008"
        assert next_treatment_ref(session) == "T-0009"  # inside the write: T-0008 taken
        raise Stop
    with db.read() as session:
        assert next_treatment_ref(session) == "T-0008"
    with db.write() as session:  # the same row id again, with another ref
        session.add(_copy_of(session, "T-0007", "T-0020"))
    with db.read() as session:
        assert next_treatment_ref(session) == "T-0021"


def test_the_newest_rows_gone_reads_every_ref_again(db: Database) -> None:
    with db.write() as session:
        session.add(_copy_of(session, "T-0007", "T-0500"))
    with db.read() as session:
        assert next_treatment_ref(session) == "T-0501"
    with db.write() as session:  # as after restoring an older backup
        session.execute(delete(Treatment).where(Treatment.ref == "T-0500"))
    with db.read() as session:
        assert next_treatment_ref(session) == "T-0008"


def _copy_of(session: Any, ref: str, new_ref: str) -> Treatment:
    old = session.scalars(select(Treatment).where(Treatment.ref == ref)).one()
    return Treatment(
        ref=new_ref,
        date=old.date,
        lot_id=old.lot_id,
        patient=old.patient,
        practitioner=old.practitioner,
        route=old.route,
        zone=old.zone,
        vials=old.vials,
        recorded_at=old.recorded_at,
        recorded_by=old.recorded_by,
    )
