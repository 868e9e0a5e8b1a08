"""A small clinic written through every writer ExoDesk has, on a real SQLite file, and the
tools of someone who has the file: plain sqlite3, with the guards dropped."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sample_files import LOT, PRODUCT, TODAY, base_document, location

from exodesk.db import Database, open_database
from exodesk.models import LotStatus, Role
from exodesk.services.accounts import users
from exodesk.services.audit.guards import SQLITE_GUARDS
from exodesk.services.audit.verify import Verification, verify_trail
from exodesk.services.catalogue.products import get_product, save_product
from exodesk.services.counts import counts
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.stock.lots import change_lot_status, record_waste, transfer_lot
from exodesk.services.stock.receiving import receive_delivery
from exodesk.services.treatments.recording import TreatmentDraft, record_treatment

PASSWORD = "correct horse"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
RENAMED = "Exo Plant 10 Pro"


@pytest.fixture
def clinic(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Lot PL001 imported (10 vials) and treated, received twice more as PL002, wasted,
    moved, counted with a difference, destroyed, its product renamed; two accounts, one
    password changed and one deactivated. Lot keys then read "Exo Plant 10 Pro / …"."""
    monkeypatch.setattr(users, "HASHER", FAST)
    doc = base_document()
    doc["locations"].append(location("Cabinet B"))
    db = open_database(str(db_path))
    with db.write() as s:
        import_bytes(s, json.dumps(doc), user="setup", source="base")
    with db.write() as s:
        users.create_user(s, "Admin", Role.ADMIN, PASSWORD, by=None)
        users.create_user(s, "Sam", Role.STOCK_MANAGER, PASSWORD, by="Admin")
        users.create_user(s, "Dr B", Role.PRACTITIONER, PASSWORD, by="Admin")
    with db.write() as s:
        users.set_password(s, "Sam", "battery staple", by="Admin")
        users.deactivate(s, "Dr B", by="Admin")
    with db.write() as s:
        draft = TreatmentDraft(TODAY, PRODUCT, LOT, "P-001", "Dr B", "intradermal", "face", 2)
        record_treatment(s, draft, today=TODAY, user="Admin", override_reason=None)
    with db.write() as s:
        for quantity in (5, 3):
            receive_delivery(
                s,
                product=PRODUCT,
                lot="PL002",
                expiry=TODAY.replace(year=TODAY.year + 1),
                quantity=quantity,
                location="Fridge A",
                received=TODAY,
                user="Admin",
                status=LotStatus.RELEASED if quantity == 5 else None,
            )
    with db.write() as s:
        record_waste(s, PRODUCT, LOT, 1, reason="dropped", on=TODAY, user="Admin")
        transfer_lot(s, PRODUCT, "PL002", "Cabinet B", reason="room", on=TODAY, user="Admin")
        change_lot_status(
            s, PRODUCT, "PL002", LotStatus.ON_HOLD, reason="check", on=TODAY, user="Admin"
        )
    with db.write() as s:
        count = counts.start_count(s, location=None, today=TODAY, user="Admin")
        counts.record_count(s, count, PRODUCT, LOT, 6, user="Admin")
        counts.record_count(s, count, PRODUCT, "PL002", 8, user="Admin")
        counts.close_count(s, count, reason="yearly count", today=TODAY, user="Admin")
    with db.write() as s:
        change_lot_status(
            s, PRODUCT, LOT, LotStatus.DESTROYED, reason="broken fridge", on=TODAY, user="Admin"
        )
    with db.write() as s:
        product = dataclasses.replace(get_product(s, PRODUCT), name=RENAMED)
        save_product(s, product, original_name=PRODUCT, user="Admin")
    yield db
    db.close()


Tamper = Callable[..., None]


@pytest.fixture
def tamper(db_path: Path) -> Tamper:
    """Run SQL on the file as someone who has it would: sqlite3, the guards dropped first
    and (unless `leave_guards_off`) put back after, so nothing but the data gives it away."""

    def run(*statements: str, leave_guards_off: bool = False) -> None:
        with contextlib.closing(sqlite3.connect(db_path)) as raw, raw:
            for name in SQLITE_GUARDS:
                raw.execute(f"DROP TRIGGER IF EXISTS {name}")
            for statement in statements:
                raw.execute(statement)
            if not leave_guards_off:
                for definition in SQLITE_GUARDS.values():
                    raw.execute(definition)

    return run


def check(db: Database, **options: object) -> Verification:
    with db.read() as s:
        return verify_trail(s, **options)  # type: ignore[arg-type]


def serious(result: Verification) -> list[str]:
    return [f.text for f in result.findings if f.serious]
