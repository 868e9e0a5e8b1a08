"""The Dashboard's to-do list on the demo clinic: every open block, lots waiting for release,
certificates to check (never, or not for a year), products at or below their reorder level."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from exodesk.db import Database, open_database
from exodesk.models.catalogue import Document
from exodesk.models.enums import LotStatus, Severity
from exodesk.services.catalogue.products import get_product, save_product
from exodesk.services.compliance import rules
from exodesk.services.compliance.dashboard import dashboard
from exodesk.services.errors import InvalidInput
from exodesk.services.interchange.export import export_document
from exodesk.services.stock.on_hand import stock_on_hand

TODAY = dt.date(2026, 11, 22)
CELVIA = "Celvia MSC-Exo Lyo 50"
VERDA = "Verda Centella Exosome Cream"


@pytest.fixture
def db(demo_db: Path) -> Iterator[Database]:
    database = open_database(str(demo_db))
    yield database
    database.close()


def test_every_open_block_is_on_the_dashboard_however_many(db: Database) -> None:
    with db.read() as session:
        flags = rules.check(session, TODAY)
        board = dashboard(session, TODAY, flags=flags, top=3)
    blocks = [f for f in rules.open_flags(flags) if f.severity is Severity.BLOCK]
    assert len(blocks) > 3
    assert [f for f in board.top_flags if f.severity is Severity.BLOCK] == blocks
    assert board.open_total == len(rules.open_flags(flags))


def test_lots_in_quarantine_wait_for_release(db: Database) -> None:
    with db.read() as session:
        board = dashboard(session, TODAY)
    waiting = {(r.product, r.lot): r.on_hand for r in board.quarantined}
    assert waiting[(CELVIA, "CV-6233B")] == 20
    assert all(r.status is LotStatus.QUARANTINE and r.on_hand > 0 for r in board.quarantined)


def test_certificates_never_checked_or_not_for_a_year_are_to_check(db: Database) -> None:
    with db.read() as session:
        board = dashboard(session, TODAY)
    numbers = {c.number: c.verified_on for c in board.certificates_to_check}
    # CE 2913-MDR-04417 was checked 30 days ago; the restricted CE 0591 is still in force
    assert numbers == {"CE 0591-MDR-7731": None, "CE 2931-MDR-1188": None}
    with db.write() as session:
        docs = {d.number: d for d in session.scalars(select(Document))}
        docs["CE 0591-MDR-7731"].verified_on = TODAY - dt.timedelta(days=365)  # a year: fine
        docs["CE 2931-MDR-1188"].verified_on = TODAY - dt.timedelta(days=1)
        docs["CE 2913-MDR-04417"].verified_on = TODAY - dt.timedelta(days=366)  # over a year
    with db.read() as session:
        board = dashboard(session, TODAY)
    assert [(c.number, c.verified_on) for c in board.certificates_to_check] == [
        ("CE 2913-MDR-04417", TODAY - dt.timedelta(days=366))
    ]


def test_a_product_at_or_below_its_reorder_level_is_running_low(db: Database) -> None:
    with db.read() as session:
        assert dashboard(session, TODAY).running_low == []  # no reorder level set yet
        usable = sum(
            r.on_hand
            for r in stock_on_hand(session)
            if r.product == VERDA and r.status is LotStatus.RELEASED and r.expiry >= TODAY
        )
        verda = get_product(session, VERDA)
    assert usable > 0
    for level, low in ((usable - 1, False), (usable, True), (usable + 1, True)):
        with db.write() as session:
            save_product(
                session,
                dataclasses.replace(verda, reorder_level=level),
                original_name=VERDA,
                user="t",
            )
        with db.read() as session:
            found = [r for r in dashboard(session, TODAY).running_low if r.product == VERDA]
        assert bool(found) is low, level
        if found:
            assert (found[0].usable, found[0].reorder_level) == (usable, level)


@pytest.mark.parametrize("level", [-1, 1_000_001])
def test_a_reorder_level_is_0_to_a_million_in_plain_words(db: Database, level: int) -> None:
    with db.read() as session:
        verda = get_product(session, VERDA)
    with pytest.raises(InvalidInput) as refused, db.write() as session:
        save_product(
            session, dataclasses.replace(verda, reorder_level=level), original_name=VERDA, user="t"
        )
    [problem] = refused.value.problems
    assert problem.field == "reorder_level"
    assert str(problem).startswith("reorder_level: must be at ")


def test_the_reorder_level_goes_out_in_the_interchange_file(db: Database) -> None:
    with db.read() as session:
        verda = get_product(session, VERDA)
    with db.write() as session:
        save_product(
            session, dataclasses.replace(verda, reorder_level=7), original_name=VERDA, user="t"
        )
    with db.read() as session:
        products = export_document(session)["products"]
    assert next(p for p in products if p["name"] == VERDA)["reorder_level"] == 7
