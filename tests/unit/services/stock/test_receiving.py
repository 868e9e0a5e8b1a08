"""Receiving deliveries: reading GS1 scans as a keyboard-wedge scanner types them, and booking
boxes into the ledger on a real demo database."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from exodesk.db import Database, open_database
from exodesk.models import AuditAction, AuditEvent, Lot, LotStatus, Movement, MovementKind
from exodesk.services.errors import Conflict, InvalidInput
from exodesk.services.interchange import export
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.queries import location_names, product_names
from exodesk.services.stock.on_hand import StockRow, stock_on_hand
from exodesk.services.stock.receiving import (
    LotConflict,
    ReceiptResult,
    Scan,
    ScanError,
    find_lot,
    find_product_by_gtin,
    parse_scan,
    receive_delivery,
)

GS = "\x1d"
TODAY = dt.date(2026, 11, 22)
CELVIA, CELVIA_GTIN = "Celvia MSC-Exo Lyo 50", "08809531000129"
HAIREXO = "Hairexo Scalp Booster"


# --------------------------------------------------------------------------------------------
# parse_scan
# --------------------------------------------------------------------------------------------
EXPECTED = Scan(CELVIA_GTIN, "CV-7001A", dt.date(2028, 6, 30), None)


@pytest.mark.parametrize(
    "code",
    [
        f"]d201{CELVIA_GTIN}1728063010CV-7001A",  # with the DataMatrix symbology prefix
        f"01{CELVIA_GTIN}1728063010CV-7001A",  # without it
        f"01{CELVIA_GTIN}1728063010CV-7001A{GS}",  # a separator after the last field
        f"01{CELVIA_GTIN}10CV-7001A{GS}17280630",  # lot first, ended by a separator
        f"  01{CELVIA_GTIN}1728063010CV-7001A\r\n",  # the scanner's line end
        f"01{CELVIA_GTIN}10CV-7001A<GS>17280630",  # separator typed as text
        f"01{CELVIA_GTIN}10CV-7001A^]17280630",
        f"https://id.gs1.org/01/{CELVIA_GTIN}/10/CV-7001A?17=280630",  # GS1 Digital Link
        f"(01){CELVIA_GTIN}(17)280630(10)CV-7001A",  # typed from the text under the code
        f"(01){CELVIA_GTIN}(10)CV-7001A(17)280630",
    ],
)
def test_a_scan_reads_the_same_however_the_scanner_types_it(code: str) -> None:
    assert parse_scan(code) == EXPECTED


def test_a_serial_after_the_lot_needs_the_separator() -> None:
    scan = parse_scan(f"]d201{CELVIA_GTIN}17280630\x1d10CV-7001A{GS}21SN-0042")
    assert scan == Scan(CELVIA_GTIN, "CV-7001A", dt.date(2028, 6, 30), "SN-0042")


@pytest.mark.parametrize(
    ("yymmdd", "expiry"),
    [("280600", dt.date(2028, 6, 30)), ("280200", dt.date(2028, 2, 29)),
     ("270200", dt.date(2027, 2, 28)), ("281231", dt.date(2028, 12, 31))],
)  # fmt: skip
def test_day_00_of_an_expiry_is_the_end_of_the_month(yymmdd: str, expiry: dt.date) -> None:
    assert parse_scan(f"01{CELVIA_GTIN}17{yymmdd}10L1").expiry == expiry


def test_a_plain_ean13_gives_the_gtin_padded_to_14_digits() -> None:
    assert parse_scan("8809531000129") == Scan(CELVIA_GTIN, None, None, None)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("0108809531000120172806301" + "0L1", "the check digit of GTIN 08809531000120 is wrong"),
        ("8809531000120", "the check digit of GTIN 8809531000120 is wrong"),
        (f"]d21728063010L1{GS}21S1", "no GTIN (01) in the scan"),
        (f"01{CELVIA_GTIN}1726130110L1", "expiry 26-13-01 is not a date"),
        (f"01{CELVIA_GTIN}1728023010L1", "expiry 28-02-30 is not a date"),
        (f"01{CELVIA_GTIN}172806", "the expiry (17) is cut short"),
        ("hello world", "not a GS1 code"),
        ("(01)123(17)2806", "cannot read the code as typed"),
        ("]d2hello", "not a GS1 code"),
        ("", "the scan is empty"),
        (f"  {GS} ", "the scan is empty"),
        (f"01{CELVIA_GTIN}10{'A' * 25}", "not a GS1 code: cannot read 'AAAAA'"),
    ],
)
def test_an_unreadable_scan_says_why(code: str, reason: str) -> None:
    with pytest.raises(ScanError) as caught:
        parse_scan(code)
    assert str(caught.value).startswith(reason)
    assert isinstance(caught.value, InvalidInput) and caught.value.reason.startswith(reason)


def test_a_lot_that_runs_into_the_expiry_is_refused_not_misread() -> None:
    """No separator after a lot in the middle: the lot would swallow the expiry."""
    with pytest.raises(ScanError, match=r"runs into the expiry \(17\).*separator"):
        parse_scan(f"01{CELVIA_GTIN}10CV-7001A17280630")


# --------------------------------------------------------------------------------------------
# Look-ups
# --------------------------------------------------------------------------------------------
@pytest.fixture
def db(demo_db: Path) -> Iterator[Database]:
    database = open_database(str(demo_db))
    yield database
    database.close()


@pytest.mark.parametrize("gtin", [CELVIA_GTIN, CELVIA_GTIN[1:], f" {CELVIA_GTIN} "])
def test_a_gtin13_and_its_zero_padded_gtin14_find_the_same_product(db: Database, gtin: str) -> None:
    with db.read() as session:
        found = find_product_by_gtin(session, gtin)
    assert found is not None and (found.name, found.gtin) == (CELVIA, CELVIA_GTIN)


@pytest.mark.parametrize("gtin", ["04006381333931", "not a gtin", "", "123456789012345"])
def test_an_unknown_gtin_finds_nothing(db: Database, gtin: str) -> None:
    with db.read() as session:
        assert find_product_by_gtin(session, gtin) is None


def test_locations_and_products_are_listed_by_name(db: Database) -> None:
    with db.read() as session:
        assert location_names(session) == ["Fridge A", "Fridge B", "Treatment room fridge"]
        names = product_names(session)
    assert names == sorted(names) and len(names) == 11 and CELVIA in names


# --------------------------------------------------------------------------------------------
# receive_delivery
# --------------------------------------------------------------------------------------------
def _receive(db: Database, **changes: Any) -> ReceiptResult:
    args: dict[str, Any] = {
        "product": CELVIA,
        "lot": "CV-7001A",
        "expiry": dt.date(2028, 6, 30),
        "quantity": 5,
        "location": "Fridge A",
        "received": TODAY,
        "user": "stella",
    } | changes
    with db.write() as session:
        return receive_delivery(session, **args)


def _stock(db: Database, lot: str) -> StockRow | None:
    with db.read() as session:
        rows = [r for r in stock_on_hand(session, include_empty=True) if r.lot == lot]
    return rows[0] if rows else None


def _snapshot(db: Database) -> tuple[int, int, int]:
    with db.read() as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (Lot, Movement, AuditEvent)
        )


def _audit(db: Database, key: str) -> list[AuditEvent]:
    with db.read() as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.record_key == key).order_by(AuditEvent.id)
            )
        )


def test_a_new_lot_is_created_in_quarantine_with_a_receipt(db: Database) -> None:
    result = _receive(db)
    assert result == ReceiptResult(
        CELVIA, "CV-7001A", dt.date(2028, 6, 30), 5, "Fridge A", LotStatus.QUARANTINE,
        TODAY, new_lot=True, on_hand=5,
    )  # fmt: skip
    assert _stock(db, "CV-7001A") == StockRow(
        CELVIA, "CV-7001A", dt.date(2028, 6, 30), "Fridge A", LotStatus.QUARANTINE, 5
    )
    with db.read() as session:
        moves = session.execute(
            select(Movement.kind, Movement.date, Movement.quantity, Movement.recorded_by)
            .join(Lot, Lot.id == Movement.lot_id)
            .where(Lot.code == "CV-7001A")
        ).all()
    assert moves == [(MovementKind.RECEIPT, TODAY, 5, "stella")]
    [event] = _audit(db, f"{CELVIA} / CV-7001A")
    assert (event.action, event.record, event.user) == (AuditAction.CREATE, "lot", "stella")
    assert json.loads(event.new or "") == {
        "product": CELVIA, "lot": "CV-7001A", "expiry": "2028-06-30", "received": "2026-11-22",
        "quantity": 5, "location": "Fridge A", "status": "quarantine", "void": None,
    }  # fmt: skip


def test_a_new_lot_can_be_received_released(db: Database) -> None:
    result = _receive(db, status=LotStatus.RELEASED, location="Fridge B", lot=" CV-7002 ")
    assert (result.lot, result.status, result.location) == (
        "CV-7002",
        LotStatus.RELEASED,
        "Fridge B",
    )
    stock = _stock(db, "CV-7002")
    assert stock is not None and stock.status is LotStatus.RELEASED


def test_more_boxes_of_the_same_lot_add_another_receipt(db: Database) -> None:
    _receive(db, quantity=5)
    later = TODAY + dt.timedelta(days=1)
    result = _receive(db, quantity=3, received=later, location=None)
    assert (result.new_lot, result.quantity, result.on_hand) == (False, 3, 8)
    assert (result.location, result.status) == ("Fridge A", LotStatus.QUARANTINE)
    stock = _stock(db, "CV-7001A")
    assert stock is not None and stock.on_hand == 8
    with db.read() as session:
        receipts = session.execute(
            select(Movement.date, Movement.quantity)
            .join(Lot, Lot.id == Movement.lot_id)
            .where(Lot.code == "CV-7001A", Movement.kind == MovementKind.RECEIPT)
            .order_by(Movement.id)
        ).all()
    assert receipts == [(TODAY, 5), (later, 3)]
    update = _audit(db, f"{CELVIA} / CV-7001A")[-1]
    assert (update.action, update.field, update.old, update.new) == (
        AuditAction.UPDATE, "quantity", "5", "8",
    )  # fmt: skip


def test_more_boxes_of_a_demo_lot_join_it_where_and_as_it_is(db: Database) -> None:
    """HX-0912 was received into Fridge B, moved to Fridge A, on hold, then released."""
    with db.read() as session:
        before = find_lot(session, HAIREXO, "HX-0912")
    assert before is not None and before.location == "Fridge A"
    result = _receive(
        db, product=HAIREXO, lot="HX-0912", expiry=before.expiry, quantity=2, location=None
    )
    assert (result.location, result.status, result.on_hand) == (
        "Fridge A",
        LotStatus.RELEASED,
        before.on_hand + 2,
    )


def test_a_lot_on_file_with_another_expiry_is_a_conflict_and_nothing_is_written(
    db: Database,
) -> None:
    _receive(db)
    before = _snapshot(db)
    with db.write() as session:  # the transaction commits: the service itself wrote nothing
        with pytest.raises(LotConflict) as caught:
            receive_delivery(
                session, product=CELVIA, lot="CV-7001A", expiry=dt.date(2028, 7, 31),
                quantity=2, location="Fridge A", received=TODAY, user="stella",
            )  # fmt: skip
    message = str(caught.value)
    assert "2028-06-30" in message and "2028-07-31" in message and "CV-7001A" in message
    assert isinstance(caught.value, Conflict)
    assert _snapshot(db) == before
    stock = _stock(db, "CV-7001A")
    assert stock is not None and (stock.expiry, stock.on_hand) == (dt.date(2028, 6, 30), 5)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"quantity": 0}, "quantity", "at least 1"),
        ({"quantity": -3}, "quantity", "at least 1"),
        ({"quantity": 10_001}, "quantity", "check the number"),
        ({"location": "Fridge Z"}, "location", "no storage location named 'Fridge Z'"),
        ({"product": "Exo Nowhere"}, "product", "no product named 'Exo Nowhere'"),
        ({"product": ""}, "product", "choose the product"),
        ({"lot": "  "}, "lot", "enter the lot number"),
        ({"lot": "L" * 101}, "lot", "at most 100"),
        ({"expiry": dt.date(2026, 11, 21)}, "expiry", "expired on 2026-11-21"),
        ({"status": LotStatus.DESTROYED}, "status", "destroyed"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    db: Database, changes: dict[str, Any], field: str, words: str
) -> None:
    before = _snapshot(db)
    with db.write() as session:
        with pytest.raises(InvalidInput) as caught:
            receive_delivery(
                session,
                **{
                    "product": CELVIA, "lot": "CV-7001A", "expiry": dt.date(2028, 6, 30),
                    "quantity": 5, "location": "Fridge A", "received": TODAY, "user": "stella",
                }
                | changes,
            )  # fmt: skip
    [error] = [str(p) for p in caught.value.problems]
    assert error.startswith(f"{field}: ") and words in error
    assert _snapshot(db) == before


def test_a_lot_received_on_its_expiry_day_is_still_good(db: Database) -> None:
    assert _receive(db, expiry=TODAY).expiry == TODAY


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"location": "Fridge B"}, "location"),
        ({"status": LotStatus.RELEASED}, "status"),
        ({"received": TODAY - dt.timedelta(days=1)}, "received"),
    ],
)
def test_more_boxes_cannot_silently_move_release_or_backdate_a_lot(
    db: Database, changes: dict[str, Any], field: str
) -> None:
    _receive(db)
    before = _snapshot(db)
    with pytest.raises(InvalidInput) as caught:
        _receive(db, **changes)
    assert [p.field for p in caught.value.problems] == [field]
    assert _snapshot(db) == before


def test_receipts_survive_the_export_import_round_trip(db: Database, tmp_path: Path) -> None:
    _receive(db, quantity=5)
    _receive(db, quantity=3, received=TODAY + dt.timedelta(days=2))
    with db.read() as session:
        first = export.dumps(export.export_document(session))
        stock = stock_on_hand(session)
    copy = open_database(str(tmp_path / "copy.sqlite"))
    try:
        with copy.write() as session:
            import_bytes(session, first, user="stella", source="round trip")
        with copy.read() as session:
            assert export.dumps(export.export_document(session)) == first
            assert stock_on_hand(session) == stock
    finally:
        copy.close()
    [lot] = [r for r in json.loads(first)["lots"] if r["lot"] == "CV-7001A"]
    assert (lot["quantity"], lot["received"]) == (8, "2026-11-22")
