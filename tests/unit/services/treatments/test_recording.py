"""Recording treatments on a real SQLite file: usable lots (first expiry first out), the
findings a treatment would raise, blocks and their override, the ledger and the audit trail."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sample_files import (
    LOCATION,
    LOT,
    PRODUCT,
    TODAY,
    Doc,
    add_product,
    base_document,
    coa,
    day,
    lot,
    status_change,
    treatment,
)
from sqlalchemy import func, select

from exodesk.cli import main
from exodesk.db import Database, open_database
from exodesk.models import AuditEvent, Movement, Severity, Treatment
from exodesk.services.errors import InvalidInput
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.stock.ledger import Overdrawn, lot_ledger
from exodesk.services.treatments.recording import (
    Blocked,
    LotChoice,
    TreatmentDraft,
    count_treatments,
    findings_for,
    intended_routes,
    known_practitioners,
    list_treatments,
    lots_for_treatment,
    next_treatment_ref,
    record_treatment,
)

Load = Callable[[Doc], Database]


@pytest.fixture
def load(db_path: Path) -> Any:
    """Import a document into a fresh database and return it, open."""
    opened: list[Database] = []

    def run(doc: Doc) -> Database:
        db = open_database(str(db_path))
        opened.append(db)
        with db.write() as session:
            import_bytes(session, json.dumps(doc), user="importer", source="test")
        return db

    yield run
    for db in opened:
        db.close()


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
    )
    return dataclasses.replace(base, **fields)


def counts(db: Database) -> tuple[int, int, int]:
    with db.read() as session:
        return (
            session.scalar(select(func.count(Treatment.id))) or 0,
            session.scalar(select(func.count(Movement.id))) or 0,
            session.scalar(select(func.count(AuditEvent.id))) or 0,
        )


def rules_of(flags: Any) -> set[str]:
    return {f.rule for f in flags}


# --- first expiry, first out ---------------------------------------------------------------


def test_usable_lots_are_released_unexpired_with_stock_soonest_expiry_first(load: Load) -> None:
    doc = base_document()
    doc["lots"] = [
        lot("LATE", expiry=day(700)),
        lot("SOON", expiry=day(100), location=None),
        lot("EXPIRES-TODAY", expiry=day(0), quantity=2),
        lot("EXPIRED", expiry=day(-1)),
        lot("QUARANTINE", status="quarantine", expiry=day(50)),
        lot("ON-HOLD", status="on_hold", expiry=day(50)),
        lot("EMPTY", quantity=0, expiry=day(50)),
        lot("USED-UP", quantity=1, expiry=day(50)),
        lot("RECALLED", expiry=day(50)),
        lot("RELEASED-LATER", status="quarantine", expiry=day(300)),
    ]
    doc["documents"] = [d for d in doc["documents"] if d["kind"] != "certificate_of_analysis"]
    doc["treatments"] = [treatment("T-0001", "USED-UP", date=day(-30))]
    doc["movements"] = [
        status_change("M-0001", "recalled", "RECALLED", date=day(-5)),
        status_change("M-0002", "released", "RELEASED-LATER", date=day(-5)),
    ]
    db = load(doc)
    with db.read() as session:
        today = lots_for_treatment(session, PRODUCT, TODAY)
        earlier = lots_for_treatment(session, PRODUCT, TODAY - timedelta(days=10))
    assert [c.lot for c in today] == ["EXPIRES-TODAY", "SOON", "RELEASED-LATER", "LATE"]
    assert today[0] == LotChoice("EXPIRES-TODAY", TODAY, 2, LOCATION)
    assert today[1].location is None
    # Ten days ago the expired lot was good, the recall had not happened and the
    # quarantined lot was not yet released.
    assert [c.lot for c in earlier] == ["EXPIRED", "EXPIRES-TODAY", "RECALLED", "SOON", "LATE"]


def test_usable_lots_of_an_unknown_product_is_an_error(load: Load) -> None:
    db = load(base_document())
    with db.read() as session, pytest.raises(LookupError, match="Nope"):
        lots_for_treatment(session, "Nope", TODAY)


# --- findings ------------------------------------------------------------------------------


def test_a_clean_draft_has_no_findings(load: Load) -> None:
    db = load(base_document())
    with db.read() as session:
        assert findings_for(session, draft(), TODAY) == []


def test_findings_name_the_ref_the_treatment_would_get(load: Load) -> None:
    doc = base_document()
    doc["treatments"] = [treatment("T-0041", date=day(-3))]
    db = load(doc)
    with db.read() as session:
        flags = findings_for(session, draft(zone="periorbital", route="intravenous"), TODAY)
    assert [(f.rule, f.severity, f.lot, f.treatment) for f in flags] == [
        ("route_outside_intended_use", Severity.BLOCK, LOT, "T-0042"),
        ("periorbital_not_approved", Severity.BLOCK, LOT, "T-0042"),
    ]
    assert "periorbital" in flags[1].message


def test_findings_of_a_draft_after_expiry_and_from_an_unreleased_lot(load: Load) -> None:
    doc = base_document()
    doc["lots"] = [lot(expiry=day(-2)), lot("HELD", status="on_hold")]
    doc["documents"].append(coa(lot_code="HELD"))
    db = load(doc)
    with db.read() as session:
        expired = findings_for(session, draft(), TODAY)
        on_expiry_day = findings_for(session, draft(date=TODAY - timedelta(days=2)), TODAY)
        held = findings_for(session, draft(lot="HELD"), TODAY)
    assert rules_of(expired) == {"used_after_expiry", "lot_expired_in_stock"}
    assert "used_after_expiry" not in rules_of(on_expiry_day)
    assert rules_of(held) == {"used_unreleased_lot"}
    assert "on hold" in held[0].message


def test_findings_include_the_product_and_lot_flags(load: Load) -> None:
    doc = base_document()
    add_product(doc, "Mystery Exo", regulatory_class="unknown", composition_documented=False)
    doc["lots"].append(lot("MY1", "Mystery Exo", expiry=day(30)))
    db = load(doc)
    with db.read() as session:
        flags = findings_for(session, draft(product="Mystery Exo", lot="MY1"), TODAY)
        no_lot = findings_for(session, draft(product="Mystery Exo", lot=""), TODAY)
    assert [f.rule for f in flags] == [
        "class_unknown",
        "composition_undocumented",
        "missing_coa",
        "lot_expiring",
    ]
    assert {f.product for f in flags} == {"Mystery Exo"}
    assert rules_of(no_lot) == {"class_unknown", "composition_undocumented"}


def test_findings_refuse_a_route_outside_the_vocabulary(load: Load) -> None:
    db = load(base_document())
    with db.read() as session, pytest.raises(InvalidInput, match="^route: 'oral'"):
        findings_for(session, draft(route="oral"), TODAY)


# --- references ----------------------------------------------------------------------------


def test_next_ref_follows_the_highest_numbered_ref(load: Load) -> None:
    doc = base_document()
    doc["treatments"] = [
        treatment("T-0009", date=day(-5)),
        treatment("T-0100", date=day(-4)),
        treatment("T-abc", date=day(-3)),
        treatment("VISIT-77", date=day(-2)),
    ]
    db = load(doc)
    with db.read() as session:
        assert next_treatment_ref(session) == "T-0101"


@pytest.mark.parametrize(
    ("refs", "expected"),
    [
        (["T-0100000", "T-100001", "T-99"], "T-100002"),  # padded and unpadded numbers
        (["T-0042", "T-00x9"], "T-0043"),  # a ref of letters outranks the number as text
        (["T-0001", "T-0007"], "T-0008"),
    ],
)
def test_next_ref_compares_numbers_not_text(load: Load, refs: list[str], expected: str) -> None:
    doc = base_document()
    doc["treatments"] = [treatment(ref, date=day(-5)) for ref in refs]
    db = load(doc)
    with db.read() as session:
        assert next_treatment_ref(session) == expected


def test_next_ref_in_an_empty_database(load: Load) -> None:
    db = load(base_document())
    with db.read() as session:
        assert next_treatment_ref(session) == "T-0001"


# --- recording ------------------------------------------------------------------------------


def test_blocked_without_a_reason_writes_nothing(load: Load) -> None:
    db = load(base_document())
    before = counts(db)
    for reason in (None, "", "   \n "):
        with pytest.raises(Blocked) as caught, db.write() as session:
            record_treatment(
                session, draft(zone="periorbital"), today=TODAY, user="u", override_reason=reason
            )
        assert rules_of(caught.value.flags) == {"periorbital_not_approved"}
        assert "periorbital_not_approved" in str(caught.value)
    assert counts(db) == before


def test_override_with_a_reason_writes_treatment_use_reason_and_audit(load: Load) -> None:
    db = load(base_document())
    with db.write() as session:
        recorded = record_treatment(
            session,
            draft(zone="periorbital", patient="  P-0777 "),
            today=TODAY,
            user="dr.a",
            override_reason="  Patient consented; IFU revision pending  ",
        )
    assert recorded.ref == "T-0001"
    assert recorded.overridden == ("periorbital_not_approved",)
    with db.read() as session:
        saved = session.scalars(select(Treatment)).one()
        ledger = lot_ledger(session, saved.lot_id)
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.record_key == "T-0001").order_by(AuditEvent.id)
        ).all()
    assert (saved.patient, saved.recorded_by) == ("P-0777", "dr.a")
    assert saved.override_reason == "Patient consented; IFU revision pending"
    # the treatment is its own use line in the lot's ledger
    assert [(e.date, e.quantity) for e in ledger if e.label == "use"] == [(TODAY, -1)]
    assert [(a.record, a.field, a.user) for a in audit] == [
        ("treatment", None, "dr.a"),
        ("treatment", "overridden_blocks", "dr.a"),
    ]
    assert {a.reason for a in audit} == {"Patient consented; IFU revision pending"}
    assert json.loads(audit[0].new or "")["patient"] == "P-0777"
    overridden = json.loads(audit[1].new or "")
    assert [o["rule"] for o in overridden] == ["periorbital_not_approved"]


def test_recorded_treatment_is_traced_and_leaves_the_stock(
    load: Load, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = load(base_document())
    with db.write() as session:
        record_treatment(session, draft(vials=3), today=TODAY, user="u", override_reason=None)
    assert main(["trace", PRODUCT, LOT, "--json", "--db", str(db_path)]) == 0
    traced = json.loads(capsys.readouterr().out)
    assert traced == [
        {
            "ref": "T-0001",
            "date": TODAY.isoformat(),
            "patient": "P-0100",
            "practitioner": "Dr A",
            "route": "intradermal",
            "zone": "face",
            "vials": 3,
        }
    ]
    assert main(["stock", "--json", "--today", TODAY.isoformat(), "--db", str(db_path)]) == 0
    assert json.loads(capsys.readouterr().out)[0]["on_hand"] == 7
    assert main(["check", "--json", "--today", TODAY.isoformat(), "--db", str(db_path)]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_warnings_do_not_stop_a_treatment(load: Load) -> None:
    doc = base_document()
    doc["documents"] = [d for d in doc["documents"] if d["kind"] != "certificate_of_analysis"]
    db = load(doc)
    with db.write() as session:
        recorded = record_treatment(session, draft(), today=TODAY, user="u", override_reason="x")
    assert rules_of(recorded.findings) == {"missing_coa"}
    assert recorded.overridden == ()
    with db.read() as session:
        assert session.scalars(select(Treatment.override_reason)).one() is None
        reasons = session.scalars(
            select(AuditEvent.reason).where(AuditEvent.record_key == recorded.ref)
        ).all()
    assert reasons == [None]


def test_overdraw_is_refused_even_with_an_override(load: Load) -> None:
    doc = base_document()
    doc["lots"] = [lot(quantity=2)]
    db = load(doc)
    before = counts(db)
    with pytest.raises(Overdrawn, match="below zero"), db.write() as session:
        record_treatment(
            session, draft(vials=3, zone="periorbital"), today=TODAY, user="u", override_reason="r"
        )
    # Before the lot was received there was nothing to use.
    with pytest.raises(Overdrawn), db.write() as session:
        record_treatment(
            session, draft(date=date(2025, 1, 1)), today=TODAY, user="u", override_reason=None
        )
    assert counts(db) == before


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"patient": "   "}, "patient reference: must not be empty"),
        ({"practitioner": ""}, "practitioner: must not be empty"),
        ({"vials": 0}, "vials: must be at least 1 (got 0)"),
        ({"vials": 1001}, "vials: must be at most 1000"),
        ({"route": "oral"}, 'route: "oral" is not one of'),
        ({"zone": "elbow"}, 'zone: "elbow" is not one of'),
        ({"lot": "NOPE"}, "lot: no lot 'NOPE' of Exo Plant 10"),
        ({"product": "Nope", "lot": "X"}, "product: no product named 'Nope'"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    load: Load, fields: dict[str, Any], expected: str
) -> None:
    db = load(base_document())
    before = counts(db)
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        record_treatment(session, draft(**fields), today=TODAY, user="u", override_reason=None)
    assert any(e.startswith(expected) for e in [str(p) for p in caught.value.problems]), [
        str(p) for p in caught.value.problems
    ]
    assert counts(db) == before


def test_several_bad_fields_are_named_together(load: Load) -> None:
    db = load(base_document())
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        record_treatment(
            session, draft(patient="", vials=0), today=TODAY, user="u", override_reason=None
        )
    assert [p.field for p in caught.value.problems] == [
        "patient reference",
        "vials",
    ]


# --- the list -------------------------------------------------------------------------------


def test_list_is_newest_first_searchable_and_marks_overrides(load: Load) -> None:
    doc = base_document()
    add_product(doc, "Scalp Exo", intended_routes=["subdermal_scalp"])
    doc["lots"].append(lot("SC1", "Scalp Exo"))
    doc["treatments"] = [
        treatment("T-0001", date=day(-30), patient="P-0001", practitioner="Dr Alpha"),
        treatment("T-0002", date=day(-20), patient="P-0002", practitioner="Nurse Beta"),
        treatment(
            "T-0003", "SC1", "Scalp Exo", date=day(-20), route="subdermal_scalp", zone="scalp"
        ),
    ]
    db = load(doc)
    with db.write() as session:
        record_treatment(
            session,
            draft(patient="P-0009", zone="periorbital"),
            today=TODAY,
            user="u",
            override_reason="agreed with the medical director",
        )
    with db.read() as session:
        rows = list_treatments(session)
        assert [r.ref for r in rows] == ["T-0004", "T-0003", "T-0002", "T-0001"]
        assert [r.overridden for r in rows] == [True, False, False, False]
        assert rows[0].override_reason == "agreed with the medical director"
        assert (rows[1].product, rows[1].lot, rows[1].zone) == ("Scalp Exo", "SC1", "scalp")
        assert [r.ref for r in list_treatments(session, search="p-0002")] == ["T-0002"]
        assert [r.ref for r in list_treatments(session, search="scalp")] == ["T-0003"]
        assert [r.ref for r in list_treatments(session, search="sc1")] == ["T-0003"]
        assert [r.ref for r in list_treatments(session, search="beta")] == ["T-0002"]
        assert [r.ref for r in list_treatments(session, search="T-0001")] == ["T-0001"]
        assert [r.ref for r in list_treatments(session, search="pl001 alpha")] == ["T-0001"]
        assert list_treatments(session, search="100%") == []
        assert [r.ref for r in list_treatments(session, limit=2, offset=1)] == [
            "T-0003",
            "T-0002",
        ]
        assert count_treatments(session) == 4
        assert count_treatments(session, search="exo plant") == 3
        assert known_practitioners(session) == ["Dr A", "Dr Alpha", "Nurse Beta"]
        assert intended_routes(session, PRODUCT) == ["topical_post_procedure", "intradermal"]
