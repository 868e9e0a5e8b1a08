"""The Stock view's questions (filtered, sorted, paged in SQL) and what staff do to a lot:
change its status, record waste, move it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from exodesk.models import (
    AuditAction,
    Document,
    DocumentKind,
    Location,
    Lot,
    LotStatus,
    Movement,
    MovementKind,
    Product,
    Role,
)
from exodesk.models.vocabulary import (
    RELEASE_NEEDS_COA,
    RELEASE_OVERRIDE_NEEDS_ADMIN,
    field_words,
    phrase,
)
from exodesk.services.accounts.users import Permission, acting_role, require
from exodesk.services.audit.trail import Change, utc_now, write_audit
from exodesk.services.errors import Conflict, InvalidInput, NotPermitted, Problem
from exodesk.services.interchange.schema import reason_problem
from exodesk.services.refs import next_movement_ref
from exodesk.services.search import contains_text
from exodesk.services.stock.ledger import Entry, ensure_not_overdrawn
from exodesk.services.stock.on_hand import on_hand_totals, stock_query

SORT_KEYS = ("product", "lot", "expiry", "location", "status", "on_hand")


@dataclass(frozen=True)
class StockFilter:
    search: str = ""
    status: LotStatus | None = None
    location: str | None = None
    include_empty: bool = False  # also lots with nothing on hand, and void lots
    expiring_by: dt.date | None = None


@dataclass(frozen=True)
class LotLine:
    lot_id: int
    product: str
    lot: str
    expiry: dt.date
    location: str | None
    status: LotStatus
    on_hand: int
    void: bool = False  # entered in error: shown struck through, counted nowhere


def _filtered(flt: StockFilter) -> Select[tuple[int]]:
    rows = stock_query().add_columns(Lot.id.label("lot_id")).subquery()
    query = select(rows.c.lot_id)
    if not flt.include_empty:
        query = query.where(rows.c.on_hand > 0, rows.c.void_on.is_(None))
    if flt.status is not None:
        query = query.where(rows.c.status == flt.status.value)
    if flt.location:
        query = query.where(rows.c.location == flt.location)
    if flt.expiring_by is not None:
        query = query.where(rows.c.expiry <= flt.expiring_by)
    text = flt.search.strip()
    if text:
        query = query.where(
            or_(contains_text(rows.c.product, text), contains_text(rows.c.lot, text))
        )
    return query.add_columns(*[rows.c[k] for k in SORT_KEYS])


def stock_ids(
    session: Session, flt: StockFilter, sort: str = "expiry", descending: bool = False
) -> list[int]:
    """Ids of the lots the view shows, in the order it shows them (sorted and filtered in SQL)."""
    if sort not in SORT_KEYS:
        raise ValueError(f"cannot sort stock by {sort!r}")
    rows = _filtered(flt).subquery()
    key = rows.c[sort]
    ordered = [key.desc() if descending else key.asc(), rows.c.expiry, rows.c.lot_id]
    return list(session.scalars(select(rows.c.lot_id).order_by(*ordered)))


def lot_lines(session: Session, lot_ids: Sequence[int]) -> list[LotLine]:
    """The rows for these lots, in the order given (one page of the Stock view)."""
    if not lot_ids:
        return []
    query = stock_query(lot_ids).add_columns(Lot.id.label("lot_id"))
    found = {
        r.lot_id: LotLine(
            r.lot_id,
            r.product,
            r.lot,
            r.expiry,
            r.location,
            LotStatus(r.status),
            r.on_hand,
            r.void_on is not None,
        )
        for r in session.execute(query)
    }
    return [found[i] for i in lot_ids if i in found]


# -- what staff do to a lot --------------------------------------------------------------


def _lot(session: Session, product: str, lot: str) -> Lot:
    found = session.scalar(
        select(Lot)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.name == product, Lot.code == lot)
    )
    if found is None:
        raise InvalidInput([Problem("lot", f"no lot {lot!r} of product {product!r}")])
    if found.void_on is not None:
        raise InvalidInput([Problem("lot", f"lot {lot} of {product} is void (entered in error)")])
    return found


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidInput([Problem("reason", "say why (it is kept in the audit trail)")])
    return text


def _on_hand(session: Session, lot_id: int) -> int:
    return on_hand_totals(session, [lot_id]).get(lot_id, 0)


def _movement(
    session: Session,
    lot: Lot,
    *,
    kind: MovementKind,
    on: dt.date,
    quantity: int,
    reason: str,
    user: str,
    status: LotStatus | None = None,
    location_id: int | None = None,
) -> str:
    ref = next_movement_ref(session)
    session.add(
        Movement(
            ref=ref,
            lot_id=lot.id,
            date=on,
            kind=kind,
            quantity=quantity,
            reason=reason,
            status=status,
            location_id=location_id,
            recorded_at=utc_now(),
            recorded_by=user,
        )
    )
    session.flush()
    return ref


def movement_change(
    product: str,
    lot: str,
    ref: str,
    kind: MovementKind,
    on: dt.date,
    quantity: int,
    reason: str,
    status: LotStatus | None = None,
    location: str | None = None,
) -> Change:
    """The movement's own audit event (as an import records it), so a replay of the trail
    can check each movement, not only the lot it changed."""
    new = {
        "ref": ref,
        "product": product,
        "lot": lot,
        "date": on.isoformat(),
        "kind": kind.value,
        "quantity": quantity,
        "reason": reason,
        "status": None if status is None else status.value,
        "location": location,
    }
    return Change("movement", ref, AuditAction.CREATE, new=new)


def current_status(session: Session, lot: Lot) -> LotStatus:
    latest = session.scalar(
        select(Movement.status)
        .where(
            Movement.lot_id == lot.id,
            Movement.kind == MovementKind.STATUS_CHANGE,
            Movement.void_on.is_(None),
        )
        .order_by(Movement.date.desc(), Movement.id.desc())
        .limit(1)
    )
    return latest or lot.initial_status


class NoCertificateOfAnalysis(Conflict):
    """Releasing a lot from quarantine needs its certificate of analysis on file, or an
    admin's override with a written reason; nothing was written."""

    def __init__(self, product: str, lot: str) -> None:
        super().__init__(RELEASE_NEEDS_COA.format(product=product, lot=lot))
        self.product, self.lot = product, lot


