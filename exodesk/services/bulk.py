"""Many rows at once with Core executemany (the ORM's per-row bookkeeping costs 5x at
100,000 rows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert plain dict rows into a mapped class's table (or a Table); nothing if empty."""
    if rows:
        table = model if isinstance(model, Table) else model.__table__
        session.execute(table.insert(), rows)
