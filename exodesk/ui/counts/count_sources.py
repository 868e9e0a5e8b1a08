"""Where a count's rows come from and where each entry goes: a count in the database
(online) or a count sheet file alone (offline)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from exodesk.services.counts import counts
from exodesk.services.counts.sheet import SheetFile
from exodesk.services.errors import ExoDeskError, InvalidInput, Problem
from exodesk.services.queries import location_names, lot_codes, product_names
from exodesk.services.stock.receiving import (
    Scan,
    find_lot,
    find_product_by_gtin,
)
from exodesk.ui.counts.count_rows import CountRow, FoundLot, Lookup, expiry_note, lots_with_code
from exodesk.ui.shell.changes import Changes
from exodesk.ui.shell.context import AppContext
from exodesk.ui.shell.operations import run_write


def _one_entry(refused: ExoDeskError) -> ExoDeskError:
    """One entry is checked as a one-row sheet: its problems without the row number."""
    if isinstance(refused, InvalidInput):
        return InvalidInput([Problem(p.field, p.message) for p in refused.problems])
    return refused


class DatabaseCountSource:
    """A count in the clinic's database: each entry is written at once (`record_count`)."""

    offline = False

    def __init__(self, ctx: AppContext, count_id: int) -> None:
        self.ctx = ctx
        self.count_id = count_id
        with ctx.db.read() as session:
            self.summary = counts.get_count(session, count_id)

    def title(self) -> str:
        s = self.summary
        return (
            f"Count {s.id} · {s.scope} · {s.count_date.isoformat()} · opened "
            f"{s.opened_at:%Y-%m-%d %H:%M} UTC by {s.opened_by or 'someone'}"
        )

    def load(self) -> list[CountRow]:
        with self.ctx.db.read() as session:
            self.summary = counts.get_count(session, self.count_id)
            lines = counts.count_lines(session, self.count_id)
        return [
            CountRow(
                x.product,
                x.lot,
                x.expiry,
                x.location,
                x.expected,
                x.counted,
                x.counted_by,
                x.reconciled_expected,
                x.adjustment,
            )
            for x in lines
        ]

    def read_only(self) -> str | None:
        s = self.summary
        if s.is_open:
            return None
        assert s.closed_at is not None
        return (
            f"This count is closed ({s.close_reason or 'no reason given'} — by "
            f"{s.closed_by or 'someone'}, {s.closed_at:%Y-%m-%d %H:%M} UTC); it is read-only"
        )

    def default_location(self) -> str | None:
        return self.summary.location

    def product_choices(self) -> list[str]:
        with self.ctx.db.read() as session:
            return product_names(session)

    def location_choices(self) -> list[str]:
        with self.ctx.db.read() as session:
            return location_names(session)

    def lot_choices(self, product: str) -> list[str]:
        with self.ctx.db.read() as session:
            return lot_codes(session, product)

    def _record(self, product: str, lot: str, counted: int | None, where: str | None) -> None:
        count_id, user = self.count_id, self.ctx.user
        refused: list[ExoDeskError] = []
        run_write(
            self.ctx,
            lambda session: counts.record_count(
                session, count_id, product, lot, counted, user=user, location=where
            ),
            Changes.COUNTS,
            on_failure=refused.append,
        )
        if refused:
            raise _one_entry(refused[0])

    def set_counted(self, row: CountRow, counted: int | None) -> None:
        self._record(row.product, row.lot, counted, row.location)

    def add_found(self, found: FoundLot) -> None:
        self._record(found.product, found.lot, found.counted, found.location)

    def lookup_scan(self, scan: Scan, rows: Sequence[CountRow]) -> Lookup:
        if scan.lot is None:
            return Lookup([], problem="the scan has no lot (10): type the lot code from the box")
        with self.ctx.db.read() as session:
            product = find_product_by_gtin(session, scan.gtin)
            if product is None:
                return Lookup(
                    [],
                    problem=(
                        f"no product in ExoDesk has GTIN {scan.gtin}: type the lot code "
                        "from the box instead"
                    ),
                )
            matches = [r for r in rows if r.key == (product.name, scan.lot)]
            if matches:
                return Lookup(matches, note=expiry_note(scan, matches))
            lot = find_lot(session, product.name, scan.lot)
        if lot is None:
            return Lookup(
                [],
                problem=(
                    f"lot {scan.lot} of {product.name} is not in ExoDesk: receive it first "
                    "(Receive delivery…), then count it"
                ),
            )
        draft = FoundLot(lot.product, lot.lot, lot.expiry, self.default_location(), 1)
        return Lookup([], draft=draft, product_fixed=True)


class SheetCountSource:
    """A count sheet file on its own, no database: every entry rewrites the file atomically
    (SheetFile saves before returning); if saving fails the entry is undone in memory too."""

    offline = True

    def __init__(self, sheet: SheetFile) -> None:
        self.sheet = sheet

    def title(self) -> str:
        where = self.default_location()
        return f"Count sheet {self.sheet.path.name}" + (f" · {where}" if where else "")

    def load(self) -> list[CountRow]:
        return [
            CountRow(r.product, r.lot, r.expiry, r.location, r.expected, r.counted)
            for r in self.sheet.rows
        ]

    def read_only(self) -> str | None:
        folder = self.sheet.path.parent
        if not os.access(folder, os.W_OK) or (
            self.sheet.path.exists() and not os.access(self.sheet.path, os.W_OK)
        ):
            return (
                f"This sheet file cannot be saved (the file or the folder {folder} is "
                "read-only); copy it somewhere you can write, then open the copy"
            )
        return None

    def default_location(self) -> str | None:
        places = {r.location for r in self.sheet.rows if r.location}
        return places.pop() if len(places) == 1 else None

    def product_choices(self) -> list[str]:
        return sorted({r.product for r in self.sheet.rows})

    def location_choices(self) -> list[str]:
        return sorted({r.location for r in self.sheet.rows if r.location})

    def lot_choices(self, product: str) -> list[str]:
        return []

    def set_counted(self, row: CountRow, counted: int | None) -> None:
        index = self.sheet.index_of(row.product, row.lot)
        if index is None:
            raise InvalidInput([Problem("lot", f"{row.lot} of {row.product} is not on the sheet")])
        before = self.sheet.rows[index]
        try:
            self.sheet.set_counted(index, counted)
        except BaseException:
            self.sheet.rows[index] = before
            raise

    def add_found(self, found: FoundLot) -> None:
        size = len(self.sheet.rows)
        try:
            self.sheet.add_found(
                found.product, found.lot, found.expiry, found.location, found.counted
            )
        except BaseException:
            del self.sheet.rows[size:]
            raise

    def lookup_scan(self, scan: Scan, rows: Sequence[CountRow]) -> Lookup:
        if scan.lot is None:
            return Lookup([], problem="the scan has no lot (10): type the lot code from the box")
        matches = lots_with_code(rows, scan.lot)
        if matches:
            return Lookup(matches, note=expiry_note(scan, matches))
        draft = FoundLot("", scan.lot, scan.expiry, self.default_location(), 1)
        return Lookup(
            [],
            draft=draft,
            note=f"The box has GTIN {scan.gtin}; the sheet file cannot tell its product.",
        )


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------
