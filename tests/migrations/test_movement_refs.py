"""Migration 0008: a waste, adjustment, status change or transfer written without a reference
gets the next free one, so it can be voided and exported; receipts and uses keep none."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

from alembic import command

from exodesk.db import alembic_config, make_engine, open_database
from exodesk.services.stock.voiding import void_movement

AT_0007 = """
    INSERT INTO product (id, name, source_type, form, regulatory_class, intended_routes,
                         periorbital_approved, markets, composition_documented)
      VALUES (1, 'Exo', 'plant', 'cream', 'cosmetic', '[]', 0, '[]', 1);
    INSERT INTO lot (id, product_id, code, expiry, received, initial_status)
      VALUES (1, 1, 'L1', '2030-01-01', '2026-01-01', 'released');
    INSERT INTO movement (id, ref, lot_id, date, kind, quantity, reason, recorded_at)
      VALUES (1, NULL, 1, '2026-01-01', 'receipt', 10, 'received', '2026-01-01 09:00:00'),
             (2, 'M-000007', 1, '2026-01-02', 'waste', -1, 'cracked', '2026-01-02 09:00:00'),
             (3, NULL, 1, '2026-01-03', 'adjustment', -2, 'count', '2026-01-03 09:00:00'),
             (4, NULL, 1, '2026-01-04', 'transfer', 0, 'moved', '2026-01-04 09:00:00');
"""


def test_movements_without_a_reference_get_one(db_path: Path) -> None:
    engine = make_engine(str(db_path))
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0007")
    engine.dispose()
    with contextlib.closing(sqlite3.connect(db_path)) as raw, raw:
        raw.executescript(AT_0007)
    db = open_database(str(db_path))
    try:
        with contextlib.closing(sqlite3.connect(db_path)) as raw:
            refs = dict(raw.execute("SELECT id, ref FROM movement ORDER BY id").fetchall())
        assert refs == {1: None, 2: "M-000007", 3: "M-000008", 4: "M-000009"}
        with db.write() as session:
            void_movement(
                session, "M-000008", reason="counted twice", today=dt.date(2026, 2, 1), user=None
            )
    finally:
        db.close()
