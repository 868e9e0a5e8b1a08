"""The migrations are the only source of the schema: they must build exactly the models."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from exodesk.db import alembic_config, open_database
from exodesk.db_identity import head_revision
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
    """A database written by revision 0001 (filled with that era's SQL) opens at head, keeps
    its records, and its old audit events get a valid hash chain."""
    import sqlite3

    from exodesk.db import make_engine
    from exodesk.services.audit.trail import verify_chain
    from exodesk.services.interchange.export import export_document

    engine = make_engine(str(db_path))
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    with sqlite3.connect(db_path) as raw:
        raw.executescript("""
            INSERT INTO location (id, name) VALUES (1, 'Fridge A');
            INSERT INTO product (id, name, source_type, form, regulatory_class, intended_routes,
                periorbital_approved, markets, composition_documented)
              VALUES (1, 'Old Exo', 'plant', 'cream', 'cosmetic', '["intradermal"]', 0,
                      '["UK"]', 1);
            INSERT INTO lot (id, product_id, code, expiry, received, initial_status,
                location_id) VALUES (1, 1, 'L1', '2027-01-31', '2026-01-02', 'released', 1);
            INSERT INTO movement (lot_id, date, kind, quantity, reason, recorded_at)
              VALUES (1, '2026-01-02', 'receipt', 5, 'received', '2026-01-02 09:00:00.000000');
            INSERT INTO audit_event (at, user, action, record, record_key, new, reason) VALUES
              ('2026-01-02 09:00:00.000000', 'old', 'create', 'product', 'Old Exo', '{}', 'x'),
              ('2026-01-02 09:00:01.500000', 'old', 'create', 'lot', 'Old Exo / L1', '{}', 'x');
        """)
    raw.close()

    db = open_database(str(db_path))
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    with db.read() as session:
        exported = export_document(session)
        checked, broken = verify_chain(session)
    db.close()
    assert [p["name"] for p in exported["products"]] == ["Old Exo"]
    assert exported["lots"][0]["quantity"] == 5
    assert (checked, broken) == (2, None)
    assert _diff(db_path) == []


def test_the_revisions_read_from_the_scripts_are_alembics() -> None:
    """Opening reads the newest revision from the scripts' own lines, without Alembic."""
    from alembic.script import ScriptDirectory

    from exodesk.db import alembic_config
    from exodesk.db_identity import head_revision, our_revisions

    scripts = ScriptDirectory.from_config(alembic_config())
    assert head_revision() == scripts.get_current_head()
    assert our_revisions() == {rev.revision for rev in scripts.walk_revisions()}
