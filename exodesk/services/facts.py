"""Reading and setting the database's own facts (models/facts.py)."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.models import ACCOUNTS_SINCE, DATABASE_ID, DatabaseFact


def fact(session: Session, name: str) -> str | None:
    return session.scalar(select(DatabaseFact.value).where(DatabaseFact.name == name))


def set_fact(session: Session, name: str, value: str) -> None:
    stored = session.get(DatabaseFact, name)
    if stored is None:
        session.add(DatabaseFact(name=name, value=value))
    else:
        stored.value = value
    session.flush()


def database_id(session: Session) -> str:
    """The database's identity; made on first need if the migration could not (never on
    a read-only session: the caller writes it)."""
    value = fact(session, DATABASE_ID)
    if value is None:
        value = secrets.token_hex(16)
        set_fact(session, DATABASE_ID, value)
    return value


def accounts_since(session: Session) -> dt.datetime | None:
    """When the database first had an account; None if it never had one."""
    value = fact(session, ACCOUNTS_SINCE)
    return None if value is None else dt.datetime.fromisoformat(value)


def mark_accounts(session: Session, when: dt.datetime) -> None:
    """Record that the database has accounts (kept for good: see accounts_exist)."""
    if fact(session, ACCOUNTS_SINCE) is None:
        set_fact(session, ACCOUNTS_SINCE, when.isoformat(timespec="seconds"))
