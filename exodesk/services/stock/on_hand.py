"""Stock on hand, derived from the ledger, with each lot's current status and location."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from exodesk.models import Location, Lot, LotStatus, Movement, MovementKind, Product
from exodesk.settings import LOT_EXPIRING_DAYS


@dataclass(frozen=True)
class StockRow:
    product: str
    lot: str
    expiry: dt.date
    location: str | None
    status: LotStatus
    on_hand: int

    def as_json(self) -> dict[str, Any]:
        row = asdict(self)
        row["expiry"] = self.expiry.isoformat()
        row["status"] = self.status.value
        return row


def _latest(kind: MovementKind, column: Any) -> Any:
    """The value of `column` on the lot's latest movement of this kind (by date, then entry)."""
    return (
        select(column)
        .where(Movement.lot_id == Lot.id, Movement.kind == kind, Movement.void_on.is_(None))
        .order_by(Movement.date.desc(), Movement.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def on_hand_by_lot(lot_ids: Sequence[int] | None = None) -> Any:
    """Each lot's stock on hand: the sum of its movements that are not void."""
    query = select(Movement.lot_id, func.sum(Movement.quantity).label("on_hand")).where(
        Movement.void_on.is_(None)
    )
    if lot_ids is not None:
        query = query.where(Movement.lot_id.in_(lot_ids))
    return query.group_by(Movement.lot_id).subquery()


def stock_query(lot_ids: Sequence[int] | None = None) -> Select[Any]:
    """Every lot (or only these) with its on-hand, current status and current location, as
    SQL columns, so views can sort, filter and page in the database. Void movements count
    nowhere; a void lot (on hand 0, its receipt void too) has `void_on` set."""
    totals = on_hand_by_lot(lot_ids)
    initial_location = aliased(Location)
    moved_to = aliased(Location)
    latest_location = (
        select(moved_to.name)
        .join(Movement, Movement.location_id == moved_to.id)
        .where(
            Movement.lot_id == Lot.id,
            Movement.kind == MovementKind.TRANSFER,
            Movement.void_on.is_(None),
        )
        .order_by(Movement.date.desc(), Movement.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(
            Product.name.label("product"),
            Lot.code.label("lot"),
            Lot.expiry.label("expiry"),
            func.coalesce(latest_location, initial_location.name).label("location"),
            func.coalesce(
                _latest(MovementKind.STATUS_CHANGE, Movement.status), Lot.initial_status
            ).label("status"),
            func.coalesce(totals.c.on_hand, 0).label("on_hand"),
            Lot.void_on.label("void_on"),
        )
        .join(Product, Product.id == Lot.product_id)
        .outerjoin(initial_location, initial_location.id == Lot.location_id)
        .outerjoin(totals, totals.c.lot_id == Lot.id)
    )
    return query if lot_ids is None else query.where(Lot.id.in_(lot_ids))


def stock_on_hand(session: Session, *, include_empty: bool = False) -> list[StockRow]:
    """Lots with stock on hand (or every lot that is not void), soonest expiry first."""
    query = stock_query()
    query = query.where(Lot.void_on.is_(None))
    if not include_empty:
        query = query.where(func.coalesce(query.selected_columns.on_hand, 0) > 0)
    query = query.order_by(Lot.expiry, Product.name, Lot.code)
    return [
        StockRow(r.product, r.lot, r.expiry, r.location, LotStatus(r.status), r.on_hand)
        for r in session.execute(query)
    ]


def expiry_note(expiry: dt.date, today: dt.date) -> str:
    """What the stock list says beside a lot's expiry: "EXPIRED", "expires in N days" within
    the lot alert window, or nothing."""
    days = (expiry - today).days
    if days < 0:
        return "EXPIRED"
    if days <= LOT_EXPIRING_DAYS:
        return f"expires in {days} days"
    return ""
