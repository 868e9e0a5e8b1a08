"""Accounts on the command line: `exodesk user …`, writing commands signing in once the
database has accounts, and a single-user database working exactly as before."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from exodesk.cli import main
from exodesk.db import open_database
from exodesk.services.accounts import throttle, users
from exodesk.services.audit.log import AuditFilter, list_events
from exodesk.services.audit.trail import utc_now

ADMIN_PASSWORD = "admin secret"
DOC_PASSWORD = "doctor secret"
EXTRA = {"format": "exodesk/1", "locations": [{"name": "Cabinet C"}]}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EXODESK_USER", "EXODESK_PASSWORD", "EXODESK_NEW_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def run(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """`exodesk ARGS --db demo_db` in-process, with the given environment variables."""

    def call(*args: str, **env: str) -> int:
        with monkeypatch.context() as m:
            for name, value in env.items():
                m.setenv(name, value)
            return main([*args, "--db", str(demo_db)])

    return call


@pytest.fixture
def staffed(run: Callable[..., int]) -> Callable[..., int]:
    """The demo clinic with an admin ("Boss") and a practitioner ("Dr B")."""
    assert run("user", "add", "Boss", "--role", "admin", EXODESK_PASSWORD=ADMIN_PASSWORD) == 0
    assert (
        run(
            "user",
            "add",
            "Dr B",
            "--role",
            "practitioner",
            "--user",
            "Boss",
            EXODESK_PASSWORD=ADMIN_PASSWORD,
            EXODESK_NEW_PASSWORD=DOC_PASSWORD,
        )
        == 0
    )
    return run


def _last_event(demo_db: Path) -> Any:
    db = open_database(str(demo_db))
    with db.read() as session:
        event = list_events(session, AuditFilter(), limit=1)[0]
    db.close()
    return event


def test_user_add_takes_the_password_from_the_environment(
    run: Callable[..., int], capsys: pytest.CaptureFixture[str], demo_db: Path
) -> None:
    assert run("user", "list") == 0
    assert "No accounts" in capsys.readouterr().out
    assert run("user", "add", "Boss", "--role", "admin", EXODESK_PASSWORD=ADMIN_PASSWORD) == 0
    assert "Added the account Boss (admin)" in capsys.readouterr().out
    assert run("user", "list") == 0
    listing = capsys.readouterr().out
    assert "Boss" in listing and "admin" in listing and ADMIN_PASSWORD not in listing
    db = open_database(str(demo_db))
    with db.write() as session:
        assert users.authenticate(session, "Boss", ADMIN_PASSWORD) is not None
    db.close()


def test_import_as_a_practitioner_is_refused_as_the_admin_accepted(
    staffed: Callable[..., int],
    write_json: Any,
    capsys: pytest.CaptureFixture[str],
    demo_db: Path,
) -> None:
    path = str(write_json(EXTRA))
    capsys.readouterr()
    assert staffed("import", path, "--user", "Dr B", EXODESK_PASSWORD=DOC_PASSWORD) == 2
    err = capsys.readouterr().err
    assert "Dr B is a practitioner; importing a file needs the admin role" in err
    assert "Traceback" not in err
    assert staffed("import", path, "--user", "Boss", EXODESK_PASSWORD=ADMIN_PASSWORD) == 0
    assert "1 locations" in capsys.readouterr().out
    event = _last_event(demo_db)
    assert (event.user, event.record, event.record_key) == ("Boss", "location", "Cabinet C")


def test_a_wrong_password_exits_2_naming_the_account(
    staffed: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert staffed("count", "start", "--user", "Boss", EXODESK_PASSWORD="not it") == 2
    err = capsys.readouterr().err
    assert "wrong password for Boss" in err and "Traceback" not in err
    assert staffed("count", "start", "--user", "Nobody", EXODESK_PASSWORD="not it") == 2
    assert "no active account named Nobody" in capsys.readouterr().err


def test_the_user_comes_from_exodesk_user_or_is_asked_for(
    staffed: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert staffed("count", "start", EXODESK_PASSWORD=ADMIN_PASSWORD) == 2
    assert "--user NAME" in capsys.readouterr().err
    assert staffed("count", "start", EXODESK_USER="Boss", EXODESK_PASSWORD=ADMIN_PASSWORD) == 0


def test_with_one_account_it_is_the_default_user(run: Callable[..., int], demo_db: Path) -> None:
    assert run("user", "add", "Boss", "--role", "admin", EXODESK_PASSWORD=ADMIN_PASSWORD) == 0
    assert run("count", "start", EXODESK_PASSWORD=ADMIN_PASSWORD) == 0
    assert _last_event(demo_db).user == "Boss"


def test_the_password_is_asked_at_a_terminal(
    staffed: Callable[..., int], monkeypatch: pytest.MonkeyPatch, demo_db: Path
) -> None:
    """At a terminal, the acting password is asked once and a new one twice."""
    answers = iter([ADMIN_PASSWORD, "auditor secret", "auditor secret"])
    prompts: list[str] = []

    def getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("exodesk.cli.acting.getpass.getpass", getpass)
    assert staffed("user", "add", "Ann", "--role", "auditor", "--user", "Boss") == 0
    assert prompts == [
        "Password for Boss: ",
        "New password for Ann: ",
        "The same password again: ",
    ]
    db = open_database(str(demo_db))
    with db.write() as session:
        assert users.authenticate(session, "Ann", "auditor secret") is not None
    db.close()


def test_roles_decide_who_closes_a_count(
    staffed: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert staffed("count", "start", "--user", "Boss", EXODESK_PASSWORD=ADMIN_PASSWORD) == 0
    count_id = capsys.readouterr().out.strip()
    assert (
        staffed(
            "count",
            "close",
            count_id,
            "--reason",
            "x",
            "--user",
            "Dr B",
            EXODESK_PASSWORD=DOC_PASSWORD,
        )
        == 2
    )
    assert "Dr B is a practitioner; closing a count needs the auditor or admin role" in (
        capsys.readouterr().err
    )


def test_passwd_changes_ones_own_password(staffed: Callable[..., int], demo_db: Path) -> None:
    assert (
        staffed(
            "user",
            "passwd",
            "Dr B",
            "--user",
            "Dr B",
            EXODESK_PASSWORD=DOC_PASSWORD,
            EXODESK_NEW_PASSWORD="fresh password",
        )
        == 0
    )
    db = open_database(str(demo_db))
    with db.write() as session:
        assert users.authenticate(session, "Dr B", "fresh password") is not None
        assert users.authenticate(session, "Dr B", DOC_PASSWORD) is None
    db.close()


def test_read_commands_need_no_password(
    staffed: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["check"], ["stock"], ["audit", "verify"], ["export", "-"], ["user", "list"]):
        assert staffed(*command) == 0, command
    capsys.readouterr()


def test_without_accounts_the_command_line_is_as_before(
    run: Callable[..., int], write_json: Any, demo_db: Path
) -> None:
    assert run("import", str(write_json(EXTRA))) == 0
    assert run("count", "start", "--user", "Whoever") == 0
    assert _last_event(demo_db).user == "Whoever"


@pytest.mark.slow
def test_no_terminal_and_no_password_gives_a_clear_message(
    staffed: Callable[..., int], demo_db: Path, tmp_path: Path
) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("EXODESK_PASSWORD", "EXODESK_USER", "EXODESK_NEW_PASSWORD")
    }
    env["EXODESK_DB"] = str(tmp_path / "never-used.sqlite")
    result = subprocess.run(
        [sys.executable, "-m", "exodesk", "count", "start", "--user", "Boss", "--db", str(demo_db)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "no terminal to ask for the password: set EXODESK_PASSWORD" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.dumps(result.stdout) == '""'


def test_make_run_keeps_working_once_accounts_exist(tmp_path: Path) -> None:
    """`make run` calls `exodesk demo --if-empty` every time: with an admin in a filled
    database it must do nothing, without asking for a password (no terminal here)."""
    db = tmp_path / "clinic.sqlite"
    env = {**os.environ, "EXODESK_NEW_PASSWORD": "secret-pass-1"}
    env.pop("EXODESK_PASSWORD", None)
    for argv in (["demo", "--if-empty"], ["user", "add", "Admin", "--role", "admin"]):
        done = subprocess.run(
            [sys.executable, "-m", "exodesk", *argv, "--db", str(db)],
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
    again = subprocess.run(
        [sys.executable, "-m", "exodesk", "demo", "--if-empty", "--db", str(db)],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert (again.returncode, again.stderr) == (0, "")


# -- accounts never fall away; wrong passwords throttled and audited -------------------------


def _behind_the_back(demo_db: Path, sql: str) -> None:
    with contextlib.closing(sqlite3.connect(demo_db)) as raw, raw:
        raw.executescript(sql)


@pytest.mark.parametrize(
    "sql",
    ["DELETE FROM user_account;", "UPDATE user_account SET active = 0;"],
    ids=["emptied", "all-deactivated"],
)
def test_accounts_removed_behind_exodesks_back_leave_every_write_refused(
    staffed: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
    demo_db: Path,
    write_json: Any,
    sql: str,
) -> None:
    _behind_the_back(demo_db, sql)
    capsys.readouterr()
    refusal = "nobody can sign in: restore a backup that has the accounts; nothing was written"
    for argv, env in (
        (["import", str(write_json(EXTRA))], {}),
        (["count", "start", "--user", "Whoever"], {}),
        (["count", "start", "--user", "Boss"], {"EXODESK_PASSWORD": ADMIN_PASSWORD}),
        (["user", "add", "Mallory", "--role", "admin"], {"EXODESK_PASSWORD": "a new admin!"}),
    ):
        assert staffed(*argv, **env) == 2, argv
        err = capsys.readouterr().err
        assert refusal in err and "Traceback" not in err, (argv, err)
    for command in (["check"], ["stock"], ["export", "-"], ["user", "list"]):
        assert staffed(*command) == 0, command  # reads stay open
    db = open_database(str(demo_db))
    with db.read() as session:
        assert "Mallory" not in [a.name for a in users.list_users(session)]
        assert list_events(session, AuditFilter(), limit=1)[0].record_key != "Mallory"
    db.close()


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """The throttle's clock, stopped (advance it by hand): the tests never sleep."""
    clock = [dt.datetime(2026, 12, 1, 9, 0, 0)]
    monkeypatch.setattr(throttle, "utc_now", lambda: clock[0])
    return clock


