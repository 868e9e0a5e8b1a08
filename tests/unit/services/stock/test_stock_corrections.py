"""Correcting a lot (a receipt entered in error) and a stock movement: the old record is
voided and the corrected one written in one transaction, on voiding's rules, linked in the
audit trail."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from audit_clinic import check, serious
from sample_files import LOCATION, LOT, PRODUCT, TODAY, base_document, day, lot, treatment, waste
from sample_files import status_change as status_move
from sqlalchemy import select

from exodesk.db import Database, open_database
from exodesk.models import AuditEvent, Location, LotStatus, MovementKind, Role
from exodesk.services.accounts import users
from exodesk.services.errors import InvalidInput, NotPermitted
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.stock.corrections import (
    correct_lot,
    correct_movement,
    lot_draft,
    movement_draft,
)
from exodesk.services.stock.ledger import Overdrawn
from exodesk.services.stock.on_hand import stock_on_hand
from exodesk.services.stock.voiding import AlreadyVoid, LotStillUsed
from exodesk.services.treatments.cards import lot_card

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    doc = base_document()
    doc["lots"] = [lot(quantity=10), lot("PL002", quantity=5)]
    doc["treatments"] = [treatment("T-0001", "PL002", date=day(-10))]
    doc["movements"] = [
        waste("M-0001", -2, date=day(-8)),
        status_move("M-0002", "on_hold", date=day(-7)),
    ]
    opened = open_database(str(db_path))
    with opened.write() as s:
        import_bytes(s, json.dumps(doc), user="setup", source="test")
        s.add(Location(name="Fridge B"))
    yield opened
    opened.close()


def on_hand(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {r.lot: r.on_hand for r in stock_on_hand(s)}


def links(db: Database) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.execute(
            select(AuditEvent.record_key, AuditEvent.reason).where(AuditEvent.field == "corrects")
        ).all()
    return [(k, r) for k, r in rows]


def _void_movements_of_pl001(db: Database) -> None:
    from exodesk.services.stock.voiding import void_movement

    with db.write() as s:
        for ref in ("M-0001", "M-0002"):
            void_movement(s, ref, reason="setup", today=TODAY, user=None)


def test_a_lot_is_corrected_in_one_go(db: Database) -> None:
    _void_movements_of_pl001(db)
    with db.read() as s:
        old = lot_draft(s, PRODUCT, LOT)
    assert (old.quantity, old.location, old.status) == (10, LOCATION, LotStatus.RELEASED)
    with db.write() as s:
        done = correct_lot(
            s,
            PRODUCT,
            LOT,
            dataclasses.replace(old, lot="PL001X", quantity=8),
            reason="lot number misread",
            today=TODAY,
            user=None,
        )
    assert done.voided == f"{PRODUCT} / {LOT}" and done.received.lot == "PL001X"
    stock = on_hand(db)
    assert LOT not in stock and stock["PL001X"] == 8
    with db.read() as s:
        card = lot_card(s, PRODUCT, LOT, TODAY)
        assert card.void is not None
        assert "corrected by Exo Plant 10 / PL001X" in card.void.reason
    assert links(db) == [(f"{PRODUCT} / PL001X", f"corrects {PRODUCT} / {LOT}: lot number misread")]
    assert serious(check(db)) == []


def test_a_lot_still_used_is_not_corrected_and_nothing_is_written(db: Database) -> None:
    with db.read() as s:
        old = lot_draft(s, PRODUCT, "PL002")
    with pytest.raises(LotStillUsed), db.write() as s:
        correct_lot(
            s, PRODUCT, "PL002", dataclasses.replace(old, lot="PL003"), reason="typo",
            today=TODAY, user=None,
        )  # fmt: skip
    assert "PL003" not in on_hand(db) and on_hand(db)["PL002"] == 4


def test_a_lot_corrected_to_itself_is_refused(db: Database) -> None:
    _void_movements_of_pl001(db)
    with db.read() as s:
        old = lot_draft(s, PRODUCT, LOT)
    with pytest.raises(InvalidInput) as raised, db.write() as s:
        correct_lot(s, PRODUCT, LOT, old, reason="typo", today=TODAY, user=None)
    assert raised.value.fields == ("lot",)
    with pytest.raises(InvalidInput) as no_reason, db.write() as s:
        correct_lot(
            s, PRODUCT, LOT, dataclasses.replace(old, lot="X"), reason="  ", today=TODAY,
            user=None,
        )  # fmt: skip
    assert no_reason.value.fields == ("reason",)
    assert on_hand(db)[LOT] == 10


def test_a_waste_is_corrected_with_a_new_reference(db: Database) -> None:
    with db.read() as s:
        line, old = movement_draft(s, "M-0001")
    assert old.kind is MovementKind.WASTE and old.vials == 2
    assert line.on_hand == 10  # the lot as it stands without the waste
    with db.write() as s:
        done = correct_movement(
            s, "M-0001", dataclasses.replace(old, vials=1), reason="one vial broke, not two",
            today=TODAY, user=None,
        )  # fmt: skip
    assert done.voided == "M-0001" and done.recorded != "M-0001"
    assert on_hand(db)[LOT] == 9
    assert links(db) == [(done.recorded, "corrects M-0001: one vial broke, not two")]
    with pytest.raises(AlreadyVoid), db.write() as s:
        correct_movement(s, "M-0001", old, reason="again", today=TODAY, user=None)
    assert serious(check(db)) == []


def test_a_status_change_is_corrected_and_a_failed_one_writes_nothing(db: Database) -> None:
    with db.read() as s:
        line, old = movement_draft(s, "M-0002")
    assert line.status is LotStatus.RELEASED and old.status is LotStatus.ON_HOLD
    with db.write() as s:
        correct_movement(
            s, "M-0002", dataclasses.replace(old, status=LotStatus.RECALLED),
            reason="it was a recall", today=TODAY, user=None,
        )  # fmt: skip
    with db.read() as s:
        assert lot_card(s, PRODUCT, LOT, TODAY).status is LotStatus.RECALLED
        _line, waste_draft = movement_draft(s, "M-0001")
    with pytest.raises(Overdrawn), db.write() as s:
        correct_movement(
            s, "M-0001", dataclasses.replace(waste_draft, vials=50), reason="more",
            today=TODAY, user=None,
        )  # fmt: skip
    assert on_hand(db)[LOT] == 8  # the old waste still counts


def test_only_stock_managers_and_admins_correct(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(users, "HASHER", FAST)
    with db.write() as s:
        users.create_user(s, "Admin", Role.ADMIN, PASSWORD, by=None)
        users.create_user(s, "Dr A", Role.PRACTITIONER, PASSWORD, by="Admin")
        users.create_user(s, "Sam", Role.STOCK_MANAGER, PASSWORD, by="Admin")
    with db.read() as s:
        _line, old = movement_draft(s, "M-0001")
    with pytest.raises(NotPermitted), db.write() as s:
        correct_movement(s, "M-0001", old, reason="typo", today=TODAY, user="Dr A")
    with db.write() as s:
        correct_movement(
            s, "M-0001", dataclasses.replace(old, location=None, vials=1), reason="typo",
            today=TODAY, user="Sam",
        )  # fmt: skip
    assert on_hand(db)[LOT] == 9
