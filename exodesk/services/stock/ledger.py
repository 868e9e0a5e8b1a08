"""The stock ledger and its rule: a lot's stock on hand never goes below zero, at any date.

The ledger of a lot is its movements (receipts, waste, adjustments, ...) and, for each of
its treatments, the vials it used: a treatment is its own "use" line, dated and voided with
it, so no second row per treatment is stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, literal_column, null, select, union_all
from sqlalchemy.orm import Session

from exodesk.models import Movement, MovementKind, Treatment
from exodesk.models.base import EnumText
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


def counted_movements(lot_ids: Sequence[int] | None = None) -> Select[*tuple[Any, ...]]:
    """The movements that count (not void), as ledger lines: movement_id, lot_id, date,
    quantity, kind and ref."""
    query = select(
        Movement.id.label("movement_id"),
        Movement.lot_id.label("lot_id"),
        Movement.date.label("date"),
        Movement.quantity.label("quantity"),
        Movement.kind.label("kind"),
        Movement.ref.label("ref"),
    ).where(Movement.void_on.is_(None))
    return query if lot_ids is None else query.where(Movement.lot_id.in_(lot_ids))


def counted_uses(lot_ids: Sequence[int] | None = None) -> Select[*tuple[Any, ...]]:
    """The treatments that count (not void), as ledger lines of the vials they used, with the
    columns of `counted_movements` (no movement id; the ref is the treatment's)."""
    query = select(
        null().cast(Integer).label("movement_id"),
        Treatment.lot_id.label("lot_id"),
        Treatment.date.label("date"),
        (-Treatment.vials).label("quantity"),
        literal_column(f"'{MovementKind.USE.value}'", EnumText(MovementKind)).label("kind"),
        Treatment.ref.label("ref"),
    ).where(Treatment.void_on.is_(None))
    return query if lot_ids is None else query.where(Treatment.lot_id.in_(lot_ids))


def counted_lines(lot_ids: Sequence[int] | None = None) -> Any:
    """Every ledger line that counts, movements and uses (of these lots only), as a
    subquery with the columns of `counted_movements`."""
    return union_all(counted_movements(lot_ids), counted_uses(lot_ids)).subquery("ledger")


def lot_ledger(session: Session, lot_id: int, *, leaving_out: int | None = None) -> list[Entry]:
    """The lot's ledger lines that count, without movement `leaving_out` (void movements
    and void treatments count nowhere)."""
    lines = counted_lines([lot_id])
    rows = session.execute(
        select(lines.c.movement_id, lines.c.date, lines.c.quantity, lines.c.kind).where(
            lines.c.quantity != 0
        )
    )
    return [
        Entry(day, quantity, kind.value)
        for mid, day, quantity, kind in rows
        if leaving_out is None or mid != leaving_out
    ]


def ensure_not_overdrawn(session: Session, lot_id: int, new: Iterable[Entry], lot: str) -> None:
    """Raise Overdrawn, in plain words, if `new` ledger lines would overdraw the lot."""
    new = list(new)
    overdraw = first_overdraw(lot_ledger(session, lot_id) + new)
    if overdraw is not None and overdraw.entry in new:
        raise Overdrawn(lot, overdraw)
