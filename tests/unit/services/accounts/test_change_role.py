"""Changing an account's role: admins only, audited, and the last active admin stays one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from exodesk.db import Database, open_database
from exodesk.models import AuditEvent
from exodesk.models.enums import Role
from exodesk.services.accounts import users
from exodesk.services.errors import InvalidInput, NotPermitted


@pytest.fixture
def db(db_path: Path) -> Database:
    database = open_database(str(db_path))
    with database.write() as session:
        users.create_user(session, "Ada", Role.ADMIN, "admin password", by=None)
        users.create_user(session, "Priya", Role.PRACTITIONER, "priya password", by="Ada")
    yield database  # type: ignore[misc]
    database.close()


def test_an_admin_changes_a_role_and_the_trail_says_so(db: Database) -> None:
    with db.write() as session:
        account = users.change_role(session, "priya", Role.STOCK_MANAGER, by="Ada")
    assert (account.name, account.role) == ("Priya", Role.STOCK_MANAGER)
    with db.read() as session:
        assert users.get_user(session, "Priya").role is Role.STOCK_MANAGER
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.field == "role").order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None
    assert (event.user, event.old, event.new) == ("Ada", "practitioner", "stock_manager")
    assert event.reason == "role changed from practitioner to stock manager"


def test_the_last_active_admin_keeps_the_admin_role(db: Database) -> None:
    with pytest.raises(InvalidInput, match="last active admin"), db.write() as session:
        users.change_role(session, "Ada", Role.AUDITOR, by="Ada")
    with db.write() as session:
        users.change_role(session, "Priya", Role.ADMIN, by="Ada")
    with db.write() as session:  # now there are two: one may step down
        users.change_role(session, "Ada", Role.AUDITOR, by="Priya")


def test_only_an_admin_changes_roles_and_the_role_must_differ(db: Database) -> None:
    with pytest.raises(NotPermitted, match="managing user accounts"), db.write() as session:
        users.change_role(session, "Priya", Role.ADMIN, by="Priya")
    with pytest.raises(InvalidInput, match="already a practitioner"), db.write() as session:
        users.change_role(session, "Priya", Role.PRACTITIONER, by="Ada")
    with pytest.raises(users.UnknownUser), db.write() as session:
        users.change_role(session, "Nobody", Role.ADMIN, by="Ada")
    with pytest.raises(InvalidInput, match="must be one of"), db.write() as session:
        users.change_role(session, "Priya", "boss", by="Ada")
