"""Correcting a lot (a receipt entered in error) or a stock movement: the old record is voided
and the corrected one written in its place, both or neither, in the caller's transaction.

The rules are voiding's (`voiding.py`): a stock manager or an admin (`VOID_STOCK`); a lot is
corrected only once every treatment and movement of it is void. Writing the corrected record
needs what writing it needs anyway (`RECEIVE_STOCK`, `ADJUST_STOCK`). The audit trail links
the two as a treatment's correction does: the void says "(corrected by …)", the new record
"corrects …".

A lot whose product and number are right (its expiry, quantity, received date, location or
status is wrong) cannot be voided and received again: a void lot keeps its number. It is
corrected in place (`correct_lot_in_place`): the lot keeps its identity and every field
changed is one audit event with its old and new value, so the trail still says what the lot
said before. The events are those the audit replay reads for a lot ("quantity" as total
received, "expiry", "initial_status", "initial_location": what it was received as, not a
change on the day of the correction; "received" is kept for people), so `audit verify`
still agrees with the tables."""

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
from exodesk.models.vocabulary import CORRECTED_LOT_FIELDS, field_label, phrase, value_words
from exodesk.services.accounts.users import Permission, require
from exodesk.services.audit.trail import Change, write_audit
from exodesk.services.errors import Conflict, InvalidInput, Problem
from exodesk.services.refs import next_movement_ref
from exodesk.services.stock.ledger import Overdraw, first_overdraw, lot_ledger
from exodesk.services.stock.lots import (
    LotLine,
    change_lot_status,
    lot_lines,
    record_waste,
    transfer_lot,
)
from exodesk.services.stock.receiving import (
    MAX_QUANTITY,
    ReceiptResult,
    receive_delivery,
)
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
    corrected delivery must name another lot (or another product); a lot whose product and
    number are right is corrected in place (`correct_lot_in_place`)."""
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
                    f"of {product} again. To correct its expiry, vials, received date, location "
                    "or status, correct the lot in place",
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


# -- correcting a lot in place (its product and number are right) -----------------------


@dataclass(frozen=True)
class FieldChange:
    """One field of a lot corrected in place: its audit event's field, old and new value."""

    # "expiry", "received", "quantity" (total received), "initial_location", "initial_status"
    field: str
    old: str | int | None
    new: str | int | None

    @property
    def text(self) -> str:
        """'expiry 2027-06-30 → 2027-07-31', in the vocabulary's words."""
        words = CORRECTED_LOT_FIELDS.get(self.field, field_label(self.field))
        old, new = (value_words("lot", self.field, v) for v in (self.old, self.new))
        return f"{words} {old} → {new}"


@dataclass(frozen=True)
class LotCorrectedInPlace:
    lot: str  # "product / lot"
    changes: tuple[FieldChange, ...]

    @property
    def text(self) -> str:
        return "; ".join(c.text for c in self.changes)


class LotMovedSince(Conflict):
    """The lot was moved after it was received: where it was received is history now."""

    def __init__(self, product: str, lot: str, refs: list[str]) -> None:
        super().__init__(
            f"lot {lot} of {product} was moved after it was received ({', '.join(refs)}): a "
            "correction changes only where it was received. To say where it is now, record a "
            "move (Move…)"
        )
        self.product, self.lot, self.refs = product, lot, refs


class LotStatusChangedSince(Conflict):
    """The lot's status was changed after it was received: its status on receipt stays."""

    def __init__(self, product: str, lot: str, refs: list[str]) -> None:
        super().__init__(
            f"lot {lot} of {product} had its status changed after it was received "
            f"({', '.join(refs)}): a correction changes only its status on receipt. Record a "
            "status change, or correct that one"
        )
        self.product, self.lot, self.refs = product, lot, refs


class ReceiptBelowUses(Conflict):
    """Fewer vials received (or received later) than the lot's uses and movements take."""

    def __init__(self, lot: str, received: int, overdraw: Overdraw) -> None:
        super().__init__(
            f"with {received} vial(s) received on these dates, lot {lot} would go below zero "
            f"on {overdraw.entry.date.isoformat()} (stock on hand would be {overdraw.balance}): "
            "its uses and movements take more. Void or correct those first"
        )
        self.lot, self.received, self.overdraw = lot, received, overdraw


def _refs(session: Session, lot: Lot, kind: MovementKind) -> list[str]:
    return [
        ref or phrase(kind)
        for ref in session.scalars(
            select(Movement.ref)
            .where(Movement.lot_id == lot.id, Movement.kind == kind, Movement.void_on.is_(None))
            .order_by(Movement.date, Movement.id)
        )
    ]


