"""Open vials on a real SQLite file: reconstituting one (and every refusal), discarding one
(one vial of waste, the vial closed, audited), a treatment using one, and the reconstitution
window's block at its exact limit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sample_files import LOT, PRODUCT, TODAY, base_document, coa, day, lot
from sqlalchemy import select, update

from exodesk.db import Database, open_database
from exodesk.models import (
    AuditEvent,
    Movement,
    MovementKind,
    OpenVial,
    Product,
    Severity,
    Treatment,
)
from exodesk.models.enums import VialOutcome
from exodesk.services.audit.verify import verify_trail
from exodesk.services.errors import Conflict, InvalidInput
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.stock.on_hand import stock_on_hand
from exodesk.services.stock.vials import (
    UnknownVial,
    discard_vial,
    get_vial,
    open_vials,
    reconstitute_vial,
)
from exodesk.services.treatments.recording import (
    Blocked,
    TreatmentDraft,
    findings_for,
    record_treatment,
)

NOW = dt.datetime.combine(TODAY, dt.time(10, 0))
WINDOW = "used_after_reconstitution_window"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    """The minimal clinic (Exo Plant 10: a 24-hour window; lot PL001, 10 vials released)."""
    doc = base_document()
    doc["lots"].append(lot("PL-OLD", expiry=day(-1)))
    doc["lots"].append(lot("PL-QUA", status="quarantine"))
    doc["lots"].append(lot("PL-TWO", quantity=2))
    doc["lots"].append(lot("PL-END", expiry=day(0)))
    doc["documents"] += [coa(lot_code=c) for c in ("PL-OLD", "PL-QUA", "PL-TWO", "PL-END")]
    database = open_database(str(db_path))
    with database.write() as session:
        import_bytes(session, json.dumps(doc), user="importer", source="test")
    yield database
    database.close()


def open_one(db: Database, at: dt.datetime = NOW, lot_code: str = LOT, **kw: Any) -> str:
    with db.write() as session:
        return reconstitute_vial(
            session, PRODUCT, lot_code, at=at, by="AH", user="nurse", now=NOW, **kw
        ).ref


def problems(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


def on_hand(db: Database, lot_code: str = LOT) -> int:
    with db.read() as session:
        return next(r.on_hand for r in stock_on_hand(session) if r.lot == lot_code)


def test_a_reconstituted_vial_is_open_with_its_window(db: Database) -> None:
    ref = open_one(db, NOW - dt.timedelta(hours=2))
    assert ref == "V-0001"
    with db.read() as session:
        (row,) = open_vials(session)
        assert open_vials(session, product="Other") == []
        assert get_vial(session, ref) == row
        audit = session.scalars(select(AuditEvent).where(AuditEvent.record == "open_vial")).all()
    assert (row.product, row.lot, row.reconstituted_by, row.hours) == (PRODUCT, LOT, "AH", 24)
    assert row.use_by == NOW + dt.timedelta(hours=22)
    assert row.left(NOW) == dt.timedelta(hours=22)
    assert row.state(NOW) == "open"
    assert row.state(row.use_by - dt.timedelta(minutes=59)) == "last hour"
    assert row.state(row.use_by) == "last hour"
    assert row.state(row.use_by + dt.timedelta(minutes=1)) == "expired"
    assert [(a.record_key, a.user, a.reason) for a in audit] == [
        (f"V-0001 ({PRODUCT} / {LOT})", "nurse", "reconstituted")
    ]
    assert open_one(db) == "V-0002"


def test_a_window_never_runs_past_the_lots_expiry_day(db: Database) -> None:
    with db.write() as session:
        row = reconstitute_vial(session, PRODUCT, "PL-END", at=NOW, by="AH", user=None, now=NOW)
    assert row.use_by == dt.datetime.combine(TODAY, dt.time(23, 59))


def test_a_product_with_no_window_on_file_is_refused(db: Database) -> None:
    with db.write() as session:
        session.execute(update(Product).values(reconstitution_hours=None))
    with pytest.raises(InvalidInput) as refused:
        open_one(db)
    assert "no reconstitution window on file" in problems(refused)["product"]


def test_a_lot_not_released_or_expired_is_refused(db: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        open_one(db, lot_code="PL-QUA")
    assert "quarantine" in problems(refused)["lot"]
    with pytest.raises(InvalidInput) as refused:
        open_one(db, lot_code="PL-OLD")
    assert "expired" in problems(refused)["lot"]


def test_a_time_in_the_future_is_refused_a_few_minutes_ahead_is_not(db: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        open_one(db, NOW + dt.timedelta(minutes=6))
    assert "in the future" in problems(refused)["at"]
    assert open_one(db, NOW + dt.timedelta(minutes=5)) == "V-0001"


def test_who_is_required(db: Database) -> None:
    with db.write() as session, pytest.raises(InvalidInput) as refused:
        reconstitute_vial(session, PRODUCT, LOT, at=NOW, by="  ", user=None, now=NOW)
    assert "by" in problems(refused)


def test_a_lot_whose_every_vial_is_open_is_refused(db: Database) -> None:
    open_one(db, lot_code="PL-TWO")
    open_one(db, lot_code="PL-TWO")
    with pytest.raises(Conflict, match="no closed vial left"):
        open_one(db, lot_code="PL-TWO")
    with db.read() as session:
        assert len(open_vials(session)) == 2


def test_discarding_writes_one_vial_of_waste_and_closes_the_vial(db: Database) -> None:
    ref = open_one(db)
    before = on_hand(db)
    with db.write() as session:
        movement_ref = discard_vial(
            session, ref, reason="window passed", on=TODAY, user="nurse", now=NOW
        )
    assert on_hand(db) == before - 1
    with db.read() as session:
        assert open_vials(session) == []
        vial = session.scalars(select(OpenVial)).one()
        waste = session.scalars(select(Movement).where(Movement.ref == movement_ref)).one()
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.reason == "window passed")
        ).all()
    assert (vial.outcome, vial.closed_by, vial.movement_id) == (
        VialOutcome.DISCARDED,
        "nurse",
        waste.id,
    )
    assert (waste.kind, waste.quantity, waste.date) == (MovementKind.WASTE, -1, TODAY)
    assert waste.reason == f"open vial {ref}: window passed"
    assert {(a.record, a.field) for a in audit} >= {("lot", "on_hand"), ("open_vial", "outcome")}
    assert len(audit) == 3
    with db.write() as session, pytest.raises(UnknownVial):
        discard_vial(session, ref, reason="again", on=TODAY, user="nurse")
    with db.read() as session:
        verified = verify_trail(session, use_anchors=False)
    assert verified.intact, verified.findings


def test_discarding_needs_a_reason(db: Database) -> None:
    ref = open_one(db)
    with db.write() as session, pytest.raises(InvalidInput) as refused:
        discard_vial(session, ref, reason=" ", on=TODAY, user=None)
    assert "reason" in problems(refused)
    with db.read() as session:
        assert [v.ref for v in open_vials(session)] == [ref]


def draft(**fields: Any) -> TreatmentDraft:
    base = TreatmentDraft(
        date=TODAY,
        product=PRODUCT,
        lot=LOT,
        patient="P-0100",
        practitioner="Dr A",
        route="intradermal",
        zone="face",
        vials=1,
        time=dt.time(11, 0),
        reconstituted=NOW,
    )
    return dataclasses.replace(base, **fields)


def test_a_treatment_recorded_with_the_vial_closes_it(db: Database) -> None:
    ref = open_one(db)
    with db.write() as session:
        recorded = record_treatment(
            session, draft(vial=ref), today=TODAY, user="Dr A", override_reason=None
        )
    with db.read() as session:
        assert open_vials(session) == []
        vial = session.scalars(select(OpenVial)).one()
        treatment = session.scalars(select(Treatment).where(Treatment.ref == recorded.ref)).one()
    assert (vial.outcome, vial.treatment_id) == (VialOutcome.USED, treatment.id)
    assert (treatment.time, treatment.reconstituted) == (dt.time(11, 0), NOW)


def test_a_vial_of_another_lot_is_refused_and_nothing_is_written(db: Database) -> None:
    ref = open_one(db, lot_code="PL-TWO")
    with pytest.raises(InvalidInput) as refused, db.write() as session:
        record_treatment(session, draft(vial=ref), today=TODAY, user=None, override_reason=None)
    assert "vial" in problems(refused)
    with db.read() as session:
        assert [v.ref for v in open_vials(session)] == [ref]
        assert session.scalars(select(Treatment)).all() == []


def test_reconstituted_after_the_treatment_is_refused(db: Database) -> None:
    late = draft(time=dt.time(9, 0), reconstituted=NOW)
    with pytest.raises(InvalidInput) as refused, db.write() as session:
        record_treatment(session, late, today=TODAY, user=None, override_reason=None)
    assert any("reconstitut" in p.field.lower() for p in refused.value.problems), problems(refused)


def window_findings(db: Database, given: dt.datetime) -> list[str]:
    treatment = draft(date=given.date(), time=given.time(), reconstituted=NOW)
    with db.read() as session:
        return [
            f.rule
            for f in findings_for(session, treatment, TODAY + dt.timedelta(days=1))
            if f.severity is Severity.BLOCK
        ]


def test_a_vial_past_its_window_is_a_block_exactly_at_the_limit_is_not(db: Database) -> None:
    limit = NOW + dt.timedelta(hours=24)
    assert window_findings(db, limit) == []
    assert window_findings(db, limit + dt.timedelta(minutes=1)) == [WINDOW]


def test_a_block_for_the_window_is_refused_then_overridden(db: Database) -> None:
    late = draft(date=TODAY + dt.timedelta(days=1), time=dt.time(10, 1))
    with pytest.raises(Blocked) as blocked, db.write() as session:
        record_treatment(session, late, today=late.date, user=None, override_reason=None)
    assert [f.rule for f in blocked.value.flags] == [WINDOW]
    with db.write() as session:
        recorded = record_treatment(
            session,
            late,
            today=late.date,
            user=None,
            override_reason="patient consented after the window was explained twice",
        )
    assert recorded.overridden == (WINDOW,)


def test_a_vial_given_without_its_time_brings_its_own_and_its_window(db: Database) -> None:
    """Bug fixed: a treatment naming an open vial but not `reconstituted` escaped the rule."""
    ref = open_one(db)
    late = draft(
        date=TODAY + dt.timedelta(days=1), time=dt.time(10, 1), reconstituted=None, vial=ref
    )
    with pytest.raises(Blocked), db.write() as session:
        record_treatment(session, late, today=late.date, user=None, override_reason=None)
    with db.write() as session:
        recorded = record_treatment(
            session,
            draft(reconstituted=None, vial=ref),
            today=TODAY,
            user=None,
            override_reason=None,
        )
        treatment = session.scalars(select(Treatment).where(Treatment.ref == recorded.ref)).one()
        assert treatment.reconstituted == NOW
