"""The flags shown while a treatment is filled in read only its lot and product, and are
exactly those the product's whole snapshot gives."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.db import Database, open_database
from exodesk.demo.clinic import demo_document
from exodesk.models import Lot, Product, Route, Zone
from exodesk.services.compliance import rules
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.treatments.recording import TreatmentDraft, findings_for

TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def demo(db_path: Path) -> Iterator[Database]:
    db = open_database(str(db_path))
    with db.write() as session:
        import_bytes(session, json.dumps(demo_document(TODAY)), user="alice", source="demo")
    yield db
    db.close()


def _from_the_whole_product(session: Session, draft: TreatmentDraft, ref: str) -> list[rules.Flag]:
    """What findings_for gave before: the product's snapshot, every lot of it loaded."""
    product_id = session.scalar(select(Product.id).where(Product.name == draft.product))
    facts = rules.load_snapshot(session, with_treatments=False, product_id=product_id)
    lot = next((lot for lot in facts.lots if lot.code == draft.lot), None)
    if lot is None:
        return rules.evaluate(replace(facts, lots=[], treatments=[]), TODAY)
    treatment = rules.TreatmentFacts(
        ref, draft.date, lot.id, Route(draft.route), Zone(draft.zone) if draft.zone else None
    )
    return rules.flags_for_use(facts, treatment, TODAY)


def test_every_lot_gives_the_flags_of_its_whole_product(demo: Database) -> None:
    checked = 0
    with demo.read() as session:
        lots = session.execute(
            select(Product.name, Lot.code).join(Product, Product.id == Lot.product_id)
        ).all()
        for product, code in [*lots, (lots[0][0], "NO-SUCH-LOT")]:
            for route, zone in (("intradermal", "periorbital"), ("intravenous", "face")):
                draft = TreatmentDraft(TODAY, product, code, "P-1", "Dr A", route, zone, 1)
                got = findings_for(session, draft, TODAY, ref="T-9999")
                assert got == _from_the_whole_product(session, draft, "T-9999")
                checked += bool(got)
    assert checked > len(lots)  # flags there were, to compare
