"""The product catalogue on the demo clinic: create, update with a per-field audit trail,
rename keeping lots and documents, refusals naming the field, and flags following an edit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from exodesk.cli import main
from exodesk.db import Database, open_database
from exodesk.models import (
    AuditAction,
    AuditEvent,
    Form,
    RegulatoryClass,
    Route,
    Severity,
    SourceType,
)
from exodesk.services.catalogue.products import (
    ProductDetail,
    UnknownProduct,
    flags_for_product,
    get_product,
    list_products,
    lots_by_product,
    save_product,
)
from exodesk.services.errors import InvalidInput

TODAY = dt.date(2026, 11, 22)
ROSALIS = "Rosalis Callus Exosome Cream"
CELVIA = "Celvia MSC-Exo Lyo 50"
CELVIA_GTIN = "08809531000129"


@pytest.fixture
def db(demo_db: Path) -> Iterator[Database]:
    database = open_database(str(demo_db))
    yield database
    database.close()


def _audit(db: Database, key: str) -> list[AuditEvent]:
    with db.read() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.record == "product", AuditEvent.record_key == key)
                .order_by(AuditEvent.id)
            )
        )


def _rules(db: Database, name: str) -> set[str]:
    with db.read() as session:
        return {f.rule for f in flags_for_product(session, name, TODAY)}


NEW = ProductDetail(
    name="Exo Plant Mist",
    manufacturer="Green Bio",
    country="KR",
    gtin="08801234567893",
    source_type=SourceType.PLANT,
    form=Form.LIQUID,
    regulatory_class=RegulatoryClass.COSMETIC,
    intended_routes=(Route.TOPICAL_POST_PROCEDURE,),
    markets=("UK", "KR"),
    composition_documented=True,
    reconstitution_hours=None,
)


def test_list_products_gives_every_demo_product_with_flag_counts(db: Database) -> None:
    with db.read() as session:
        rows = list_products(session, TODAY)
    assert len(rows) == 11
    assert [r.name for r in rows] == sorted(r.name for r in rows)
    rosalis = next(r for r in rows if r.name == ROSALIS)
    assert rosalis.regulatory_class is RegulatoryClass.UNKNOWN
    assert rosalis.blocks == 1  # class_unknown
    assert rosalis.warnings == 4  # composition, IFU, market, the lot's CoA
    with db.read() as session:
        assert list_products(session)[0].blocks is None


def test_create_writes_the_product_and_one_create_audit_row(db: Database) -> None:
    with db.write() as session:
        stored = save_product(session, NEW, original_name=None, user="tester")
    assert stored.markets == ("KR", "UK")  # normalised as the interchange file has it
    with db.read() as session:
        assert get_product(session, NEW.name) == dataclasses.replace(NEW, markets=("KR", "UK"))
    (event,) = _audit(db, NEW.name)
    assert event.action is AuditAction.CREATE
    assert event.user == "tester"
    assert json.loads(event.new or "")["gtin"] == NEW.gtin


def test_update_writes_one_audit_row_per_changed_field(db: Database) -> None:
    with db.read() as session:
        before = get_product(session, CELVIA)
    edited = dataclasses.replace(
        before,
        regulatory_class=RegulatoryClass.DEVICE_IIB,
        intended_routes=(Route.TOPICAL_POST_PROCEDURE,),
        reconstitution_hours=12,
    )
    with db.write() as session:
        save_product(session, edited, original_name=CELVIA, user="tester", reason="new IFU")
    events = [e for e in _audit(db, CELVIA) if e.action is AuditAction.UPDATE]
    assert {(e.field, e.old, e.new) for e in events} == {
        ("regulatory_class", "device_iii", "device_iib"),
        (
            "intended_routes",
            '["topical_post_procedure", "intradermal"]',
            '["topical_post_procedure"]',
        ),
        ("reconstitution_hours", "24", "12"),
    }
    assert {(e.user, e.reason) for e in events} == {("tester", "new IFU")}
    with db.read() as session:
        assert get_product(session, CELVIA) == edited


def test_saving_an_unchanged_product_writes_no_audit_row(db: Database) -> None:
    with db.read() as session:
        same = get_product(session, CELVIA)
    with db.write() as session:
        save_product(session, same, original_name=CELVIA, user="tester")
    assert [e.action for e in _audit(db, CELVIA)] == [AuditAction.CREATE]


def test_rename_keeps_lots_documents_and_stock(db: Database, demo_db: Path) -> None:
    with db.read() as session:
        before = get_product(session, CELVIA)
        lots = lots_by_product(session)[CELVIA]
    with db.write() as session:
        save_product(
            session,
            dataclasses.replace(before, name="Celvia Lyo 50 (2026)"),
            original_name=CELVIA,
            user="tester",
        )
    with db.read() as session:
        assert lots_by_product(session)["Celvia Lyo 50 (2026)"] == lots
        assert CELVIA not in lots_by_product(session)
        with pytest.raises(UnknownProduct):
            get_product(session, CELVIA)
    # its certificates still cover it: no missing_certificate / missing_ifu after the rename
    assert not {"missing_certificate", "missing_ifu"} & _rules(db, "Celvia Lyo 50 (2026)")
    (rename,) = [e for e in _audit(db, "Celvia Lyo 50 (2026)") if e.field == "name"]
    assert (rename.old, rename.new) == (CELVIA, "Celvia Lyo 50 (2026)")


def test_stock_follows_a_renamed_product(
    db: Database, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with db.read() as session:
        before = get_product(session, CELVIA)
    with db.write() as session:
        save_product(
            session, dataclasses.replace(before, name="Celvia"), original_name=CELVIA, user="t"
        )
    assert main(["stock", "--json", "--db", str(demo_db), "--today", TODAY.isoformat()]) == 0
    products = {row["product"] for row in json.loads(capsys.readouterr().out)}
    assert "Celvia" in products and CELVIA not in products


def test_invalid_gtin_is_refused_naming_the_field(db: Database) -> None:
    bad = dataclasses.replace(NEW, gtin="08801234567890")
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        save_product(session, bad, original_name=None, user="tester")
    assert len(caught.value.problems) == 1
    assert str(caught.value.problems[0]).startswith("gtin: not a valid GTIN: ")
    with db.read() as session, pytest.raises(UnknownProduct):
        get_product(session, NEW.name)


def test_several_bad_fields_are_each_named(db: Database) -> None:
    bad = dataclasses.replace(NEW, name="  ", country="Korea", markets=("UK", "uk"))
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        save_product(session, bad, original_name=None, user="tester")
    fields = [p.field for p in caught.value.problems]
    assert fields == ["name", "country", "markets[1]"]
    assert str(caught.value.problems[0]) == "name: must not be empty"


def test_duplicate_name_is_refused_naming_the_field(db: Database) -> None:
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        save_product(
            session, dataclasses.replace(NEW, name=CELVIA), original_name=None, user="tester"
        )
    assert [str(p) for p in caught.value.problems] == [
        f'name: a product named "{CELVIA}" already exists; choose another name'
    ]


def test_renaming_onto_another_product_is_refused(db: Database) -> None:
    with db.read() as session:
        rosalis = get_product(session, ROSALIS)
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        save_product(
            session, dataclasses.replace(rosalis, name=CELVIA), original_name=ROSALIS, user="t"
        )
    assert str(caught.value.problems[0]).startswith("name: ")


def test_duplicate_gtin_is_refused_naming_the_owner(db: Database) -> None:
    with pytest.raises(InvalidInput) as caught, db.write() as session:
        save_product(
            session, dataclasses.replace(NEW, gtin=CELVIA_GTIN), original_name=None, user="t"
        )
    assert [str(p) for p in caught.value.problems] == [
        f'gtin: {CELVIA_GTIN} already belongs to product "{CELVIA}"'
    ]


def test_keeping_its_own_gtin_on_update_is_fine(db: Database) -> None:
    with db.read() as session:
        celvia = get_product(session, CELVIA)
    assert celvia.gtin == CELVIA_GTIN
    with db.write() as session:
        save_product(
            session,
            dataclasses.replace(celvia, manufacturer="Celvia"),
            original_name=CELVIA,
            user="t",
        )


def test_updating_an_unknown_product_is_refused(db: Database) -> None:
    with pytest.raises(UnknownProduct), db.write() as session:
        save_product(session, NEW, original_name="No such product", user="t")


def test_flags_follow_an_edit_of_the_class(db: Database) -> None:
    assert {"class_unknown", "missing_ifu", "not_for_market"} <= _rules(db, ROSALIS)
    with db.read() as session:
        rosalis = get_product(session, ROSALIS)
    with db.write() as session:
        save_product(
            session,
            dataclasses.replace(
                rosalis,
                regulatory_class=RegulatoryClass.COSMETIC,
                markets=("EU", "UK"),
                composition_documented=True,
            ),
            original_name=ROSALIS,
            user="t",
        )
    after = _rules(db, ROSALIS)
    assert "class_unknown" not in after
    assert "not_for_market" not in after
    assert "composition_undocumented" not in after
    assert "missing_ifu" in after  # still no IFU on file


def test_flags_for_a_product_are_its_product_and_lot_flags_most_severe_first(
    db: Database,
) -> None:
    with db.read() as session:
        flags = flags_for_product(session, CELVIA, TODAY)
    assert {f.product for f in flags} == {CELVIA}
    assert {f.rule for f in flags} == {
        "human_source_review",
        "missing_coa",
        "lot_expired_in_stock",
        "lot_expiring",
    }
    assert [f.severity for f in flags] == sorted(
        (f.severity for f in flags), key=[Severity.BLOCK, Severity.WARN, Severity.INFO].index
    )
    assert all(f.treatment is None for f in flags)
    with db.read() as session, pytest.raises(UnknownProduct):
        flags_for_product(session, "No such product", TODAY)