def test_wrong_passwords_on_the_command_line_are_throttled_and_audited(
    staffed: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
    demo_db: Path,
    frozen_clock: list[dt.datetime],
) -> None:
    capsys.readouterr()
    for _ in range(5):
        assert staffed("count", "start", "--user", "Boss", EXODESK_PASSWORD="not it") == 2
        assert "wrong password for Boss" in capsys.readouterr().err
    asked: list[str] = []
    with pytest.MonkeyPatch.context() as m:  # refused before a password is even asked for
        m.setattr(sys.stdin, "isatty", lambda: True)
        m.setattr("exodesk.cli.acting.getpass.getpass", lambda p="": asked.append(p) or "x")
        assert staffed("count", "start", "--user", "Boss") == 2
    assert asked == []
    wait = "too many wrong passwords for Boss: try again in 30 seconds; nothing was written"
    assert wait in capsys.readouterr().err
    assert staffed("count", "start", "--user", "Boss", EXODESK_PASSWORD=ADMIN_PASSWORD) == 2
    assert wait in capsys.readouterr().err
    frozen_clock[0] += dt.timedelta(seconds=30)
    assert staffed("count", "start", "--user", "Boss", EXODESK_PASSWORD=ADMIN_PASSWORD) == 0
    db = open_database(str(demo_db))
    with db.read() as session:
        events = list_events(session, AuditFilter(record="user"), limit=10)
    db.close()
    failed = [e for e in events if e.action.value == "sign_in_failed"]
    assert [(e.user, e.record_key, e.new, e.reason) for e in failed] == [
        (None, "Boss", '{"via": "command line"}', "wrong password; not signed in")
    ] * 5
    assert events[0].action.value == "signed_in" and events[0].user == "Boss"


