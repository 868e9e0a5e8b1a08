"""Mistakes are corrected, never erased: a lot (a receipt entered in error) or a movement is
voided with a reason. A void record is kept, shown struck through, and counted nowhere.

Who may: a stock manager or an admin (`VOID_STOCK`). A lot is voided only once every
treatment and movement of it is void; voiding a movement is refused when it would take the
lot below zero. Each void writes one audit event (`field` "void", `new` the contract's
`{"on", "by", "reason"}`) in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exodesk.models import AuditAction, Lot, Movement, MovementKind, Product, Treatment
from exodesk.models.base import Voidable
from exodesk.models.enums import FILE_MOVEMENT_KINDS
from exodesk.models.vocabulary import phrase
from exodesk.services.accounts.users import Permission, require
from exodesk.services.audit.trail import Change, write_audit
from exodesk.services.errors import Conflict, InvalidInput, NotFound, Problem
from exodesk.services.stock.ledger import Overdrawn, first_overdraw, lot_ledger

MAX_REASON = 2000
UNKNOWN_USER = "unknown"


@dataclass(frozen=True)
class VoidMark:
    """A record's void: when, by whom, why (the contract's `void` object)."""

    on: dt.date
    by: str
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "by": self.by, "reason": self.reason}


class AlreadyVoid(Conflict):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is already void")
        self.what = what


class LotStillUsed(Conflict):
    """A lot cannot be voided while treatments or movements of it still count."""

    def __init__(self, lot: str, treatments: list[str], movements: list[str]) -> None:
        used = []
        if treatments:
            used.append(f"treatments {', '.join(treatments)}")
        if movements:
            used.append(f"movements {', '.join(movements)}")
        super().__init__(
            f"lot {lot} is still used by {' and '.join(used)}: void those first, then the lot"
        )
        self.lot = lot
        self.treatments = treatments
        self.movements = movements


class UnknownMovement(NotFound):
    def __init__(self, ref: str) -> None:
        super().__init__(f"no stock movement {ref!r} in this database")
        self.ref = ref


class UnknownLotToVoid(NotFound):
    def __init__(self, product: str, lot: str) -> None:
        super().__init__(f"no lot {lot!r} of product {product!r} in this database")
        self.product = product
        self.lot = lot


def void_mark(record: Voidable) -> VoidMark | None:
    """The record's void, or None when it counts."""
    if record.void_on is None:
        return None
    return VoidMark(record.void_on, record.void_by or UNKNOWN_USER, record.void_reason or "")


def void_reason(reason: str | None) -> str:
    """The reason, trimmed; InvalidInput when there is none."""
    text = (reason or "").strip()
    if not text:
        raise InvalidInput([Problem("reason", "say why it is void (the reason is kept)")])
    if len(text) > MAX_REASON:
        raise InvalidInput([Problem("reason", f"at most {MAX_REASON} characters")])
    return text


def mark_void(record: Voidable, mark: VoidMark) -> None:
    record.void_on = mark.on
    record.void_by = mark.by
    record.void_reason = mark.reason


def void_change(record: str, key: str, mark: VoidMark) -> Change:
    """The audit event of a void (the audit replay reads it)."""
    return Change(record, key, AuditAction.UPDATE, field="void", old=None, new=mark.as_json())


def ensure_void_keeps_stock(session: Session, movement: Movement, lot: str) -> None:
    """Overdrawn when taking `movement` out of the ledger would take the lot below zero."""
    if movement.quantity <= 0:
        return
    overdraw = first_overdraw(lot_ledger(session, movement.lot_id, leaving_out=movement.id))
    if overdraw is not None:
        raise Overdrawn(lot, overdraw)


def lot_key(session: Session, lot_id: int) -> tuple[str, str]:
    row = session.execute(
        select(Product.name, Lot.code)
        .join(Product, Product.id == Lot.product_id)
        .where(Lot.id == lot_id)
    ).one()
    return str(row[0]), str(row[1])


def _movement(session: Session, ref: str) -> Movement:
    found = session.scalar(select(Movement).where(Movement.ref == ref.strip()))
    if found is None or found.kind not in FILE_MOVEMENT_KINDS:
        raise UnknownMovement(ref)
    return found


def void_movement(
    session: Session, ref: str, *, reason: str, today: dt.date, user: str | None
) -> VoidMark:
    """Void a waste, adjustment, status change or transfer (receipts are voided with their
    lot, uses with their treatment)."""
    require(session, user, Permission.VOID_STOCK)
    why = void_reason(reason)
    movement = _movement(session, ref)
    if movement.void_on is not None:
        raise AlreadyVoid(f"movement {movement.ref}")
    product, code = lot_key(session, movement.lot_id)
    ensure_void_keeps_stock(session, movement, code)
    mark = VoidMark(today, user or UNKNOWN_USER, why)
    mark_void(movement, mark)
    session.flush()
    write_audit(
        session, [void_change("movement", movement.ref or ref, mark)], user=user, reason=why
    )
    return mark


def void_lot(
    session: Session, product: str, lot: str, *, reason: str, today: dt.date, user: str | None
) -> VoidMark:
    """Void a lot entered in error, with its receipt. Refused while any treatment or movement
    of it still counts (void those first)."""
    require(session, user, Permission.VOID_STOCK)
    why = void_reason(reason)
    found = session.scalar(
        select(Lot)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.name == product, Lot.code == lot)
    )
    if found is None:
        raise UnknownLotToVoid(product, lot)
    if found.void_on is not None:
        raise AlreadyVoid(f"lot {lot} of {product}")
    treatments = list(
        session.scalars(
            select(Treatment.ref)
            .where(Treatment.lot_id == found.id, Treatment.void_on.is_(None))
            .order_by(Treatment.date, Treatment.ref)
        )
    )
    movements = [
        ref or phrase(kind)
        for ref, kind in session.execute(
            select(Movement.ref, Movement.kind)
            .where(
                Movement.lot_id == found.id,
                Movement.void_on.is_(None),
                Movement.kind.in_(FILE_MOVEMENT_KINDS),
            )
            .order_by(Movement.date, Movement.id)
        )
    ]
    if treatments or movements:
        raise LotStillUsed(lot, treatments, movements)
    mark = VoidMark(today, user or UNKNOWN_USER, why)
    mark_void(found, mark)
    for receipt in session.scalars(
        select(Movement).where(
            Movement.lot_id == found.id,
            Movement.kind == MovementKind.RECEIPT,
            Movement.void_on.is_(None),
        )
    ):
        mark_void(receipt, mark)
    session.flush()
    write_audit(session, [void_change("lot", f"{product} / {lot}", mark)], user=user, reason=why)
    return mark


def void_count(session: Session, model: type[Lot] | type[Treatment] | type[Movement]) -> int:
    """How many records of this kind are void (for status lines and tests)."""
    return int(session.scalar(select(func.count()).where(model.void_on.is_not(None))) or 0)
