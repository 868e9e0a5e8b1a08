"""Bulk inserts hand back the ids of exactly the rows they inserted."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from exodesk.db import open_database
from exodesk.models import Location
from exodesk.services.bulk import insert_returning, insert_rows


def test_insert_returning_names_each_new_row_and_only_those(db_path: Path) -> None:
    db = open_database(str(db_path))
    try:
        with db.write() as session:
            insert_rows(session, Location, [{"name": "Fridge A"}, {"name": "Fridge B"}])
        with db.write() as session:
            names = [f"Shelf {i}" for i in range(2500)]  # more than one batch of VALUES
            returned = insert_returning(
                session, Location, [{"name": n} for n in names], "name", "id"
            )
            stored = dict(session.execute(select(Location.name, Location.id)).all())
        assert sorted(returned) == sorted((n, stored[n]) for n in names)
        assert len({i for _, i in returned}) == len(names)
    finally:
        db.close()


def test_insert_returning_nothing_inserts_nothing(db_path: Path) -> None:
    db = open_database(str(db_path))
    try:
        with db.write() as session:
            assert insert_returning(session, Location, [], "id") == []
            assert session.scalars(select(Location.id)).all() == []
    finally:
        db.close()
