"""What the Dashboard counts of the lots on hand (by location, usable per product, expiring
soon, waiting for release), kept up to date lot by lot: after a write only the lots it
touched are read again and counted in or out, not a clinic group's hundred thousand."""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy.orm import Session

from exodesk.models.enums import LotStatus
from exodesk.services.stock.on_hand import StockRow, stock_by_lot, stock_order
from exodesk.settings import LOT_EXPIRING_DAYS

NO_LOCATION = "(no location)"


class DashboardStock:
    """Read with `read(session, today)`; `read_again(session, lot_ids)` updates it in place
    (one thread at a time). A lot is counted when it has stock on hand and is not void."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.horizon = today + dt.timedelta(days=LOT_EXPIRING_DAYS)
        self.rows: dict[int, StockRow] = {}
        self.locations: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # lots, vials
        self.usable: Counter[str] = Counter()  # released, unexpired vials per product
        self.expiring: dict[int, StockRow] = {}  # expiring by the horizon (or expired)
        self.quarantined: dict[int, StockRow] = {}
        # the first of each list as last worked out, until a lot comes into it or leaves it
        self._first: dict[str, tuple[int, list[StockRow]]] = {}

    @classmethod
    def read(cls, session: Session, today: dt.date) -> DashboardStock:
        stock = cls(today)
        for lot_id, row in stock_by_lot(session).items():
            stock._count_in(lot_id, row)
        return stock

    def read_again(self, session: Session, lot_ids: Iterable[int]) -> None:
        """These lots as they are now (gone from the counts when empty or void)."""
        again = sorted(set(lot_ids))
        if not again:
            return
        now = stock_by_lot(session, again)
        for lot_id in again:
            self._count_out(lot_id)
            row = now.get(lot_id)
            if row is not None:
                self._count_in(lot_id, row)

    def first_expiring(self, limit: int) -> list[StockRow]:
        return self._first_of("expiring", self.expiring, limit)

    def first_quarantined(self, limit: int) -> list[StockRow]:
        return self._first_of("quarantined", self.quarantined, limit)

    def _first_of(self, name: str, rows: dict[int, StockRow], limit: int) -> list[StockRow]:
        known = self._first.get(name)
        if known is None or known[0] != limit:
            known = limit, heapq.nsmallest(limit, rows.values(), key=stock_order)
            self._first[name] = known
        return list(known[1])

    def _count_in(self, lot_id: int, row: StockRow) -> None:
        self.rows[lot_id] = row
        place = self.locations[row.location or NO_LOCATION]
        place[0] += 1
        place[1] += row.on_hand
        if row.expiry <= self.horizon:
            self.expiring[lot_id] = row
            self._first.pop("expiring", None)
        if row.status is LotStatus.QUARANTINE:
            self.quarantined[lot_id] = row
            self._first.pop("quarantined", None)
        elif row.status is LotStatus.RELEASED and row.expiry >= self.today:
            self.usable[row.product] += row.on_hand

    def _count_out(self, lot_id: int) -> None:
        row = self.rows.pop(lot_id, None)
        if row is None:
            return
        where = row.location or NO_LOCATION
        place = self.locations[where]
        place[0] -= 1
        place[1] -= row.on_hand
        if place[0] == 0:
            del self.locations[where]
        if self.expiring.pop(lot_id, None) is not None:
            self._first.pop("expiring", None)
        if self.quarantined.pop(lot_id, None) is not None:
            self._first.pop("quarantined", None)
        if row.status is LotStatus.RELEASED and row.expiry >= self.today:
            self.usable[row.product] -= row.on_hand
            if self.usable[row.product] == 0:
                del self.usable[row.product]
