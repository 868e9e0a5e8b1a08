"""Who acts: the login name or --user while the database has never had accounts, else an
account signed in with its password ($EXODESK_PASSWORD, or asked at the terminal), through
the shared sign-in throttle (wrong passwords are counted and audited in the database)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING

from exodesk.cli.failures import EXIT_INVALID, Failure

if TYPE_CHECKING:
    from exodesk.db import Database


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def acting_user(args: argparse.Namespace) -> str:
    """Who acts: the signed-in account once the database has accounts, else --user,
    $EXODESK_USER or the login name (for the audit trail only)."""
    signed_in = getattr(args, "signed_in", None)
    if signed_in:
        return str(signed_in)
    user = getattr(args, "user", None) or os.environ.get("EXODESK_USER")
    return str(user) if user else _login_name()


def _ask(prompt: str, refusal: str) -> str:
    """A password typed at the terminal (not echoed); with no terminal, a clear refusal."""
    if not sys.stdin.isatty():
        raise Failure(EXIT_INVALID, refusal)
    try:
        return getpass.getpass(prompt)
    except (EOFError, KeyboardInterrupt):
        raise Failure(EXIT_INVALID, "no password given; nothing was written") from None


def _acting_name(args: argparse.Namespace, names: list[str]) -> str:
    name = getattr(args, "user", None) or os.environ.get("EXODESK_USER")
    if name:
        return str(name)
    if len(names) == 1:
        return names[0]
    login = _login_name()
    if login in names:
        return login
    raise Failure(
        EXIT_INVALID,
        "this database has user accounts: say who you are with --user NAME "
        "(or set EXODESK_USER); nothing was written",
    )


def sign_in(db: Database, args: argparse.Namespace) -> str | None:
    """Once the database has accounts, a writing command acts as a signed-in account: the
    name from --user (or $EXODESK_USER, or the only account), the password from
    $EXODESK_PASSWORD or asked for. None while the database has never had accounts
    (single-user). users.NobodyCanSignIn when it has had them but none is active now; a
    wrong password raises users.WrongPassword (after writing it to the trail), an unknown
    name users.NoActiveAccount, too many of either lately throttle.TooManyTries."""
    from exodesk.services.accounts import throttle, users  # password hashing: only here

    with db.read() as session:
        if not users.accounts_exist(session):
            return None
        users.refuse_if_nobody_can_sign_in(session)
        names = [a.name for a in users.list_users(session) if a.active]
    name = _acting_name(args, names)
    with db.read() as session:  # no password asked for that would not be checked
        throttle.refuse_if_waiting(session, name)
    password = os.environ.get("EXODESK_PASSWORD")
    if password is None:
        password = _ask(
            f"Password for {name}: ",
            f"{name} must sign in, but there is no terminal to ask for the password: "
            "set EXODESK_PASSWORD; nothing was written",
        )
    return throttle.sign_in(db.write, name, password, via="command line").name


def new_password(args: argparse.Namespace, name: str) -> str:
    """A new account's password: $EXODESK_NEW_PASSWORD, or $EXODESK_PASSWORD while nobody
    had to sign in (the first account), else typed twice at the terminal."""
    password = os.environ.get("EXODESK_NEW_PASSWORD")
    if password is None and not getattr(args, "signed_in", None):
        password = os.environ.get("EXODESK_PASSWORD")
    if password is not None:
        return password
    refusal = f"no password for {name}: set EXODESK_NEW_PASSWORD, or run in a terminal to be asked"
    first = _ask(f"New password for {name}: ", refusal)
    if first != _ask("The same password again: ", refusal):
        raise Failure(EXIT_INVALID, "the two passwords differ; nothing was written")
    return first
