"""The stock ledger rule: a lot's stock on hand never goes below zero, at any date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.models import Movement
from exodesk.services.errors import Conflict


@dataclass(frozen=True)
class Entry:
    """One ledger line of a lot: `label` names it for a message (a JSON path or a ref)."""

    date: dt.date
    quantity: int
    label: str


@dataclass(frozen=True)
class Overdraw:
    entry: Entry
    balance: int


def first_overdraw(entries: Iterable[Entry]) -> Overdraw | None:
    """Walk the ledger in date order (on one date, what comes in before what goes out) and
    return the first line that takes the balance below zero."""
    balance = 0
    for entry in sorted(entries, key=lambda e: (e.date, e.quantity < 0)):
        balance += entry.quantity
        if balance < 0:
            return Overdraw(entry, balance)
    return None


class Overdrawn(Conflict):
    """A change would take a lot's stock on hand below zero."""

    def __init__(self, lot: str, overdraw: Overdraw) -> None:
        entry = overdraw.entry
        super().__init__(
            f"{entry.label} would take lot {lot} below zero on "
            f"{entry.date.isoformat()} (stock on hand would be {overdraw.balance})"
        )
        self.lot = lot
        self.overdraw = overdraw


def lot_ledger(session: Session, lot_id: int) -> list[Entry]:
    """The lot's ledger lines that count (void movements count nowhere)."""
    rows = session.execute(
        select(Movement.date, Movement.quantity, Movement.kind).where(
            Movement.lot_id == lot_id, Movement.quantity != 0, Movement.void_on.is_(None)
        )
    )
    return [Entry(day, quantity, kind.value) for day, quantity, kind in rows]


def ensure_not_overdrawn(session: Session, lot_id: int, new: Iterable[Entry], lot: str) -> None:
    """Raise Overdrawn, in plain words, if `new` ledger lines would overdraw the lot."""
    new = list(new)
    overdraw = first_overdraw(lot_ledger(session, lot_id) + new)
    if overdraw is not None and overdraw.entry in new:
        raise Overdrawn(lot, overdraw)
