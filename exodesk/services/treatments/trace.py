"""Recall: every treatment that used a lot, oldest first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.models import Lot, Product, Treatment
from exodesk.services.errors import NotFound
from exodesk.services.treatments.trace_rows import TraceRow

__all__ = ["TraceRow", "UnknownLot", "trace_lot"]


class UnknownLot(NotFound):
    def __init__(self, product: str, lot: str) -> None:
        super().__init__(f"no lot {lot!r} of product {product!r} in this database")
        self.product = product
        self.lot = lot


def trace_lot(session: Session, product: str, lot: str) -> list[TraceRow]:
    lot_id = session.scalar(
        select(Lot.id)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.name == product, Lot.code == lot)
    )
    if lot_id is None:
        raise UnknownLot(product, lot)
    rows = session.scalars(
        select(Treatment)
        .where(Treatment.lot_id == lot_id, Treatment.void_on.is_(None))  # void counts nowhere
        .order_by(Treatment.date, Treatment.ref)
    )
    return [
        TraceRow(
            t.ref,
            t.date,
            t.patient,
            t.practitioner,
            t.route.value,
            t.zone.value if t.zone is not None else None,
            t.vials,
        )
        for t in rows
    ]
