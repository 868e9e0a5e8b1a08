"""Migration 0006 on an older database that already had accounts: it gets `accounts_since`,
so emptying its accounts table afterwards (or before: the trail remembers) opens nothing."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from alembic import command

from exodesk.db import alembic_config, make_engine, open_database
from exodesk.models import Role
from exodesk.services.accounts import users
from exodesk.services.accounts.users import NobodyCanSignIn, Permission
from exodesk.services.facts import accounts_since


def _database_at_0005(db_path: Path, sql: str) -> None:
    engine = make_engine(str(db_path))
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005")
    engine.dispose()
    with contextlib.closing(sqlite3.connect(db_path)) as raw, raw:
        raw.executescript(sql)


ADMIN_0005 = """
    INSERT INTO user_account (name, role, password_hash, active, created_at)
      VALUES ('Boss', 'admin', '$argon2id$v=19$m=65536,t=3,p=4$x$y', 1,
              '2026-03-04 10:11:12.000000');
    INSERT INTO audit_event (at, user, action, record, record_key, new, reason, hash)
      VALUES ('2026-03-04 10:11:12.000000', 'Boss', 'create', 'user', 'Boss',
              '{"name": "Boss", "role": "admin"}', 'account created (the first admin)', 'x');
"""


@pytest.mark.parametrize(
    "before", ["", "DELETE FROM user_account;"], ids=["accounts", "accounts-deleted-before"]
)
def test_an_older_database_with_accounts_keeps_them_after_0006(db_path: Path, before: str) -> None:
    _database_at_0005(db_path, ADMIN_0005 + before)
    db = open_database(str(db_path))
    try:
        with db.read() as session:
            since = accounts_since(session)
        assert since is not None and since.isoformat() == "2026-03-04T10:11:12"
        with contextlib.closing(sqlite3.connect(db_path)) as raw, raw:
            raw.execute("DELETE FROM user_account")
        with db.write() as session:
            assert users.accounts_exist(session)
            with pytest.raises(NobodyCanSignIn):
                users.require(session, None, Permission.IMPORT)
            with pytest.raises(NobodyCanSignIn):
                users.create_user(session, "Mallory", Role.ADMIN, "a long password", by=None)
    finally:
        db.close()


def test_an_older_database_without_accounts_stays_single_user(db_path: Path) -> None:
    _database_at_0005(db_path, "")
    db = open_database(str(db_path))
    try:
        with db.write() as session:
            assert accounts_since(session) is None
            assert not users.accounts_exist(session)
            users.require(session, None, Permission.IMPORT)
    finally:
        db.close()
