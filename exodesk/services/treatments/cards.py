"""Detail cards: everything about one lot (its receipt, every use, waste, adjustment, status
change, transfer and count, its documents, its open flags, on hand) and one treatment
(everything recorded, the override, the void). Void lines are listed, marked void, and never
counted in on hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.models import (
    Location,
    Lot,
    LotStatus,
    Movement,
    MovementKind,
    Product,
    Role,
    StockCount,
    StockCountLine,
    Treatment,
)
from exodesk.services.catalogue.documents import DocumentDetail, list_documents
from exodesk.services.compliance import rules
from exodesk.services.compliance.rules import Flag
from exodesk.services.stock.lots import current_status
from exodesk.services.stock.on_hand import stock_query
from exodesk.services.stock.voiding import VoidMark, void_mark
from exodesk.services.treatments.corrections import may_void_treatment, stored_treatment
from exodesk.services.treatments.trace import UnknownLot


@dataclass(frozen=True)
class HistoryLine:
    """One line of a lot's history, oldest first. `ref` is the movement's reference, or the
    treatment's for a use; `detail` the reason, the patient, the new status or location."""

    date: dt.date
    kind: MovementKind
    quantity: int
    ref: str | None
    detail: str
    by: str | None
    void: VoidMark | None
    treatment: str | None = None  # the treatment's ref, for a use

    @property
    def counts(self) -> bool:
        return self.void is None


@dataclass(frozen=True)
class CountLineInfo:
    """The lot on one stock count."""

    count_id: int
    count_date: dt.date
    closed: bool
    expected: int | None
    counted: int | None
    adjustment: int | None


@dataclass(frozen=True)
class LotCard:
    product: str
    lot: str
    expiry: dt.date
    received: dt.date | None
    received_status: LotStatus
    status: LotStatus
    location: str | None
    on_hand: int
    void: VoidMark | None
    history: tuple[HistoryLine, ...]
    counts: tuple[CountLineInfo, ...]
    documents: tuple[DocumentDetail, ...]
    flags: tuple[Flag, ...]  # open flags of the lot and its treatments

    @property
    def received_quantity(self) -> int:
        return sum(h.quantity for h in self.history if h.kind is MovementKind.RECEIPT)


@dataclass(frozen=True)
class TreatmentCard:
    ref: str
    date: dt.date
    time: dt.time | None
    product: str
    lot: str
    patient: str
    practitioner: str
    route: str
    zone: str | None
    vials: int
    reconstituted: dt.datetime | None
    recorded_at: dt.datetime
    recorded_by: str | None
    override_by: str | None
    override_reason: str | None
    override_rules: tuple[str, ...]
    void: VoidMark | None
    flags: tuple[Flag, ...]  # open and overridden flags of this treatment

    def may_void(self, role: Role | None, user: str | None) -> bool:
        """Whether `user` with `role` (None: no accounts) may void (or correct) it."""
        return self.void is None and may_void_treatment(
            role, user, self.practitioner, self.recorded_by
        )


def _product_flags(session: Session, product_id: int, today: dt.date) -> list[Flag]:
    """The flags of one product, its lots and their treatments (void ones raise none)."""
    return rules.evaluate(rules.load_snapshot(session, product_id=product_id), today)


def _lot_row(session: Session, product: str, lot: str) -> Lot:
    found = session.scalar(
        select(Lot)
        .join(Product, Product.id == Lot.product_id)
        .where(Product.name == product, Lot.code == lot)
    )
    if found is None:
        raise UnknownLot(product, lot)
    return found


def _detail(m: Movement, location: str | None) -> str:
    if m.kind is MovementKind.STATUS_CHANGE and m.status is not None:
        return f"{m.status.value}: {m.reason or ''}".strip(": ")
    if m.kind is MovementKind.TRANSFER:
        return f"to {location}: {m.reason or ''}".strip(": ")
    return m.reason or ""


# A history line's place: by date, then in the order recorded; on one date and moment (an
# import records everything at once) stock movements come before the treatments using it.
_Placed = tuple[tuple[dt.date, dt.datetime, int, int], HistoryLine]


def _movement_lines(session: Session, lot: Lot) -> list[_Placed]:
    return [
        (
            (m.date, m.recorded_at, 0, m.id),
            HistoryLine(
                m.date,
                m.kind,
                m.quantity,
                m.ref,
                _detail(m, location),
                m.recorded_by,
                void_mark(m),
            ),
        )
        for m, location in session.execute(
            select(Movement, Location.name)
            .outerjoin(Location, Location.id == Movement.location_id)
            .where(Movement.lot_id == lot.id)
        )
    ]


def _use_lines(session: Session, lot: Lot) -> list[_Placed]:
    """Each treatment of the lot as the line of its use (void with it)."""
    return [
        (
            (t.date, t.recorded_at, 1, t.id),
            HistoryLine(
                t.date,
                MovementKind.USE,
                -t.vials,
                t.ref,
                t.patient,
                t.recorded_by,
                void_mark(t),
                t.ref,
            ),
        )
        for t in session.scalars(select(Treatment).where(Treatment.lot_id == lot.id))
    ]


def lot_card(session: Session, product: str, lot: str, today: dt.date) -> LotCard:
    """The lot's card as of `today` (UnknownLot when there is no such lot)."""
    found = _lot_row(session, product, lot)
    placed = _movement_lines(session, found) + _use_lines(session, found)
    history = [line for _, line in sorted(placed, key=lambda p: p[0])]
    counts = [
        CountLineInfo(
            count.id,
            count.count_date,
            count.closed_at is not None,
            line.expected,
            line.counted,
            line.adjustment,
        )
        for line, count in session.execute(
            select(StockCountLine, StockCount)
            .join(StockCount, StockCount.id == StockCountLine.count_id)
            .where(StockCountLine.lot_id == found.id)
            .order_by(StockCount.count_date, StockCount.id)
        )
    ]
    state = session.execute(stock_query([found.id])).one()
    documents = [d for d in list_documents(session, today, product=product) if d.lot in (None, lot)]
    flags = [
        f for f in _product_flags(session, found.product_id, today) if f.lot == lot and f.is_open
    ]
    return LotCard(
        product,
        lot,
        found.expiry,
        found.received,
        found.initial_status,
        current_status(session, found),
        state.location,
        sum(h.quantity for h in history if h.counts),
        void_mark(found),
        tuple(history),
        tuple(counts),
        tuple(documents),
        tuple(flags),
    )


def treatment_card(session: Session, ref: str, today: dt.date) -> TreatmentCard:
    t, product_id, product, lot = stored_treatment(session, ref)
    flags = (
        []
        if t.void_on is not None
        else [f for f in _product_flags(session, product_id, today) if f.treatment == ref]
    )
    return TreatmentCard(
        t.ref,
        t.date,
        t.time,
        product,
        lot,
        t.patient,
        t.practitioner,
        t.route.value,
        t.zone.value if t.zone is not None else None,
        t.vials,
        t.reconstituted,
        t.recorded_at,
        t.recorded_by,
        t.override_by,
        t.override_reason,
        tuple(t.override_rules or ()),
        void_mark(t),
        tuple(flags),
    )
