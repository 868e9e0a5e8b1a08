"""Stock counts: what was expected when a count was opened, and what the auditor found."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from exodesk.models.base import Base


class StockCount(Base):
    """A count of one location (or all). Movements with an id above `movement_watermark`,
    and treatments above `treatment_watermark`, were recorded after it was opened; closing
    reconciles against them."""

    __tablename__ = "stock_count"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    count_date: Mapped[dt.date]
    opened_at: Mapped[dt.datetime]
    opened_by: Mapped[str | None] = mapped_column(String(200))
    movement_watermark: Mapped[int]
    treatment_watermark: Mapped[int]
    closed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(200))
    close_reason: Mapped[str | None] = mapped_column(Text)


class StockCountLine(Base):
    """One lot of a count: `expected` is None for a lot found but not expected; `counted`
    is None until it is counted. Closing stores what was expected by then (the expectation
    plus every movement recorded since the count opened) and the adjustment made."""

    __tablename__ = "stock_count_line"
    __table_args__ = (UniqueConstraint("count_id", "lot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("stock_count.id", ondelete="CASCADE"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    location: Mapped[str | None] = mapped_column(String(200))
    expected: Mapped[int | None]
    counted: Mapped[int | None]
    counted_at: Mapped[dt.datetime | None]
    counted_by: Mapped[str | None] = mapped_column(String(200))
    reconciled_expected: Mapped[int | None]
    adjustment: Mapped[int | None]
