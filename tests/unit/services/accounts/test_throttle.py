"""The sign-in throttle on a real SQLite file: wrong passwords counted in the database and kept
in the audit trail, a growing wait after five, a right password resetting the count, and a
name with no account counted exactly like one with an account. Time is passed in: no test
sleeps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from exodesk.db import Database, open_database
from exodesk.models import AuditAction, AuditEvent, Role
from exodesk.models.vocabulary import label, phrase
from exodesk.services.accounts import throttle, users
from exodesk.services.accounts.throttle import TooManyTries
from exodesk.services.audit.log import AuditFilter, events_csv, iter_events, list_events
from exodesk.services.audit.trail import verify_chain

PASSWORD = "correct horse"
T0 = dt.datetime(2026, 12, 1, 9, 0, 0)


@pytest.fixture
def db(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """An admin "Boss" and a practitioner "Dr B"; cheap argon2 settings."""
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))
    database = open_database(str(db_path))
    with database.write() as session:
        users.create_user(session, "Boss", Role.ADMIN, PASSWORD, by=None)
        users.create_user(session, "Dr B", Role.PRACTITIONER, PASSWORD, by="Boss")
    yield database
    database.close()


def _at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def _try(db: Database, name: str, password: str, seconds: float) -> str:
    """What one try at T0 + `seconds` came to: the account's name, or the refusal's text."""
    try:
        return throttle.sign_in(db.write, name, password, via="test", now=_at(seconds)).name
    except (TooManyTries, users.WrongPassword, users.NoActiveAccount) as refused:
        return f"{type(refused).__name__}: {refused}"


def _failed_events(db: Database) -> list[tuple[str | None, str, str | None, str | None]]:
    with db.read() as session:
        return [
            (e.user, e.record_key, e.new, e.reason)
            for e in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == AuditAction.SIGN_IN_FAILED)
                .order_by(AuditEvent.id)
            )
        ]


def test_the_wait_grows_after_five_free_tries() -> None:
    waits = [throttle.wait_after(n) for n in range(12)]
    assert waits == [0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900]
    assert throttle.wait_after(10_000) == throttle.LONGEST_WAIT


def test_each_wrong_password_is_committed_to_the_trail_though_the_sign_in_fails(
    db: Database,
) -> None:
    assert _try(db, "Boss", "not it", 0) == "WrongPassword: wrong password for Boss"
    assert _try(db, "boss", "not it either", 1) == "WrongPassword: wrong password for boss"
    assert _failed_events(db) == [
        (None, "Boss", '{"via": "test"}', "wrong password; not signed in"),
        (None, "Boss", '{"via": "test"}', "wrong password; not signed in"),
    ]
    with db.read() as session:
        assert verify_chain(session)[1] is None
        assert throttle.seconds_to_wait(session, "BOSS", _at(1)) == 0  # 2 of 5 free tries


def test_five_wrong_passwords_make_the_name_wait_and_no_password_is_checked(
    db: Database,
) -> None:
    for second in range(5):
        assert _try(db, "Boss", f"guess {second}", second).startswith("WrongPassword")
    refused = "TooManyTries: too many wrong passwords for Boss: try again in 30 seconds"
    assert _try(db, "Boss", PASSWORD, 4) == refused  # even the right password is not checked
    assert _try(db, "Boss", PASSWORD, 33.5) == refused.replace("30 seconds", "1 seconds")
    assert len(_failed_events(db)) == 5  # a refused try is not checked, so not counted
    assert _try(db, "Dr B", PASSWORD, 5) == "Dr B"  # another name has its own count
    # After the wait: one more try; wrong, it doubles the wait.
    assert _try(db, "Boss", "guess 5", 34).startswith("WrongPassword")
    assert _try(db, "Boss", PASSWORD, 35) == refused.replace("30 seconds", "59 seconds")
    with db.read() as session:
        assert throttle.seconds_to_wait(session, "Boss", _at(94)) == 0


def test_a_right_password_resets_the_count_for_that_name(db: Database) -> None:
    for second in range(4):
        _try(db, "Boss", "nope", second)
    assert _try(db, "Boss", PASSWORD, 10) == "Boss"
    for second in range(4):  # four free tries again, not one
        assert _try(db, "Boss", "nope", 20 + second).startswith("WrongPassword")
    assert _try(db, "Boss", PASSWORD, 30) == "Boss"
    with db.read() as session:
        signed_in = [
            (e.user, e.record_key, e.reason)
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.action == AuditAction.SIGNED_IN)
            )
        ]
    assert signed_in == [
        ("Boss", "Boss", "signed in after 4 wrong passwords"),
        ("Boss", "Boss", "signed in after 4 wrong passwords"),
    ]
    assert _try(db, "Boss", PASSWORD, 40) == "Boss"  # nothing to reset: nothing written
    with db.read() as session:
        assert len(session.scalars(select(AuditEvent.id)).all()) == 2 + 8 + 2


def test_old_wrong_passwords_are_forgotten(db: Database) -> None:
    for second in range(5):
        _try(db, "Boss", "nope", second)
    with db.read() as session:
        assert throttle.seconds_to_wait(session, "Boss", _at(10)) == 24
        a_day_later = _at(throttle.FORGET_AFTER.total_seconds() + 5)
        assert throttle.seconds_to_wait(session, "Boss", a_day_later) == 0


def test_a_name_without_an_account_is_throttled_exactly_like_one_with_an_account(
    db: Database,
) -> None:
    with db.write() as session:
        users.deactivate(session, "Dr B", by="Boss")
    said: dict[str, list[str]] = {}
    for name in ("Boss", "Nobody", "Dr B"):  # an account, none, a deactivated one
        said[name] = [_try(db, name, "nope", second).split(":")[0] for second in range(5)] + [
            _try(db, name, PASSWORD, 5).replace(name, "NAME")
        ]
    wait = "TooManyTries: too many wrong passwords for NAME: try again in 29 seconds"
    assert said["Boss"] == ["WrongPassword"] * 5 + [wait]
    assert said["Nobody"] == ["NoActiveAccount"] * 5 + [wait]
    assert said["Dr B"] == said["Nobody"]
    with db.read() as session:
        waits = {n: throttle.seconds_to_wait(session, n, _at(9)) for n in ("Boss", "nobody")}
    assert waits == {"Boss": 25, "nobody": 25}
    reasons = {key: reason for _user, key, _new, reason in _failed_events(db)}
    assert reasons == {
        "Boss": "wrong password; not signed in",
        "Nobody": "no active account of that name; not signed in",
        "Dr B": "no active account of that name; not signed in",
    }


def test_wrong_passwords_for_other_names_never_lock_a_real_account_out(db: Database) -> None:
    for n in range(200):  # someone at a terminal, trying to lock the clinic out
        assert _try(db, f"guess{n}", "nope", n).startswith("NoActiveAccount")
    assert _try(db, "Boss", PASSWORD, 200) == "Boss"


def test_failed_sign_ins_read_sensibly_in_the_audit_view_and_csv(db: Database) -> None:
    _try(db, "Boss", "nope", 0)
    with db.read() as session:
        row = list_events(session, AuditFilter(record="user"), limit=1)[0]
        csv_text = events_csv(iter_events(session, AuditFilter(record="user")))
    assert (row.user, row.action, row.record_key) == (None, AuditAction.SIGN_IN_FAILED, "Boss")
    assert ",sign_in_failed,user,Boss,," in csv_text
    assert PASSWORD not in csv_text and "nope" not in csv_text
    assert label(AuditAction.SIGN_IN_FAILED) == "Sign-in refused"
    assert phrase(AuditAction.SIGN_IN_FAILED) == "tried to sign in as"
    assert label(AuditAction.SIGNED_IN) == "Signed in"
