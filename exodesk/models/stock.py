"""Lots, the stock movement ledger, treatments and open (reconstituted) vials."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from exodesk.models.base import Base, EnumText, StringList, Voidable
from exodesk.models.enums import LotStatus, MovementKind, Route, VialOutcome, Zone


class Lot(Voidable, Base):
    """A lot of one product. `initial_status` and `location_id` hold from `received`;
    later changes are status_change and transfer movements in the ledger."""

    __tablename__ = "lot"
    __table_args__ = (UniqueConstraint("product_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    code: Mapped[str] = mapped_column(String(100))
    expiry: Mapped[dt.date] = mapped_column(index=True)
    received: Mapped[dt.date | None]
    initial_status: Mapped[LotStatus] = mapped_column(EnumText(LotStatus))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))


class Treatment(Voidable, Base):
    __tablename__ = "treatment"
    # A lot's treatments with what each takes from it: the vials used from every lot are
    # read from this index alone, in lot order (stock on hand of a clinic group's 100,000 lots)
    __table_args__ = (Index("ix_treatment_lot_use", "lot_id", "void_on", "vials"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), unique=True)
    date: Mapped[dt.date] = mapped_column(index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    patient: Mapped[str] = mapped_column(String(100), index=True)
    practitioner: Mapped[str] = mapped_column(String(200))
    route: Mapped[Route] = mapped_column(EnumText(Route))
    zone: Mapped[Zone | None] = mapped_column(EnumText(Zone))
    vials: Mapped[int]
    time: Mapped[dt.time | None]  # when it was given, local clinic time
    reconstituted: Mapped[dt.datetime | None]  # when the vial was reconstituted, local time
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[str | None] = mapped_column(String(200))
    override_rules: Mapped[list[str] | None] = mapped_column(StringList())  # rule ids
    recorded_at: Mapped[dt.datetime]
    recorded_by: Mapped[str | None] = mapped_column(String(200))


class Movement(Voidable, Base):
    """One row of the stock ledger. A lot's stock on hand is the sum of its quantities less
    the vials of its treatments (a treatment is its own use line: `ledger.counted_uses`)."""

    __tablename__ = "movement"
    __table_args__ = (
        Index("ix_movement_lot_id_date", "lot_id", "date"),
        # A lot's latest move and status change, found among its few such movements rather
        # than among all its uses (`on_hand.stock_query`): partial, so they stay small.
        Index(
            "ix_movement_latest_transfer",
            "lot_id",
            "date",
            "id",
            sqlite_where=text("kind = 'transfer'"),
            postgresql_where=text("kind = 'transfer'"),
        ),
        Index(
            "ix_movement_latest_status_change",
            "lot_id",
            "date",
            "id",
            sqlite_where=text("kind = 'status_change'"),
            postgresql_where=text("kind = 'status_change'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    date: Mapped[dt.date]
    kind: Mapped[MovementKind] = mapped_column(EnumText(MovementKind))
    quantity: Mapped[int]
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[LotStatus | None] = mapped_column(EnumText(LotStatus))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    recorded_at: Mapped[dt.datetime]
    recorded_by: Mapped[str | None] = mapped_column(String(200))


class OpenVial(Base):
    """A vial reconstituted and not yet used up or discarded: usable only within its product's
    `reconstitution_hours`. Times are local clinic time, as on the vial's label."""

    __tablename__ = "open_vial"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), unique=True)  # V-0001, on the vial's label
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    reconstituted_at: Mapped[dt.datetime]
    reconstituted_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[dt.datetime | None]  # used up or discarded; None: still open
    closed_by: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[VialOutcome | None] = mapped_column(EnumText(VialOutcome))
    treatment_id: Mapped[int | None] = mapped_column(ForeignKey("treatment.id"))
    movement_id: Mapped[int | None] = mapped_column(ForeignKey("movement.id"))  # the waste
    recorded_at: Mapped[dt.datetime]
    recorded_by: Mapped[str | None] = mapped_column(String(200))
