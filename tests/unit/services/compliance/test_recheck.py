"""The flags re-worked only for what a write touched (`rules.recheck`, as the window's flag
feed uses it) are those of a full `check`, write after write: a treatment recorded (with
findings overridden), voided, a lot received, a lot's status changed, a document added; and
`check` itself (treatments screened as stored) agrees with evaluating every fact."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from exodesk.db import Database, open_database
from exodesk.models import DocumentKind, LotStatus
from exodesk.services.catalogue.documents import DocumentDraft, register_document
from exodesk.services.compliance import rules
from exodesk.services.compliance.dashboard_stock import DashboardStock
from exodesk.services.compliance.flag_list import FlagList
from exodesk.services.compliance.touched import Touched, TouchWatch
from exodesk.services.session import Session
from exodesk.services.stock.lots import change_lot_status
from exodesk.services.stock.on_hand import stock_on_hand
from exodesk.services.stock.receiving import receive_delivery
from exodesk.services.treatments.corrections import void_treatment
from exodesk.services.treatments.recording import TreatmentDraft, record_treatment

TODAY = dt.date(2026, 11, 22)
CELVIA = "Celvia MSC-Exo Lyo 50"
REASON = "patient consented after a full review of the risks"


@pytest.fixture
def db(demo_db: Path) -> Iterator[Database]:
    database = open_database(str(demo_db))
    yield database
    database.close()


def written(db: Database, call: Callable[[Session], Any]) -> Touched:
    with db.write() as session:
        watch = TouchWatch(session)
        try:
            call(session)
        finally:
            touched = watch.stop()
    return touched


def full(db: Database) -> list[rules.Flag]:
    with db.read() as session:
        return rules.check(session, TODAY)


def rechecked(db: Database, previous: list[rules.Flag], touched: Touched) -> list[rules.Flag]:
    with db.read() as session:
        return rules.recheck(session, TODAY, previous, touched)


def a_lot(db: Database) -> tuple[str, str]:
    with db.read() as session:
        row = next(r for r in stock_on_hand(session) if r.on_hand >= 3)
    return row.product, row.lot


def _counts(stock: DashboardStock) -> tuple[Any, ...]:
    return (
        stock.rows,
        dict(stock.locations),
        +stock.usable,
        stock.expiring,
        stock.quarantined,
        stock.first_expiring(3),  # kept between reads until a lot comes in or leaves
        stock.first_quarantined(3),
    )


def test_check_agrees_with_evaluating_every_fact(db: Database) -> None:
    with db.read() as session:
        assert rules.check(session, TODAY) == rules.evaluate(rules.load_snapshot(session), TODAY)


def test_incremental_flags_match_a_full_check_after_each_kind_of_write(
    db: Database, tmp_path: Path
) -> None:
    flags = full(db)
    product, lot = a_lot(db)
    recorded: list[str] = []

    def record(session: Session) -> None:
        draft = TreatmentDraft(
            date=TODAY,
            product=product,
            lot=lot,
            patient="P-RECHECK",
            practitioner="Dr Test",
            route="intravenous",  # outside most products' intended use: a block finding
            zone="periorbital",
            vials=1,
        )
        done = record_treatment(session, draft, today=TODAY, user=None, override_reason=REASON)
        recorded.append(done.ref)

    steps: list[Callable[[Session], Any]] = [
        record,
        lambda s: void_treatment(s, recorded[0], reason=REASON, today=TODAY, user=None),
        lambda s: receive_delivery(
            s,
            product=CELVIA,
            lot="RECHECK-1",
            expiry=TODAY + dt.timedelta(days=20),  # expiring soon, and no certificate of analysis
            quantity=4,
            location=None,
            received=TODAY,
            user="tester",
        ),
        lambda s: change_lot_status(
            s, product, lot, LotStatus.QUARANTINE, reason=REASON, on=TODAY, user="tester"
        ),
        record,  # now on a lot in quarantine
        lambda s: register_document(
            s,
            DocumentDraft(
                kind=DocumentKind.CERTIFICATE_OF_ANALYSIS,
                number="CoA RECHECK-1",
                issuer="Celvia Biotech QC",
                products=(CELVIA,),
                lot="RECHECK-1",
            ),
            user="tester",
            store=tmp_path / "documents",
            today=TODAY,
        ),
    ]
    with db.read() as session:
        stock = DashboardStock.read(session, TODAY)
    listed = FlagList(flags)  # as the window holds them: counted from what changed
    for step in steps:
        touched = written(db, step)
        assert touched.anything
        if step is not steps[-1]:  # registering a document is checked in full (for now)
            assert not touched.unknown, step
        with db.read() as session:
            change = rules.recheck_change(session, TODAY, listed.flags, touched)
        assert change.flags == rechecked(db, flags, touched)
        flags = change.flags
        assert flags == full(db)
        listed = FlagList.after(listed, change)
        assert listed.flags == flags
        assert listed.open_counts == rules.open_counts(full(db)), step
        with db.read() as session:  # the Dashboard's counts of the lots, lot by lot too
            stock.read_again(session, touched.lot_ids)
            assert _counts(stock) == _counts(DashboardStock.read(session, TODAY)), step
    assert {f.treatment for f in flags} >= {recorded[1]}
    assert recorded[0] not in {f.treatment for f in flags}  # voided: no flag of it is left


def test_a_write_not_followed_record_by_record_means_a_full_check(db: Database) -> None:
    from exodesk.models import Product

    def rename(session: Session) -> None:
        product = session.query(Product).first()
        assert product is not None
        product.name = product.name + " (renamed)"
        session.flush()

    flags = full(db)
    touched = written(db, rename)
    assert touched.unknown
    assert rechecked(db, flags, touched) == full(db)
    assert rechecked(db, flags, Touched()) == flags  # nothing touched: nothing changes


@pytest.mark.parametrize("new_count", [0, 1, 7, 250])
def test_new_flags_are_put_in_place_as_a_full_sort_would(new_count: int) -> None:
    """A few new flags go in one by one, many are sorted with the rest: the same order as
    sorting everything, equal keys included (the kept ones first)."""
    chance = random.Random(new_count)
    names = ["Alpha", "Beta", "Gamma"]
    rule_ids = list(rules.RULES)

    def some_flag(i: int) -> rules.Flag:
        rule = chance.choice(rule_ids)
        lot = chance.choice([None, "L1", "L2"])
        return rules.Flag(
            rule, rules.RULES[rule], chance.choice(names), lot, chance.choice([None, "T-1"]), f"{i}"
        )

    kept = rules.sort_flags(some_flag(i) for i in range(600))
    new = [some_flag(1000 + i) for i in range(new_count)]
    assert rules._spliced(list(kept), new) == rules.sort_flags(kept + new)
