"""Mistakes are corrected, never erased: voiding treatments, movements and lots, correcting a
treatment, who may, and that a void record counts nowhere (stock, check, trace, counts, the
dashboard, the audit replay, the interchange file)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from audit_clinic import check, serious
from sample_files import (
    LOT,
    PRODUCT,
    TODAY,
    Doc,
    adjustment,
    base_document,
    day,
    lot,
    status_change,
    treatment,
    waste,
)
from sqlalchemy import select

from exodesk.db import Database, open_database
from exodesk.models import AuditEvent, LotStatus, MovementKind, Role, Treatment
from exodesk.services.accounts import users
from exodesk.services.audit.guards import SQLITE_GUARDS
from exodesk.services.compliance import rules
from exodesk.services.compliance.dashboard import dashboard
from exodesk.services.counts import counts
from exodesk.services.errors import InvalidInput, NotFound, NotPermitted
from exodesk.services.interchange.export import export_document
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.stock.ledger import Overdrawn
from exodesk.services.stock.lots import StockFilter, lot_lines, stock_ids
from exodesk.services.stock.on_hand import stock_on_hand
from exodesk.services.stock.receiving import receive_delivery
from exodesk.services.stock.voiding import AlreadyVoid, LotStillUsed, void_lot, void_movement
from exodesk.services.treatments.cards import lot_card, treatment_card
from exodesk.services.treatments.corrections import (
    correct_treatment,
    draft_of,
    void_treatment,
)
from exodesk.services.treatments.recording import list_treatments
from exodesk.services.treatments.trace import trace_lot

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse"


def _clinic_doc() -> Doc:
    doc = base_document()
    doc["lots"] = [lot(quantity=10), lot("PL002", quantity=5)]
    doc["treatments"] = [
        treatment("T-0001", date=day(-10)),
        treatment("T-0002", date=day(-9), practitioner="Dr B", vials=2),
    ]
    doc["movements"] = [
        waste("M-0001", -1, date=day(-8)),
        adjustment("M-0002", 3, "PL002", date=day(-8)),
        status_change("M-0003", "on_hold", "PL002", date=day(-7)),
    ]
    return doc


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    opened = open_database(str(db_path))
    with opened.write() as s:
        import_bytes(s, json.dumps(_clinic_doc()), user="setup", source="test")
    yield opened
    opened.close()


@pytest.fixture
def accounts(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setattr(users, "HASHER", FAST)
    with db.write() as s:
        users.create_user(s, "Admin", Role.ADMIN, PASSWORD, by=None)
        users.create_user(s, "Dr A", Role.PRACTITIONER, PASSWORD, by="Admin")
        users.create_user(s, "Dr B", Role.PRACTITIONER, PASSWORD, by="Admin")
        users.create_user(s, "Sam", Role.STOCK_MANAGER, PASSWORD, by="Admin")
        users.create_user(s, "Ann", Role.AUDITOR, PASSWORD, by="Admin")
    return db


def on_hand(db: Database, code: str = LOT) -> int:
    with db.read() as s:
        return next((r.on_hand for r in stock_on_hand(s) if r.lot == code), 0)


def flag_treatments(db: Database) -> set[str | None]:
    with db.read() as s:
        return {f.treatment for f in rules.check(s, TODAY)}


# -- treatments -------------------------------------------------------------------------


def test_a_void_treatment_counts_nowhere(db: Database) -> None:
    # a block flag on T-0001 (an unintended route) shows it counts in check before the void
    with db.write() as s:
        s.scalars(select(Treatment).where(Treatment.ref == "T-0001")).one().route = "intravenous"  # type: ignore[assignment]
    assert "T-0001" in flag_treatments(db)
    assert on_hand(db) == 10 - 1 - 2 - 1
    with db.write() as s:
        mark = void_treatment(s, "T-0001", reason="wrong patient", today=TODAY, user=None)
    assert mark.reason == "wrong patient"
    assert on_hand(db) == 10 - 2 - 1
    assert "T-0001" not in flag_treatments(db)
    with db.read() as s:
        assert [r.ref for r in trace_lot(s, PRODUCT, LOT)] == ["T-0002"]
        rows = {r.ref: r for r in list_treatments(s)}
        assert rows["T-0001"].void and not rows["T-0002"].void
        card = lot_card(s, PRODUCT, LOT, TODAY)
        use = next(h for h in card.history if h.treatment == "T-0001")
        assert use.kind is MovementKind.USE and use.quantity == -1
        assert use.void is not None and use.void.on == TODAY and not use.counts
        assert card.on_hand == 10 - 2 - 1
        board = dashboard(s, TODAY)
        assert sum(loc.vials for loc in board.by_location) == 7 + 8
    assert serious(check(db)) == []


def test_void_refusals(db: Database) -> None:
    with db.write() as s:
        with pytest.raises(NotFound):
            void_treatment(s, "T-9999", reason="x", today=TODAY, user=None)
        with pytest.raises(InvalidInput) as raised:
            void_treatment(s, "T-0001", reason="   ", today=TODAY, user=None)
        assert raised.value.fields == ("reason",)
        void_treatment(s, "T-0001", reason="typo", today=TODAY, user=None)
    with pytest.raises(AlreadyVoid), db.write() as s:
        void_treatment(s, "T-0001", reason="again", today=TODAY, user=None)


def test_correcting_voids_the_old_and_writes_the_new_in_one_go(db: Database) -> None:
    with db.read() as s:
        old = draft_of(s, "T-0002")
    with db.write() as s:
        done = correct_treatment(
            s,
            "T-0002",
            dataclasses.replace(old, vials=1),
            reason="one vial, not two",
            today=TODAY,
            user=None,
        )
    assert done.voided == "T-0002" and done.recorded.ref == "T-0003"
    assert on_hand(db) == 10 - 1 - 1 - 1
    with db.read() as s:
        card = treatment_card(s, "T-0002", TODAY)
        assert card.void is not None and "corrected by T-0003" in card.void.reason
        assert treatment_card(s, "T-0003", TODAY).vials == 1
        links = s.execute(
            select(AuditEvent.record_key, AuditEvent.reason).where(AuditEvent.field == "corrects")
        ).all()
        assert [(k, r) for k, r in links] == [("T-0003", "corrects T-0002: one vial, not two")]
    assert serious(check(db)) == []


def test_a_correction_keeps_the_time_given_and_when_the_vial_was_reconstituted(
    db: Database,
) -> None:
    with db.write() as s:
        t = s.scalars(select(Treatment).where(Treatment.ref == "T-0002")).one()
        t.time = dt.time(10, 40)
        t.reconstituted = dt.datetime.combine(t.date, dt.time(10, 5))
    with db.read() as s:
        old = draft_of(s, "T-0002")
    assert (old.time, old.reconstituted) == (
        dt.time(10, 40),
        dt.datetime.combine(old.date, dt.time(10, 5)),
    )
    with db.write() as s:
        done = correct_treatment(
            s, "T-0002", dataclasses.replace(old, vials=1), reason="one vial, not two",
            today=TODAY, user=None,
        )  # fmt: skip
    with db.read() as s:
        new = s.scalars(select(Treatment).where(Treatment.ref == done.recorded.ref)).one()
        assert (new.time, new.reconstituted) == (old.time, old.reconstituted)


def test_a_correction_that_fails_writes_nothing(db: Database) -> None:
    with db.read() as s:
        old = draft_of(s, "T-0002")
    with pytest.raises(Overdrawn), db.write() as s:
        correct_treatment(
            s, "T-0002", dataclasses.replace(old, vials=50), reason="more", today=TODAY, user=None
        )
    with db.read() as s:
        assert not any(r.void for r in list_treatments(s))


# -- movements and lots ---------------------------------------------------------------


def test_voiding_a_movement(db: Database) -> None:
    with db.write() as s:
        void_movement(s, "M-0001", reason="not dropped after all", today=TODAY, user=None)
        void_movement(s, "M-0003", reason="wrong lot", today=TODAY, user=None)
    assert on_hand(db) == 10 - 1 - 2
    with db.read() as s:
        (line,) = lot_lines(s, stock_ids(s, StockFilter(search="PL002")))
        assert line.status is LotStatus.RELEASED  # the void status change no longer holds
        with pytest.raises(NotFound):
            void_movement(s, "M-9999", reason="x", today=TODAY, user=None)
    assert serious(check(db)) == []


def test_a_void_that_would_take_a_lot_below_zero_is_refused(db: Database) -> None:
    # PL002: 5 received + 3 adjusted = 8; 7 of them used: the +3 cannot be voided
    more: dict[str, Any] = {
        "format": "exodesk/1",
        "treatments": [treatment("T-0100", "PL002", date=day(-1), vials=7)],
    }
    with db.write() as s:
        import_bytes(s, json.dumps(more), user="setup", source="more")
    with pytest.raises(Overdrawn), db.write() as s:
        void_movement(s, "M-0002", reason="the adjustment was wrong", today=TODAY, user=None)
    with db.write() as s:
        void_treatment(s, "T-0100", reason="never given", today=TODAY, user=None)
        void_movement(s, "M-0002", reason="the adjustment was wrong", today=TODAY, user=None)
    assert on_hand(db, "PL002") == 5


def test_a_lot_is_voided_only_when_nothing_of_it_counts(db: Database) -> None:
    with pytest.raises(LotStillUsed) as raised, db.write() as s:
        void_lot(s, PRODUCT, LOT, reason="never arrived", today=TODAY, user=None)
    assert raised.value.treatments == ["T-0001", "T-0002"]
    assert raised.value.movements == ["M-0001"]
    with db.write() as s:
        for ref in ("T-0001", "T-0002"):
            void_treatment(s, ref, reason="wrong lot", today=TODAY, user=None)
        void_movement(s, "M-0001", reason="wrong lot", today=TODAY, user=None)
        void_lot(s, PRODUCT, LOT, reason="never arrived", today=TODAY, user=None)
    with db.read() as s:
        assert [r.lot for r in stock_on_hand(s, include_empty=True)] == ["PL002"]
        assert not any(f.lot == LOT for f in rules.check(s, TODAY))
        card = lot_card(s, PRODUCT, LOT, TODAY)
        assert card.void is not None and card.on_hand == 0
        assert all(h.void is not None for h in card.history)
        shown = lot_lines(s, stock_ids(s, StockFilter(include_empty=True)))
        assert {(line.lot, line.void) for line in shown} == {(LOT, True), ("PL002", False)}
    with pytest.raises(InvalidInput), db.write() as s:
        receive_delivery(
            s,
            product=PRODUCT,
            lot=LOT,
            expiry=TODAY.replace(year=2028),
            quantity=1,
            location="Fridge A",
            received=TODAY,
            user="x",
        )
    assert serious(check(db)) == []


def test_a_void_after_a_count_opened_is_reconciled(db: Database) -> None:
    with db.write() as s:
        count = counts.start_count(s, location=None, today=TODAY, user=None)
    with db.write() as s:
        void_treatment(s, "T-0002", reason="never given", today=TODAY, user=None)
        counts.record_count(s, count, PRODUCT, LOT, 8, user=None)
        found = counts.close_count(s, count, reason="count", today=TODAY, user=None)
    assert found == []  # 6 expected at the start, +2 given back by the void: 8 as counted
    assert on_hand(db) == 8


# -- who may ----------------------------------------------------------------------------


def test_who_may_void(accounts: Database) -> None:
    db = accounts
    with pytest.raises(NotPermitted), db.write() as s:
        void_treatment(s, "T-0002", reason="not mine", today=TODAY, user="Dr A")
    with db.write() as s:
        void_treatment(s, "T-0001", reason="mine", today=TODAY, user="Dr A")
        void_treatment(s, "T-0002", reason="admin", today=TODAY, user="Admin")
    for user in ("Sam", "Ann"):
        with pytest.raises(NotPermitted), db.write() as s:
            void_treatment(s, "T-0003", reason="x", today=TODAY, user=user)
    with db.write() as s:
        void_movement(s, "M-0001", reason="stock manager", today=TODAY, user="Sam")
    for user in ("Dr A", "Ann"):
        with pytest.raises(NotPermitted), db.write() as s:
            void_movement(s, "M-0002", reason="x", today=TODAY, user=user)
    with pytest.raises(NotPermitted), db.write() as s:
        void_lot(s, PRODUCT, LOT, reason="x", today=TODAY, user="Dr B")
    with db.write() as s:
        void_lot(s, PRODUCT, LOT, reason="admin", today=TODAY, user="Admin")
    with db.read() as s:
        card = treatment_card(s, "T-0001", TODAY)
        assert card.void is not None and card.void.by == "Dr A"


def test_a_practitioner_corrects_their_own(accounts: Database) -> None:
    with accounts.read() as s:
        old = draft_of(s, "T-0001")
    with accounts.write() as s:
        done = correct_treatment(
            s,
            "T-0001",
            dataclasses.replace(old, zone="neck"),
            reason="it was the neck",
            today=TODAY,
            user="Dr A",
        )
    with pytest.raises(NotPermitted), accounts.write() as s:
        correct_treatment(s, "T-0002", old, reason="x", today=TODAY, user="Dr A")
    with accounts.read() as s:
        assert treatment_card(s, done.recorded.ref, TODAY).zone == "neck"


# -- the interchange file ---------------------------------------------------------------


def test_voids_round_trip(db: Database, tmp_path: Path) -> None:
    with db.write() as s:
        void_treatment(s, "T-0001", reason="wrong patient", today=TODAY, user="Dr A")
        void_movement(s, "M-0003", reason="wrong lot", today=TODAY, user="Sam")
    with db.read() as s:
        first = export_document(s)
    voids = {t["ref"]: t["void"] for t in first["treatments"]}
    assert voids == {
        "T-0001": {"on": TODAY.isoformat(), "by": "Dr A", "reason": "wrong patient"},
        "T-0002": None,
    }
    assert all("void" in r for r in first["lots"] + first["movements"])
    other = open_database(str(tmp_path / "other.sqlite"))
    try:
        with other.write() as s:
            import_bytes(s, json.dumps(first), user="x", source="file")
        with other.read() as s:
            assert export_document(s) == first
            assert next(r.on_hand for r in stock_on_hand(s) if r.lot == LOT) == 10 - 2 - 1
        assert serious(check(other)) == []
    finally:
        other.close()


def test_an_import_applies_a_void_but_never_undoes_one(db: Database) -> None:
    with db.read() as s:
        doc = export_document(s)
    voided = {"on": TODAY.isoformat(), "by": "Dr A", "reason": "entered twice"}
    doc["treatments"][0]["void"] = voided
    with db.write() as s:
        summary = import_bytes(s, json.dumps(doc), user="x", source="file")
    assert summary.total_added == 0
    assert on_hand(db) == 10 - 2 - 1
    with db.write() as s:
        import_bytes(s, json.dumps(doc), user="x", source="file")  # the same again: nothing
    doc["treatments"][0]["void"] = None
    with pytest.raises(InvalidInput) as raised, db.write() as s:
        import_bytes(s, json.dumps(doc), user="x", source="file")
    assert raised.value.fields == ("treatments[0].void",)
    assert serious(check(db)) == []


def test_a_file_whose_void_lot_is_still_used_is_invalid(db_path: Path) -> None:
    doc = _clinic_doc()
    doc["lots"][0]["void"] = {"on": TODAY.isoformat(), "by": "Sam", "reason": "never came"}
    db = open_database(str(db_path))
    try:
        with pytest.raises(InvalidInput) as raised, db.write() as s:
            import_bytes(s, json.dumps(doc), user="x", source="file")
        assert raised.value.fields == ("lots[0].void",)
        assert "T-0001" in raised.value.message and "M-0001" in raised.value.message
        gone = {"on": TODAY.isoformat(), "by": "Sam", "reason": "never came"}
        for record in doc["treatments"] + doc["movements"][:1]:
            record["void"] = gone
        with db.write() as s:
            import_bytes(s, json.dumps(doc), user="x", source="file")
        with db.read() as s:
            assert [r.lot for r in stock_on_hand(s, include_empty=True)] == ["PL002"]
        assert serious(check(db)) == []
    finally:
        db.close()


def test_the_lot_card_tells_everything(db: Database) -> None:
    with db.write() as s:
        void_movement(s, "M-0001", reason="not dropped", today=TODAY, user=None)
        count = counts.start_count(s, location=None, today=TODAY, user=None)
        counts.record_count(s, count, PRODUCT, LOT, 7, user=None)
    with db.read() as s:
        card = lot_card(s, PRODUCT, LOT, TODAY)
    assert [h.kind.value for h in card.history] == ["receipt", "use", "use", "waste"]
    assert [h.ref for h in card.history] == [None, "T-0001", "T-0002", "M-0001"]
    assert card.history[-1].void is not None
    assert card.on_hand == 7 and card.received_quantity == 10
    assert [(c.expected, c.counted) for c in card.counts] == [(7, 7)]
    assert {d.kind.value for d in card.documents} == {"ifu", "certificate_of_analysis"}


def test_the_audit_replay_catches_a_void_undone_behind_exodesk(db: Database, db_path: Path) -> None:
    with db.write() as s:
        void_treatment(s, "T-0001", reason="wrong patient", today=TODAY, user=None)
        void_movement(s, "M-0003", reason="wrong lot", today=TODAY, user=None)
    assert serious(check(db)) == []
    with contextlib.closing(sqlite3.connect(db_path)) as raw, raw:
        for name in SQLITE_GUARDS:
            raw.execute(f"DROP TRIGGER IF EXISTS {name}")
        raw.execute("UPDATE treatment SET void_on = NULL WHERE ref = 'T-0001'")
        raw.execute("UPDATE movement SET void_on = NULL WHERE ref = 'M-0003'")
        for definition in SQLITE_GUARDS.values():
            raw.execute(definition)
    found = serious(check(db))
    assert "treatment T-0001: not void in the tables, void by the audit trail" in found
    assert "movement M-0003: not void in the tables, void by the audit trail" in found
    assert any("PL002" in line and "status" in line for line in found)
