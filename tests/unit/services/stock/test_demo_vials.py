"""The demo's open vials, opened through the service on the demo clinic: one with time left,
one in its last hour, one past its window."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import DEMO_TODAY

from exodesk.db import open_database
from exodesk.demo.vials import PRODUCT, open_demo_vials
from exodesk.services.stock.vials import open_vials

NOW = dt.datetime.combine(DEMO_TODAY, dt.time(14, 20))


def test_three_vials_open_one_of_each_state(demo_db: Path) -> None:
    db = open_database(str(demo_db))
    try:
        with db.write() as session:
            opened = open_demo_vials(session, NOW)
        with db.read() as session:
            rows = open_vials(session)
    finally:
        db.close()
    assert [r.ref for r in rows] == [r.ref for r in opened] and len(rows) == 3
    assert {r.product for r in rows} == {PRODUCT}
    assert [r.state(NOW) for r in rows] == ["expired", "last hour", "open"]
    assert rows[0].use_by == NOW - dt.timedelta(hours=1)
