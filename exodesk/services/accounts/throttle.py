"""Wrong passwords, counted in the database so every window and every command line on it
shares one count, and each one kept in the audit trail.

The policy: each name has FREE_TRIES wrong passwords; after that, the next try waits
FIRST_WAIT seconds after the last wrong one, doubling with each further wrong password up to
LONGEST_WAIT. A right password resets that name's count (only wrong passwords after the last
right one count), and wrong passwords older than FORGET_AFTER are forgotten. A name with no
active account counts exactly like one with an account: the same message, the same wait.
There is deliberately no limit across all names together: anyone at a terminal could then
lock the whole clinic out of its window by typing wrong passwords, while guessing any one
account's password is already slowed per name.

A try runs in one write transaction (the database's write lock), so tries from several
processes at once are counted one after the other, never all let through together. A wrong
password is written in that transaction, which commits; the refusal is raised only after it
(`sign_in`, or `Attempt.result` outside the transaction)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exodesk.models import AuditAction, AuditEvent, User
from exodesk.models.enums import RecordKind
from exodesk.services.accounts import users
from exodesk.services.accounts.users import Account, NoActiveAccount, WrongPassword
from exodesk.services.audit.trail import Change, utc_now, write_audit
from exodesk.services.errors import NotPermitted

FREE_TRIES = 5
FIRST_WAIT = 30  # seconds
LONGEST_WAIT = 15 * 60  # seconds
FORGET_AFTER = dt.timedelta(days=1)

USER = RecordKind.USER.value
Transaction = Callable[[], AbstractContextManager[Session]]


class TooManyTries(NotPermitted):
    """Too many wrong passwords lately: no password is checked until `seconds` have passed."""

    def __init__(self, name: str, seconds: int) -> None:
        super().__init__(f"too many wrong passwords for {name}: try again in {seconds} seconds")
        self.name = name
        self.seconds = seconds


@dataclass(frozen=True)
class Attempt:
    """What one try came to: the account, or the refusal (already written to the trail)."""

    account: Account | None = None
    refused: WrongPassword | NoActiveAccount | None = None

    def result(self) -> Account:
        """The account; else raise the refusal (call it after the transaction committed)."""
        if self.refused is not None:
            raise self.refused
        assert self.account is not None
        return self.account


def wait_after(failures: int, free: int = FREE_TRIES) -> int:
    """Seconds to wait after the last of `failures` wrong passwords in a row: none for the
    first `free`, then 30, 60, 120 … up to LONGEST_WAIT."""
    if failures < free:
        return 0
    return int(min(FIRST_WAIT * 2 ** min(failures - free, 16), LONGEST_WAIT))


def _key(name: str) -> str:
    return name.strip()[: users.MAX_NAME_LENGTH]


def _failures(session: Session, name: str, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """How many wrong passwords for `name` count now, and when the last one was."""
    key = func.lower(AuditEvent.record_key) == _key(name).lower()
    about_name = (AuditEvent.record == USER, key)
    reset = session.scalar(
        select(func.max(AuditEvent.id)).where(
            *about_name, AuditEvent.action == AuditAction.SIGNED_IN
        )
    )
    counted = select(func.count(AuditEvent.id), func.max(AuditEvent.at)).where(
        *about_name,
        AuditEvent.action == AuditAction.SIGN_IN_FAILED,
        AuditEvent.at >= now - FORGET_AFTER,
        AuditEvent.id > (reset or 0),
    )
    count, last = session.execute(counted).one()
    return int(count or 0), last


def _left(last: dt.datetime | None, wait: int, now: dt.datetime) -> int:
    if last is None or wait <= 0:
        return 0
    left = (last + dt.timedelta(seconds=wait) - now).total_seconds()
    return max(0, math.ceil(left))


def seconds_to_wait(session: Session, name: str, now: dt.datetime | None = None) -> int:
    """Whole seconds before a password for `name` is checked again (0: go ahead)."""
    now = now or utc_now()
    count, last = _failures(session, name, now)
    return _left(last, wait_after(count), now)


def refuse_if_waiting(session: Session, name: str, now: dt.datetime | None = None) -> None:
    """TooManyTries while `name` (or everyone) must wait; nothing is written."""
    seconds = seconds_to_wait(session, name, now)
    if seconds:
        raise TooManyTries(_key(name), seconds)


def _recorded_name(session: Session, name: str) -> str:
    """The account's own spelling of `name` if it has one, else the name as typed."""
    stored = session.scalar(
        select(User.name).where(func.lower(User.name) == _key(name).lower()).limit(1)
    )
    return stored or _key(name)


def record_failure(
    session: Session,
    name: str,
    refused: WrongPassword | NoActiveAccount,
    *,
    via: str,
    now: dt.datetime | None = None,
) -> None:
    """Keep a refused sign-in in the audit trail (no user: whoever typed is not known)."""
    why = (
        "wrong password" if isinstance(refused, WrongPassword) else "no active account of that name"
    )
    write_audit(
        session,
        [Change(USER, _recorded_name(session, name), AuditAction.SIGN_IN_FAILED, new={"via": via})],
        user=None,
        reason=f"{why}; not signed in",
        at=now,
    )


def _forget_failures(session: Session, account: Account, *, via: str, now: dt.datetime) -> None:
    """A right password: the wrong ones before it stop counting (kept in the trail)."""
    count, _last = _failures(session, account.name, now)
    if not count:
        return
    write_audit(
        session,
        [Change(USER, account.name, AuditAction.SIGNED_IN, new={"via": via})],
        user=account.name,
        reason=f"signed in after {count} wrong password{'s' if count != 1 else ''}",
        at=now,
    )


def attempt_sign_in(
    session: Session, name: str, password: str, *, via: str, now: dt.datetime | None = None
) -> Attempt:
    """One try, in the caller's write transaction: TooManyTries (raised, nothing checked or
    written) while `name` must wait; else the password is checked and a wrong one (or a name
    with no active account) written to the trail and returned as the Attempt's refusal, for
    the caller to raise once the transaction has committed. `via` says where the try came
    from ("command line", "sign-in window", "lock screen")."""
    now = now or utc_now()
    name = _key(name)
    refuse_if_waiting(session, name, now)
    try:
        account = users.sign_in(session, name, password)
    except (WrongPassword, NoActiveAccount) as refused:
        record_failure(session, name, refused, via=via, now=now)
        return Attempt(refused=refused)
    _forget_failures(session, account, via=via, now=now)
    return Attempt(account=account)


def sign_in(
    write: Transaction, name: str, password: str, *, via: str, now: dt.datetime | None = None
) -> Account:
    """Sign in through the throttle, in a transaction of its own from `write` (a
    `Database.write`): the account, else TooManyTries, WrongPassword or NoActiveAccount,
    raised after a wrong password was committed to the trail."""
    with write() as session:
        attempt = attempt_sign_in(session, name, password, via=via, now=now)
    return attempt.result()
