"""The stock ledger rule: a lot's stock on hand never goes below zero, at any date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


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