def has_certificate_of_analysis(session: Session, lot_id: int) -> bool:
    """Whether a certificate of analysis for this lot is on file."""
    found = select(Document.id).where(
        Document.kind == DocumentKind.CERTIFICATE_OF_ANALYSIS, Document.lot_id == lot_id
    )
    return session.scalar(found.limit(1)) is not None


def _check_release(
    session: Session, found: Lot, product: str, *, without_coa: bool, reason: str, user: str
) -> bool:
    """Whether this release from quarantine goes ahead without a certificate of analysis
    (an admin's override, its reason at least 15 characters and three words). Raises
    NoCertificateOfAnalysis when the lot has none and no override is given."""
    if has_certificate_of_analysis(session, found.id):
        return False
    if not without_coa:
        raise NoCertificateOfAnalysis(product, found.code)
    if acting_role(session, user) not in (None, Role.ADMIN):
        raise NotPermitted(f"{user}: {RELEASE_OVERRIDE_NEEDS_ADMIN}")
    problem = reason_problem(reason)
    if problem:
        raise InvalidInput([Problem(field_words("override_reason"), problem)])
    return True


def change_lot_status(
    session: Session,
    product: str,
    lot: str,
    status: LotStatus,
    *,
    reason: str,
    on: dt.date,
    user: str,
    without_coa: bool = False,
) -> str:
    """Record a status change (release, hold, recall, destroy …). Destroying a lot also
    writes off what is left of it as waste. Releasing a lot from quarantine needs its
    certificate of analysis on file, or `without_coa` from an admin with a reason of at
    least 15 characters and three words (kept in the audit trail). Returns the movement's
    reference."""
    require(session, user, Permission.ADJUST_STOCK)
    why = _reason(reason)
    found = _lot(session, product, lot)
    old = current_status(session, found)
    if old is status:
        raise InvalidInput([Problem("status", f"lot {lot} is already {phrase(status)}")])
    overridden = False
    if status is LotStatus.RELEASED and old is LotStatus.QUARANTINE:
        overridden = _check_release(
            session, found, product, without_coa=without_coa, reason=why, user=user
        )
    ref = _movement(
        session,
        found,
        kind=MovementKind.STATUS_CHANGE,
        on=on,
        quantity=0,
        reason=why,
        user=user,
        status=status,
    )
    changes = [
        Change("lot", f"{product} / {lot}", AuditAction.UPDATE, "status", old.value, status.value),
        movement_change(product, lot, ref, MovementKind.STATUS_CHANGE, on, 0, why, status),
    ]
    if overridden:
        changes.append(
            Change(
                "lot", f"{product} / {lot}", AuditAction.UPDATE, "released_without_coa", None, True
            )
        )
    left = _on_hand(session, found.id)
    if status is LotStatus.DESTROYED and left > 0:
        waste = _movement(
            session,
            found,
            kind=MovementKind.WASTE,
            on=on,
            quantity=-left,
            reason=f"destroyed: {why}",
            user=user,
        )
        changes.append(Change("lot", f"{product} / {lot}", AuditAction.UPDATE, "on_hand", left, 0))
        changes.append(
            movement_change(product, lot, waste, MovementKind.WASTE, on, -left, f"destroyed: {why}")
        )
    write_audit(session, changes, user=user, reason=why)
    return ref


def record_waste(
    session: Session,
    product: str,
    lot: str,
    vials: int,
    *,
    reason: str,
    on: dt.date,
    user: str,
) -> str:
    require(session, user, Permission.ADJUST_STOCK)
    why = _reason(reason)
    if vials < 1:
        raise InvalidInput([Problem("vials", "waste at least one vial")])
    found = _lot(session, product, lot)
    before = _on_hand(session, found.id)
    ensure_not_overdrawn(session, found.id, [Entry(on, -vials, f"wasting {vials} vial(s)")], lot)
    ref = _movement(
        session, found, kind=MovementKind.WASTE, on=on, quantity=-vials, reason=why, user=user
    )
    write_audit(
        session,
        [
            Change(
                "lot", f"{product} / {lot}", AuditAction.UPDATE, "on_hand", before, before - vials
            ),
            movement_change(product, lot, ref, MovementKind.WASTE, on, -vials, why),
        ],
        user=user,
        reason=why,
    )
    return ref


def transfer_lot(
    session: Session,
    product: str,
    lot: str,
    location: str,
    *,
    reason: str,
    on: dt.date,
    user: str,
) -> str:
    require(session, user, Permission.ADJUST_STOCK)
    why = _reason(reason)
    found = _lot(session, product, lot)
    target = session.scalar(select(Location).where(Location.name == location))
    if target is None:
        raise InvalidInput([Problem("location", f"unknown location {location!r}")])
    ref = _movement(
        session,
        found,
        kind=MovementKind.TRANSFER,
        on=on,
        quantity=0,
        reason=why,
        user=user,
        location_id=target.id,
    )
    write_audit(
        session,
        [
            Change("lot", f"{product} / {lot}", AuditAction.UPDATE, "location", None, location),
            movement_change(
                product, lot, ref, MovementKind.TRANSFER, on, 0, why, location=location
            ),
        ],
        user=user,
        reason=why,
    )
    return ref
