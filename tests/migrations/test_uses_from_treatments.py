"""Migration 0013: a treatment is its own use of the lot. The "use" movement rows go, after
each is checked against its treatment; open stock counts keep reconciling correctly."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from alembic import command

from exodesk.db import DatabaseRefused, alembic_config, make_engine, open_database
from exodesk.models import StockCount
from exodesk.services.stock.ledger import lot_ledger
from exodesk.services.stock.on_hand import on_hand_totals

AT_0012 = """
    INSERT INTO product (id, name, source_type, form, regulatory_class, intended_routes,
                         periorbital_approved, markets, composition_documented)
      VALUES (1, 'Exo', 'plant', 'cream', 'cosmetic', '["topical"]', 0, '[]', 1);
    INSERT INTO lot (id, product_id, code, expiry, received, initial_status)
      VALUES (1, 1, 'L1', '2030-01-01', '2026-01-01', 'released');
    INSERT INTO treatment (id, ref, date, lot_id, patient, practitioner, route, vials,
                           recorded_at, void_on, void_by, void_reason)
      VALUES (1, 'T-0001', '2026-01-02', 1, 'P-1', 'Dr A', 'topical', 2,
              '2026-01-02 09:00:00', NULL, NULL, NULL),
             (2, 'T-0002', '2026-01-03', 1, 'P-2', 'Dr A', 'topical', 3,
              '2026-01-03 09:00:00', '2026-01-04', 'Dr A', 'wrong patient'),
             (3, 'T-0003', '2026-01-05', 1, 'P-3', 'Dr A', 'topical', 1,
              '2026-01-05 09:00:00', NULL, NULL, NULL);
    INSERT INTO movement (id, ref, lot_id, date, kind, quantity, reason, treatment_id,
                          recorded_at, void_on, void_by, void_reason)
      VALUES (1, NULL, 1, '2026-01-01', 'receipt', 10, 'received', NULL,
              '2026-01-01 09:00:00', NULL, NULL, NULL),
             (2, NULL, 1, '2026-01-02', 'use', -2, NULL, 1,
              '2026-01-02 09:00:00', NULL, NULL, NULL),
             (3, NULL, 1, '2026-01-03', 'use', -3, NULL, 2,
              '2026-01-03 09:00:00', '2026-01-04', 'Dr A', 'wrong patient'),
             (4, 'M-000001', 1, '2026-01-03', 'waste', -1, 'cracked', NULL,
              '2026-01-03 10:00:00', NULL, NULL, NULL),
             (5, NULL, 1, '2026-01-05', 'use', -1, NULL, 3,
              '2026-01-05 09:00:00', NULL, NULL, NULL);
    -- opened after T-0001 and the waste, before T-0003
    INSERT INTO stock_count (id, location_id, count_date, opened_at, movement_watermark)
      VALUES (1, NULL, '2026-01-04', '2026-01-04 08:00:00', 4),
             (2, NULL, '2026-01-06', '2026-01-06 08:00:00', 5);
"""


def _at_0012(db_path: Path, *extra: str) -> None:
    engine = make_engine(str(db_path))
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0012")
    engine.dispose()
    with contextlib.closing(sqlite3.connect(db_path)) as raw, raw:
        raw.executescript(AT_0012)
        for sql in extra:
            raw.execute(sql)


def _movements(db_path: Path) -> list[tuple[int, str]]:
    with contextlib.closing(sqlite3.connect(db_path)) as raw:
        return raw.execute("SELECT id, kind FROM movement ORDER BY id").fetchall()


def test_use_rows_go_and_stock_on_hand_stays(db_path: Path) -> None:
    _at_0012(db_path)
    db = open_database(str(db_path))
    try:
        assert _movements(db_path) == [(1, "receipt"), (4, "waste")]
        with db.read() as session:
            assert on_hand_totals(session) == {1: 10 - 2 - 1 - 1}
            assert on_hand_totals(session, [1]) == {1: 6}
            ledger = sorted((e.date.day, e.quantity, e.label) for e in lot_ledger(session, 1))
            assert ledger == [(1, 10, "receipt"), (2, -2, "use"), (3, -1, "waste"), (5, -1, "use")]
            marks = {
                c.id: (c.movement_watermark, c.treatment_watermark)
                for c in session.query(StockCount)
            }
        # the first count saw the receipt, T-0001, T-0002 and the waste; the second all of it
        assert marks == {1: (4, 2), 2: (4, 3)}
    finally:
        db.close()


def test_a_use_row_that_disagrees_with_its_treatment_stops_it_unchanged(db_path: Path) -> None:
    _at_0012(db_path, "UPDATE movement SET quantity = -5 WHERE id = 5")
    before = db_path.read_bytes()
    with pytest.raises(DatabaseRefused, match=r"T-0003.*nothing was changed"):
        open_database(str(db_path))
    assert _movements(db_path) == [
        (1, "receipt"),
        (2, "use"),
        (3, "use"),
        (4, "waste"),
        (5, "use"),
    ]
    with contextlib.closing(sqlite3.connect(db_path)) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone() == ("0012",)
    assert len(db_path.read_bytes()) == len(before)


def test_a_treatment_without_a_use_row_stops_it(db_path: Path) -> None:
    _at_0012(db_path, "DELETE FROM movement WHERE id = 2")
    disagree = r"1 treatment\(s\) and their stock use disagree \(T-0001\)"
    with pytest.raises(DatabaseRefused, match=disagree):
        open_database(str(db_path))
