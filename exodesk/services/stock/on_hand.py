"""Stock on hand, derived from the ledger, with each lot's current status and location."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from exodesk.models import Location, Lot, LotStatus, Movement, MovementKind, Product
from exodesk.services.stock.ledger import counted_movements, counted_uses
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
        return {
            "product": self.product,
            "lot": self.lot,
            "expiry": self.expiry.isoformat(),
            "location": self.location,
            "status": self.status.value,
            "on_hand": self.on_hand,
        }


def _latest(kind: MovementKind, column: Any) -> Any:
    """The value of `column` on the lot's latest movement of this kind (by date, then entry)."""
    return (
        select(column)
        .where(Movement.lot_id == Lot.id, Movement.kind == kind, Movement.void_on.is_(None))
        .order_by(Movement.date.desc(), Movement.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _summed_by_lot(lot_ids: Sequence[int] | None, product_id: int | None = None) -> tuple[Any, Any]:
    """Each lot's movements that count and its treatments' uses that count (minus the vials
    used), each summed as (lot_id, quantity): two tables worked out once per statement
    (materialised: a million treatments are summed from `ix_treatment_lot_use` alone, in lot
    order)."""
    moved, used = (
        _summed(name, lines, product_id)
        for name, lines in (("moved", counted_movements(lot_ids)), ("used", counted_uses(lot_ids)))
    )
    return moved, used


def _summed(name: str, lines: Select[Any], product_id: int | None) -> Any:
    part = lines.subquery()
    query = select(part.c.lot_id, func.sum(part.c.quantity).label("quantity"))
    if product_id is not None:
        query = query.where(part.c.lot_id.in_(select(Lot.id).where(Lot.product_id == product_id)))
    return query.group_by(part.c.lot_id).cte(name).prefix_with("MATERIALIZED")


def on_hand_totals(session: Session, lot_ids: Sequence[int] | None = None) -> dict[int, int]:
    """Each lot's stock on hand (lots with no ledger line that counts are left out)."""
    session.flush()
    totals: dict[int, int] = defaultdict(int)
    for summed in _summed_by_lot(lot_ids):
        for lot_id, quantity in session.connection().execute(select(summed)):
            totals[lot_id] += int(quantity)
    return dict(totals)


def stock_query(
    lot_ids: Sequence[int] | None = None, *, product_id: int | None = None
) -> Select[Any]:
    """Every lot (or only these, or only those of one product) with its on-hand, current
    status and current location, as SQL columns, so views can sort, filter and page in the
    database. Void movements count nowhere; a void lot (on hand 0, its receipt void too) has
    `void_on` set."""
    moved, used = _summed_by_lot(lot_ids, product_id)
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
            (func.coalesce(moved.c.quantity, 0) + func.coalesce(used.c.quantity, 0)).label(
                "on_hand"
            ),
            Lot.void_on.label("void_on"),
        )
        .join(Product, Product.id == Lot.product_id)
        .outerjoin(initial_location, initial_location.id == Lot.location_id)
        .outerjoin(moved, moved.c.lot_id == Lot.id)
        .outerjoin(used, used.c.lot_id == Lot.id)
    )
    if product_id is not None:
        query = query.where(Lot.product_id == product_id)
    return query if lot_ids is None else query.where(Lot.id.in_(lot_ids))


def stock_on_hand(session: Session, *, include_empty: bool = False) -> list[StockRow]:
    """Lots with stock on hand (or every lot that is not void), soonest expiry first."""
    return list(iter_stock_on_hand(session, include_empty=include_empty))


def iter_stock_on_hand(session: Session, *, include_empty: bool = False) -> Iterator[StockRow]:
    """The rows of `stock_on_hand`, one after another as they are read."""
    query = stock_query()
    query = query.where(Lot.void_on.is_(None))
    if not include_empty:
        query = query.where(func.coalesce(query.selected_columns.on_hand, 0) > 0)
    query = query.order_by(Lot.expiry, Product.name, Lot.code)
    statuses = {s.value: s for s in LotStatus}
    for product, lot, expiry, location, status, on_hand, _ in session.connection().execute(query):
        yield StockRow(product, lot, expiry, location, statuses[status], on_hand)


def stock_by_lot(session: Session, lot_ids: Sequence[int] | None = None) -> dict[int, StockRow]:
    """The rows of `stock_on_hand` by lot id (of every lot, or of these only; a lot with
    nothing on hand, or void, is left out)."""
    query = stock_query(lot_ids).add_columns(Lot.id).where(Lot.void_on.is_(None))
    query = query.where(func.coalesce(query.selected_columns.on_hand, 0) > 0)
    statuses = {s.value: s for s in LotStatus}
    rows = session.connection().execute(query)
    return {
        lot_id: StockRow(product, lot, expiry, location, statuses[status], on_hand)
        for product, lot, expiry, location, status, on_hand, _, lot_id in rows
    }


def stock_order(row: StockRow) -> tuple[dt.date, str, str]:
    """The order of `stock_on_hand`: soonest expiry first, then product and lot."""
    return row.expiry, row.product, row.lot


def expiry_note(expiry: dt.date, today: dt.date) -> str:
    """What the stock list says beside a lot's expiry: "EXPIRED", "expires in N days" within
    the lot alert window, or nothing."""
    days = (expiry - today).days
    if days < 0:
        return "EXPIRED"
    if days <= LOT_EXPIRING_DAYS:
        return f"expires in {days} days"
    return ""