def test_unknown_names_are_throttled_like_accounts_on_the_command_line(
    staffed: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
    frozen_clock: list[dt.datetime],
) -> None:
    capsys.readouterr()
    for name in ("Boss", "Nobody"):
        for _ in range(5):
            assert staffed("count", "start", "--user", name, EXODESK_PASSWORD="not it") == 2
        capsys.readouterr()
        frozen_clock[0] += dt.timedelta(seconds=7)
        assert staffed("count", "start", "--user", name, EXODESK_PASSWORD="not it") == 2
        err = capsys.readouterr().err
        assert f"too many wrong passwords for {name}: try again in 23 seconds" in err, err


@pytest.mark.slow
def test_wrong_passwords_from_separate_processes_share_one_throttle(
    staffed: Callable[..., int], demo_db: Path, tmp_path: Path
) -> None:
    """Seven wrong passwords an hour ago (long waited out), then real `python -m exodesk`
    processes: the first's wrong password (the eighth) makes the next process wait four
    minutes, whoever tries and whatever the password. Minutes of margin: no machine is
    that slow."""
    db = open_database(str(demo_db))
    an_hour_ago = utc_now() - dt.timedelta(hours=1)
    with db.write() as session:
        for _ in range(7):
            throttle.record_failure(
                session, "Boss", users.WrongPassword("Boss"), via="test", now=an_hour_ago
            )
    db.close()

    def exodesk(password: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EXODESK_")}
        env.update(EXODESK_DB=str(tmp_path / "never-used.sqlite"), EXODESK_PASSWORD=password)
        return subprocess.run(
            [sys.executable, "-m", "exodesk", "count", "start", "--user", "Boss"]
            + ["--db", str(demo_db)],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            env=env,
            timeout=120,
            check=False,
        )

    first = exodesk("not it")
    assert (first.returncode, "wrong password for Boss" in first.stderr) == (2, True), first
    for password in ("still not it", ADMIN_PASSWORD):
        later = exodesk(password)
        assert later.returncode == 2, later
        said = re.search(
            r"too many wrong passwords for Boss: try again in (\d+) seconds", later.stderr
        )
        assert said is not None, later.stderr
        assert 120 < int(said.group(1)) <= 240
    db = open_database(str(demo_db))
    with db.read() as session:
        failed = [
            e
            for e in list_events(session, AuditFilter(record="user"), limit=20)
            if e.action.value == "sign_in_failed"
        ]
    db.close()
    assert len(failed) == 8 and failed[0].new == '{"via": "command line"}'