def _check_in_place(session: Session, draft: LotDraft, today: dt.date) -> None:
    problems: list[Problem] = []
    quantity = draft.quantity
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        problems.append(Problem("quantity", f"at least 1 vial was received (got {quantity})"))
    elif quantity > MAX_QUANTITY:
        problems.append(
            Problem("quantity", f"at most {MAX_QUANTITY} vials in one delivery; check the number")
        )
    if draft.received > today:
        problems.append(Problem("received", "a delivery cannot have been received after today"))
    if draft.expiry < draft.received:
        problems.append(
            Problem(
                "expiry",
                f"expiry {draft.expiry.isoformat()} is before the lot was received on "
                f"{draft.received.isoformat()}",
            )
        )
    if draft.status is LotStatus.DESTROYED:
        problems.append(Problem("status", "a delivery cannot be received as destroyed"))
    if (
        draft.location is not None
        and session.scalar(select(Location.id).where(Location.name == draft.location)) is None
    ):
        problems.append(
            Problem("location", f"there is no storage location named {draft.location!r}")
        )
    if problems:
        raise InvalidInput(problems)


def correct_lot_in_place(
    session: Session,
    product: str,
    lot: str,
    draft: LotDraft,
    *,
    reason: str,
    today: dt.date,
    user: str | None,
) -> LotCorrectedInPlace:
    """Correct lot `lot` of `product` where its product and number are right: its expiry,
    received date, vials received (its receipt's quantity; the last receipt's when it was
    received more than once), location on receipt (refused once it was moved) and status on
    receipt (refused once its status was changed). The lot keeps its identity and its uses;
    each field changed writes one audit event with its old and new value, all in the caller's
    transaction, with `reason`. `draft.location` None: no location; `draft.status` None: as
    on file."""
    require(session, user, Permission.VOID_STOCK)
    why = void_reason(reason)
    if (draft.product.strip(), draft.lot.strip()) != (product, lot):
        raise InvalidInput(
            [
                Problem(
                    "lot",
                    "a correction in place keeps the lot's product and number; to change "
                    "them, correct the lot (it is voided and the delivery received again)",
                )
            ]
        )
    found = _lot(session, product, lot)
    if found.void_on is not None:
        raise AlreadyVoid(f"lot {lot} of {product}")
    _check_in_place(session, draft, today)
    old = lot_draft(session, product, lot)
    receipts = list(
        session.scalars(
            select(Movement)
            .where(
                Movement.lot_id == found.id,
                Movement.kind == MovementKind.RECEIPT,
                Movement.void_on.is_(None),
            )
            .order_by(Movement.date, Movement.id)
        )
    )
    changes: list[FieldChange] = []
    if draft.expiry != found.expiry:
        changes.append(FieldChange("expiry", found.expiry.isoformat(), draft.expiry.isoformat()))
        found.expiry = draft.expiry
    ledger_changed = False
    if draft.received != old.received:
        again = [r.date for r in receipts[1:] if r.date < draft.received]
        if again:
            raise InvalidInput(
                [
                    Problem(
                        "received",
                        f"lot {lot} was received again on {again[0].isoformat()}: it cannot "
                        "have been first received after that",
                    )
                ]
            )
        changes.append(
            FieldChange("received", old.received.isoformat(), draft.received.isoformat())
        )
        found.received = draft.received
        if receipts:
            receipts[0].date = draft.received
        ledger_changed = True
    if draft.quantity != old.quantity:
        if not receipts:
            raise InvalidInput([Problem("quantity", f"lot {lot} has no receipt to correct")])
        last = receipts[-1]
        quantity = last.quantity + draft.quantity - old.quantity
        if quantity < 1:
            raise InvalidInput(
                [
                    Problem(
                        "quantity",
                        f"lot {lot} was received in {len(receipts)} deliveries; the last, of "
                        f"{last.quantity} vial(s), cannot take {old.quantity - draft.quantity} "
                        "fewer. Correct the delivery in the lot's history instead",
                    )
                ]
            )
        changes.append(FieldChange("quantity", old.quantity, draft.quantity))
        last.quantity = quantity
        ledger_changed = True
    if ledger_changed:
        session.flush()
        overdraw = first_overdraw(lot_ledger(session, found.id))
        if overdraw is not None:
            raise ReceiptBelowUses(lot, draft.quantity, overdraw)
    location = draft.location or None
    if location != old.location:
        moved = _refs(session, found, MovementKind.TRANSFER)
        if moved:
            raise LotMovedSince(product, lot, moved)
        changes.append(FieldChange("initial_location", old.location, location))
        found.location_id = (
            None
            if location is None
            else session.scalar(select(Location.id).where(Location.name == location))
        )
    if draft.status is not None and draft.status is not found.initial_status:
        changed = _refs(session, found, MovementKind.STATUS_CHANGE)
        if changed:
            raise LotStatusChangedSince(product, lot, changed)
        changes.append(
            FieldChange("initial_status", found.initial_status.value, draft.status.value)
        )
        found.initial_status = draft.status
    if not changes:
        raise InvalidInput(
            [Problem("", f"nothing to correct: the form says what lot {lot} says already")]
        )
    session.flush()
    key = _key(product, lot)
    write_audit(
        session,
        [Change("lot", key, AuditAction.UPDATE, c.field, c.old, c.new) for c in changes],
        user=user,
        reason=f"corrected in place: {why}",
    )
    return LotCorrectedInPlace(key, tuple(changes))


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
