"""The Products view's flag counts, counted in SQL, agree with the compliance engine run on
the whole clinic, on every day that moves lots into and out of their warning windows; and one
product's flags, read from its own facts only, are those the whole clinic's snapshot gives."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from exodesk.db import Database, open_database
from exodesk.models import Severity
from exodesk.services.catalogue.listing import product_rows
from exodesk.services.catalogue.products import flags_for_product
from exodesk.services.compliance import rules

# The demo clinic's day, a day when many of its lots expire within the warning window, and
# one when they have all expired
DAYS = (dt.date(2026, 11, 22), dt.date(2027, 3, 1), dt.date(2029, 1, 1))


@pytest.fixture
def db(demo_db: Path) -> Iterator[Database]:
    database = open_database(str(demo_db))
    yield database
    database.close()


def _engine_counts(db: Database, today: dt.date) -> dict[str, tuple[int, int]]:
    with db.read() as session:
        flags = rules.evaluate(rules.load_snapshot(session, with_treatments=False), today)
    counts: dict[str, Counter[Severity]] = defaultdict(Counter)
    for flag in flags:
        counts[flag.product][flag.severity] += 1
    return {name: (c[Severity.BLOCK], c[Severity.WARN]) for name, c in counts.items()}


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_the_counts_are_the_engines(db: Database, today: dt.date) -> None:
    expected = _engine_counts(db, today)
    with db.read() as session:
        rows = product_rows(session, today)
    assert [r.name for r in rows] == sorted(r.name for r in rows)
    assert {r.name: (r.blocks, r.warnings) for r in rows} == {
        r.name: expected.get(r.name, (0, 0)) for r in rows
    }
    assert sum(b for b, _ in expected.values()) > 0 and sum(w for _, w in expected.values()) > 0


def test_the_lot_rules_move_with_the_day(db: Database) -> None:
    """Between the days, lots move from in date to expiring to expired: the counts differ."""
    with db.read() as session:
        counts = [{r.name: (r.blocks, r.warnings) for r in product_rows(session, d)} for d in DAYS]
    assert counts[0] != counts[1] != counts[2]


@pytest.mark.parametrize("today", DAYS, ids=str)
def test_one_products_flags_are_those_of_the_whole_clinic(db: Database, today: dt.date) -> None:
    with db.read() as session:
        whole = rules.load_snapshot(session, with_treatments=False)
        for product in whole.products:
            own = dataclasses.replace(
                whole,
                products=[product],
                lots=[lot for lot in whole.lots if lot.product_id == product.id],
            )
            assert flags_for_product(session, product.name, today) == rules.evaluate(own, today)
