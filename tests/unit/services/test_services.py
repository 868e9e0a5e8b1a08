"""Services on a real migrated SQLite file: audit trail, query counts, wording of errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from exodesk.db import Database, open_database
from exodesk.demo.clinic import demo_document
from exodesk.models import AuditAction, AuditEvent, Movement, MovementKind
from exodesk.services.compliance import rules
from exodesk.services.errors import InvalidInput
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.interchange.schema import parse_interchange
from exodesk.services.stock.ledger import counted_lines

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def demo(db_path: Path) -> Database:
    db = open_database(str(db_path))
    with db.write() as session:
        import_bytes(session, json.dumps(demo_document(TODAY)), user="alice", source="demo")
    yield db
    db.close()


def test_import_writes_one_audit_event_per_created_record(demo: Database) -> None:
    document = demo_document(TODAY)
    sections = ("locations", "products", "documents", "lots", "treatments", "movements", "bodies")
    expected = 1 + sum(len(document[s]) for s in sections)
    with demo.read() as session:
        events = session.scalars(select(AuditEvent)).all()
    assert len(events) == expected
    assert {e.user for e in events} == {"alice"}
    assert {e.action for e in events} == {AuditAction.CREATE}
    treatment = next(e for e in events if e.record == "treatment")
    assert json.loads(treatment.new or "")["ref"] == treatment.record_key
    assert treatment.reason == "imported from demo"


def test_ledger_holds_a_receipt_per_lot_and_a_use_per_treatment(demo: Database) -> None:
    document = demo_document(TODAY)
    with demo.read() as session:
        counts = dict(
            session.execute(select(Movement.kind, func.count()).group_by(Movement.kind)).all()
        )
        lines = counted_lines()
        kinds = dict(
            session.execute(select(lines.c.kind, func.count()).group_by(lines.c.kind)).all()
        )
    assert counts[MovementKind.RECEIPT] == len(document["lots"])
    # a treatment is its own use line: no movement row is stored for it
    assert MovementKind.USE not in counts
    voided = sum(1 for t in document["treatments"] if t.get("void"))
    assert kinds[MovementKind.USE] == len(document["treatments"]) - voided


def test_check_runs_a_fixed_number_of_queries_whatever_the_data(demo: Database) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(demo.engine, "before_cursor_execute", count)
    try:
        with demo.read() as session:
            flags = rules.check(session, TODAY)
    finally:
        event.remove(demo.engine, "before_cursor_execute", count)
    assert len(flags) > 20
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # The snapshot's queries (stock on hand is two: movements, then treatments' uses) and
    # one scan of the treatments, then the facts of the few treatments that can raise a
    # flag, 500 to a query: never one query per record.
    assert len(selects) <= 10


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"lots": [{"expiry": "2026-02-30"}]}, "lots[0].expiry: not a date"),
        ({"lots": [{"expiry": 20260230}]}, "lots[0].expiry: not a date"),
        ({"lots": [{"quantity": "five"}]}, "lots[0].quantity: not a whole number"),
        ({"lots": [{"quantity": -3}]}, "lots[0].quantity: must be at least 0 (got -3)"),
        ({"lots": [{"status": "ok"}]}, 'lots[0].status: "ok" is not one of'),
        ({"lots": [{"colour": "red"}]}, "lots[0].colour: unknown field"),
        ({"products": [{"gtin": "08801234567890"}]}, "products[0].gtin: not a valid GTIN"),
        ({"format": "exodesk/2"}, "format: unsupported format"),
    ],
)
def test_validation_messages_name_path_and_problem(patch: dict[str, Any], expected: str) -> None:
    base: dict[str, Any] = {
        "format": "exodesk/1",
        "products": [
            {"name": "P", "source_type": "plant", "form": "cream", "regulatory_class": "cosmetic"}
        ],
        "lots": [{"product": "P", "lot": "L1", "expiry": "2027-01-01", "quantity": 1}],
    }
    for key, value in patch.items():
        if isinstance(value, list):
            base[key] = [{**base[key][0], **value[0]}]
        else:
            base[key] = value
    with pytest.raises(InvalidInput) as refused:
        parse_interchange(json.dumps(base))
    assert any(e.startswith(expected) for e in [str(p) for p in refused.value.problems]), [
        str(p) for p in refused.value.problems
    ]


def test_text_that_is_not_json_is_named_with_its_line() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_interchange('{"format": "exodesk/1",\n "lots": [}')
    assert str(refused.value.problems[0]).startswith("(file): not JSON")
    assert "line 2" in str(refused.value.problems[0])
