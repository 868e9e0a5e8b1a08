"""Correcting a lot (a receipt entered in error) or a stock movement: the old record is voided
and the corrected one written in its place, both or neither, in the caller's transaction.

The rules are voiding's (`voiding.py`): a stock manager or an admin (`VOID_STOCK`); a lot is
corrected only once every treatment and movement of it is void. Writing the corrected record
needs what writing it needs anyway (`RECEIVE_STOCK`, `ADJUST_STOCK`). The audit trail links
the two as a treatment's correction does: the void says "(corrected by …)", the new record
"corrects …"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exodesk.models import (
    AuditAction,
    Location,
    Lot,
    LotStatus,
    Movement,
    MovementKind,
    Product,
    Treatment,
)
from exodesk.models.enums import FILE_MOVEMENT_KINDS
from exodesk.models.vocabulary import phrase
from exodesk.services.accounts.users import Permission, require
from exodesk.services.audit.trail import Change, write_audit
from exodesk.services.errors import InvalidInput, Problem
from exodesk.services.refs import next_movement_ref
from exodesk.services.stock.lots import (
    LotLine,
    change_lot_status,
    lot_lines,
    record_waste,
    transfer_lot,
)
from exodesk.services.stock.receiving import ReceiptResult, receive_delivery
from exodesk.services.stock.voiding import (
    UNKNOWN_USER,
    AlreadyVoid,
    LotStillUsed,
    UnknownLotToVoid,
    UnknownMovement,
    void_lot,
    void_movement,
    void_reason,
)

# The movements a correction can write again (an adjustment comes from a count: void it and
# count again).
CORRECTABLE_KINDS = (MovementKind.WASTE, MovementKind.STATUS_CHANGE, MovementKind.TRANSFER)


@dataclass(frozen=True)
class LotDraft:
    """A delivery as the receive form holds it."""

    product: str
    lot: str
    expiry: dt.date
    quantity: int
    location: str | None  # None, with status None: as the lot on file it joins
    status: LotStatus | None
    received: dt.date


@dataclass(frozen=True)
class LotCorrection:
    voided: str  # "product / lot"
    received: ReceiptResult


@dataclass(frozen=True)
class MovementDraft:
    """A waste, status change or transfer as its dialog holds it."""

    kind: MovementKind
    date: dt.date
    reason: str
    vials: int = 0  # waste: the vials wasted (a positive number)
    status: LotStatus | None = None  # status change: the new status
    location: str | None = None  # transfer: where to
    without_coa: bool = False  # status change: an admin's release without a CoA


@dataclass(frozen=True)
class MovementCorrection:
    voided: str
    recorded: str


def _key(product: str, lot: str) -> str:
    return f"{product} / {lot}"


def _lot(session: Session, product: str, lot: str) -> Lot:
    found = session.scalar(
        select(Lot)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.name == product, Lot.code == lot)
    )
    if found is None:
        raise UnknownLotToVoid(product, lot)
    return found


def lot_draft(session: Session, product: str, lot: str) -> LotDraft:
    """The stored delivery, to fill the form that corrects it (its receipts as one)."""
    found = _lot(session, product, lot)
    received = session.scalar(
        select(func.coalesce(func.sum(Movement.quantity), 0)).where(
            Movement.lot_id == found.id, Movement.kind == MovementKind.RECEIPT
        )
    )
    location = (
        session.scalar(select(Location.name).where(Location.id == found.location_id))
        if found.location_id is not None
        else None
    )
    return LotDraft(
        product,
        found.code,
        found.expiry,
        int(received or 0),
        location,
        found.initial_status,
        found.received or found.expiry,
    )


def lot_still_used(session: Session, product: str, lot: str) -> LotStillUsed | None:
    """Why lot `lot` cannot be voided, or corrected, yet (None: it can), asked before the
    form is filled in; `correct_lot` refuses the same through `void_lot`."""
    found = _lot(session, product, lot)
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
    return LotStillUsed(lot, treatments, movements) if treatments or movements else None


def correct_lot(
    session: Session,
    product: str,
    lot: str,
    draft: LotDraft,
    *,
    reason: str,
    today: dt.date,
    user: str | None,
    scanned_gtin: str | None = None,
    gtin_confirmed: bool = False,
) -> LotCorrection:
    """Void lot `lot` of `product` (refused while treatments or movements of it count) and
    receive `draft` in its place. A void lot keeps its product and lot number, so the
    corrected delivery must name another lot (or another product)."""
    require(session, user, Permission.VOID_STOCK)
    require(session, user, Permission.RECEIVE_STOCK)
    why = void_reason(reason)
    new_product, new_lot = draft.product.strip(), draft.lot.strip()
    if (new_product, new_lot) == (product, lot):
        raise InvalidInput(
            [
                Problem(
                    "lot",
                    f"a void lot keeps its number: the corrected delivery cannot be lot {lot} "
                    f"of {product} again. Correct the lot number or the product; for a wrong "
                    "count of vials, count the lot instead",
                )
            ]
        )
    old_key, new_key = _key(product, lot), _key(new_product, new_lot)
    void_lot(
        session,
        product,
        lot,
        reason=f"{why} (corrected by {new_key})",
        today=today,
        user=user,
    )
    received = receive_delivery(
        session,
        product=new_product,
        lot=new_lot,
        expiry=draft.expiry,
        quantity=draft.quantity,
        location=draft.location,
        received=draft.received,
        user=user or UNKNOWN_USER,
        status=draft.status,
        scanned_gtin=scanned_gtin,
        gtin_confirmed=gtin_confirmed,
    )
    write_audit(
        session,
        [Change("lot", new_key, AuditAction.UPDATE, field="corrects", old=None, new=old_key)],
        user=user,
        reason=f"corrects {old_key}: {why}",
    )
    return LotCorrection(old_key, received)


def _movement(session: Session, ref: str) -> Movement:
    found = session.scalar(select(Movement).where(Movement.ref == ref.strip()))
    if found is None or found.kind not in CORRECTABLE_KINDS:
        raise UnknownMovement(ref)
    return found


def _status_without(session: Session, lot: Lot, movement_id: int) -> LotStatus:
    latest = session.scalar(
        select(Movement.status)
        .where(
            Movement.lot_id == lot.id,
            Movement.kind == MovementKind.STATUS_CHANGE,
            Movement.void_on.is_(None),
            Movement.id != movement_id,
        )
        .order_by(Movement.date.desc(), Movement.id.desc())
        .limit(1)
    )
    return latest or lot.initial_status


def _location_without(session: Session, lot: Lot, movement_id: int) -> str | None:
    latest = session.scalar(
        select(Movement.location_id)
        .where(
            Movement.lot_id == lot.id,
            Movement.kind == MovementKind.TRANSFER,
            Movement.void_on.is_(None),
            Movement.id != movement_id,
        )
        .order_by(Movement.date.desc(), Movement.id.desc())
        .limit(1)
    )
    where = latest if latest is not None else lot.location_id
    if where is None:
        return None
    return session.scalar(select(Location.name).where(Location.id == where))


def movement_draft(session: Session, ref: str) -> tuple[LotLine, MovementDraft]:
    """The stored movement as a draft, and its lot as it stands without it (what the
    correcting dialog shows as "now")."""
    movement = _movement(session, ref)
    lot = session.get_one(Lot, movement.lot_id)
    line = lot_lines(session, [lot.id])[0]
    counted = movement.void_on is None
    line = replace(
        line,
        on_hand=line.on_hand - (movement.quantity if counted else 0),
        status=_status_without(session, lot, movement.id),
        location=_location_without(session, lot, movement.id),
    )
    location = (
        session.scalar(select(Location.name).where(Location.id == movement.location_id))
        if movement.location_id is not None
        else None
    )
    draft = MovementDraft(
        movement.kind,
        movement.date,
        movement.reason or "",
        vials=-movement.quantity if movement.kind is MovementKind.WASTE else 0,
        status=movement.status,
        location=location,
    )
    return line, draft


def correct_movement(
    session: Session,
    ref: str,
    draft: MovementDraft,
    *,
    reason: str,
    today: dt.date,
    user: str | None,
) -> MovementCorrection:
    """Void movement `ref` and record `draft` (of the same kind) in its place, both or
    neither, with a new reference."""
    require(session, user, Permission.VOID_STOCK)
    require(session, user, Permission.ADJUST_STOCK)
    why = void_reason(reason)
    movement = _movement(session, ref)
    if movement.void_on is not None:
        raise AlreadyVoid(f"movement {movement.ref}")
    if draft.kind is not movement.kind:
        raise InvalidInput([Problem("kind", "a correction keeps the movement's kind")])
    old_ref = movement.ref or ref
    row = session.execute(
        select(Product.name, Lot.code)
        .join(Lot, Lot.product_id == Product.id)
        .where(Lot.id == movement.lot_id)
    ).one()
    product, lot = str(row[0]), str(row[1])
    new_ref = next_movement_ref(session)
    void_movement(
        session, old_ref, reason=f"{why} (corrected by {new_ref})", today=today, user=user
    )
    who = user or UNKNOWN_USER
    if draft.kind is MovementKind.WASTE:
        recorded = record_waste(
            session, product, lot, draft.vials, reason=draft.reason, on=draft.date, user=who
        )
    elif draft.kind is MovementKind.STATUS_CHANGE:
        if draft.status is None:
            raise InvalidInput([Problem("status", "pick the lot's new status")])
        recorded = change_lot_status(
            session,
            product,
            lot,
            draft.status,
            reason=draft.reason,
            on=draft.date,
            user=who,
            without_coa=draft.without_coa,
        )
    else:
        if not draft.location:
            raise InvalidInput([Problem("location", "pick where the lot went")])
        recorded = transfer_lot(
            session, product, lot, draft.location, reason=draft.reason, on=draft.date, user=who
        )
    write_audit(
        session,
        [Change("movement", recorded, AuditAction.UPDATE, field="corrects", old=None, new=old_ref)],
        user=user,
        reason=f"corrects {old_ref}: {why}",
    )
    return MovementCorrection(old_ref, recorded)
