"""A database that has ever had accounts never falls back to "no accounts, everyone may do
everything": not when its accounts are deleted or deactivated with sqlite3 behind ExoDesk's
back. And password events carry a fingerprint of the hash (never the hash, never the
password), so an audit replay can tell a hash edited outside ExoDesk."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sample_files import base_document
from sqlalchemy import select

from exodesk.db import Database, open_database
from exodesk.models import AuditEvent, Role, User
from exodesk.services.accounts import users
from exodesk.services.accounts.users import NobodyCanSignIn, Permission
from exodesk.services.errors import NotPermitted
from exodesk.services.facts import accounts_since
from exodesk.services.interchange.export import export_document
from exodesk.services.interchange.importer import import_bytes

PASSWORD = "correct horse"
WEAK = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def db(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The base document, an admin "Boss" and a practitioner "Dr B"."""
    monkeypatch.setattr(users, "HASHER", WEAK)
    database = open_database(str(db_path))
    with database.write() as session:
        import_bytes(session, json.dumps(base_document()), user="setup", source="base")
        users.create_user(session, "Boss", Role.ADMIN, PASSWORD, by=None)
        users.create_user(session, "Dr B", Role.PRACTITIONER, PASSWORD, by="Boss")
    yield database
    database.close()


def _behind_the_back(db_path: Path, sql: str) -> None:
    with contextlib.closing(sqlite3.connect(db_path)) as raw, raw:
        raw.executescript(sql)


def _assert_shut(db: Database) -> None:
    """Every write refused, naming the way out; no first admin; reads still work."""
    with db.write() as session:
        assert users.accounts_exist(session)
        assert not users.active_accounts_exist(session)
        for who in (None, "Boss", "whoever"):
            for permission in Permission:
                with pytest.raises(NobodyCanSignIn, match="restore a backup that has the acc"):
                    users.require(session, who, permission)
        with pytest.raises(NobodyCanSignIn):
            users.create_user(session, "Mallory", Role.ADMIN, PASSWORD, by=None)
        with pytest.raises(NobodyCanSignIn):
            users.create_user(session, "Mallory", Role.ADMIN, PASSWORD, by="Mallory")
    with db.read() as session:
        assert [p["name"] for p in export_document(session)["locations"]]
        assert session.scalar(select(User.id).where(User.name == "Mallory")) is None


def test_the_first_account_marks_the_database_for_good(db: Database) -> None:
    with db.read() as session:
        since = accounts_since(session)
        first = session.scalars(select(User.created_at).order_by(User.id)).first()
    assert since is not None and first is not None
    assert since == first.replace(microsecond=0)


def test_emptying_the_accounts_table_behind_exodesks_back_opens_nothing(
    db: Database, db_path: Path
) -> None:
    _behind_the_back(db_path, "DELETE FROM user_account;")
    _assert_shut(db)


def test_deactivating_every_account_behind_exodesks_back_opens_nothing(
    db: Database, db_path: Path
) -> None:
    _behind_the_back(db_path, "UPDATE user_account SET active = 0;")
    _assert_shut(db)
    with db.write() as session:
        with pytest.raises(users.NoActiveAccount):
            users.sign_in(session, "Boss", PASSWORD)


def test_any_one_of_the_three_signs_keeps_the_accounts(db: Database, db_path: Path) -> None:
    """The fact, an account row (even deactivated), or the trail's record of one being made."""
    _behind_the_back(db_path, "DELETE FROM database_fact WHERE name = 'accounts_since';")
    with db.read() as session:
        assert users.accounts_exist(session)  # the rows
    _behind_the_back(db_path, "DELETE FROM user_account;")
    with db.read() as session:
        assert users.accounts_exist(session)  # the audit trail (append-only)
    _assert_shut(db)


def test_a_database_that_never_had_accounts_stays_single_user(db_path: Path) -> None:
    db = open_database(str(db_path))
    try:
        with db.write() as session:
            assert not users.accounts_exist(session)
            users.require(session, None, Permission.MANAGE_USERS)
            users.refuse_if_nobody_can_sign_in(session)
    finally:
        db.close()


def test_with_one_active_account_left_it_works_as_before(db: Database, db_path: Path) -> None:
    _behind_the_back(db_path, "UPDATE user_account SET active = 0 WHERE name = 'Dr B';")
    with db.write() as session:
        users.require(session, "Boss", Permission.MANAGE_USERS)
        with pytest.raises(NotPermitted, match="Dr B has no active account"):
            users.require(session, "Dr B", Permission.RECORD_TREATMENT)


# -- fingerprints ----------------------------------------------------------------------------


def _password_events(db: Database) -> list[tuple[str, str, str | None, str | None, str | None]]:
    with db.read() as session:
        return [
            (e.action.value, e.record_key, e.old, e.new, e.reason)
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.record == "user").order_by(AuditEvent.id)
            )
        ]


def _hash(db: Database, name: str) -> str:
    with db.read() as session:
        return str(session.scalar(select(User.password_hash).where(User.name == name)))


def _fp(password_hash: str) -> str:
    return "fp:" + users.password_fingerprint(password_hash)


def test_the_fingerprint_is_a_short_sha256_of_the_hash() -> None:
    assert users.password_fingerprint("$argon2id$x") == "35af7f470575d37c"
    assert len(users.password_fingerprint("abc")) == 16
    assert users.password_fingerprint("a") != users.password_fingerprint("b")


def test_password_events_carry_the_fingerprint_never_the_hash(db: Database) -> None:
    first = _hash(db, "Dr B")
    with db.write() as session:
        users.set_password(session, "Dr B", "another secret", by="Boss")
    second = _hash(db, "Dr B")
    events = _password_events(db)
    created = json.loads(str(events[1][3]))
    assert created == {"name": "Dr B", "role": "practitioner", "password": _fp(first)}
    assert events[2] == (
        "update",
        "Dr B",
        _fp(first),
        _fp(second),
        "password changed by Boss",
    )
    trail = json.dumps(events)
    for secret in (PASSWORD, "another secret", first, second, "$argon2"):
        assert secret not in trail


def test_an_upgraded_hash_is_recorded_with_its_new_fingerprint(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    weak = _hash(db, "Boss")
    monkeypatch.setattr(users, "HASHER", PasswordHasher())  # today's settings are stronger
    with db.write() as session:
        assert users.authenticate(session, "Boss", PASSWORD) is not None
    upgraded = _hash(db, "Boss")
    assert upgraded != weak
    assert _password_events(db)[-1] == (
        "update",
        "Boss",
        _fp(weak),
        _fp(upgraded),
        "password hash upgraded to today's settings",
    )
    with db.write() as session:  # no second upgrade, no second event
        assert users.authenticate(session, "Boss", PASSWORD) is not None
    assert len(_password_events(db)) == 3
