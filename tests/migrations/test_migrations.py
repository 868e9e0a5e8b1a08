"""The migrations are the only source of the schema: they must build exactly the models."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from exodesk.db import alembic_config, head_revision, open_database
from exodesk.models import Base


def _diff(db_path: Path) -> list[object]:
    db = open_database(str(db_path))
    try:
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        db.close()


def test_empty_database_upgraded_to_head_matches_the_models(db_path: Path) -> None:
    assert _diff(db_path) == []


def test_opening_stamps_the_head_revision(db_path: Path) -> None:
    db = open_database(str(db_path))
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    db.close()


def test_every_migration_downgrades_and_upgrades_again(db_path: Path) -> None:
    db = open_database(str(db_path))
    cfg = alembic_config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
        assert MigrationContext.configure(conn).get_current_revision() is None
    db.close()
    assert _diff(db_path) == []


def test_an_older_database_is_upgraded_on_open_and_keeps_its_data(db_path: Path) -> None:
    import datetime as dt
    import json

    from exodesk.db import make_engine
    from exodesk.services.demo import demo_document
    from exodesk.services.export import export_document
    from exodesk.services.importer import import_bytes

    engine = make_engine(str(db_path))
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    from sqlalchemy.orm import Session

    engine = make_engine(str(db_path))
    with Session(engine) as session, session.begin():
        demo = json.dumps(demo_document(dt.date(2026, 11, 22)))
        import_bytes(session, demo, user="old", source="demo")
        before = export_document(session)
    engine.dispose()

    db = open_database(str(db_path))
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    with db.read() as session:
        assert export_document(session) == before
    db.close()
    assert _diff(db_path) == []
