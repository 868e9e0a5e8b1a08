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
