"""What closing a stock count would do, worked out without writing anything (the same
`counts.reconcile` that closing uses), so the user sees the adjustments before committing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exodesk.models import StockCount, StockCountLine
from exodesk.services.counts.counts import (
    CountClosed,
    Discrepancy,
    UnknownCount,
    get_count,
    reconcile,
)


@dataclass(frozen=True)
class ClosePreview:
    """`discrepancies` as closing now would record them; `counted` lots are reconciled (those
    among them that match need no adjustment), `uncounted` lots keep their stock."""

    count_id: int
    counted: int
    uncounted: int
    discrepancies: list[Discrepancy]

    @property
    def matching(self) -> int:
        return self.counted - len(self.discrepancies)


def preview_close(session: Session, count_id: int) -> ClosePreview:
    """The discrepancies closing `count_id` now would produce. Reads only."""
    count = session.get(StockCount, count_id)
    if count is None:
        raise UnknownCount(count_id)
    if count.closed_at is not None:
        raise CountClosed(get_count(session, count_id))
    lines = (
        session.scalar(
            select(func.count())
            .select_from(StockCountLine)
            .where(StockCountLine.count_id == count_id)
        )
        or 0
    )
    counted = reconcile(session, count)
    found = [r.discrepancy for r in counted if r.discrepancy.adjustment]
    return ClosePreview(count_id, len(counted), lines - len(counted), found)
