"""Many rows at once with Core executemany (the ORM's per-row bookkeeping costs 5x at
100,000 rows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session


def _table(model: Any) -> Table:
    return model if isinstance(model, Table) else model.__table__


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert plain dict rows into a mapped class's table (or a Table); nothing if empty."""
    if rows:
        session.execute(_table(model).insert(), rows)


def insert_returning(
    session: Session, model: Any, rows: list[dict[str, Any]], *columns: str
) -> list[tuple[Any, ...]]:
    """Insert like `insert_rows` and return the named columns of every new row, from the
    INSERT … RETURNING itself (so rows another writer adds meanwhile are never among them).
    The rows come back in no set order (ordering costs one statement per row on SQLite):
    name a unique key among `columns` to match each id to its row."""
    if not rows:
        return []
    table = _table(model)
    query = table.insert().returning(*(table.c[name] for name in columns))
    return [tuple(row) for row in session.execute(query, rows)]
