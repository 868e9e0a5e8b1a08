"""The rows of a count as the counting widget sees them, and the source they come from
(a count in the database or a sheet file)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from exodesk.services.stock.receiving import (
    Scan,
)


# --------------------------------------------------------------------------------------------
# What the widget works on
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CountRow:
    """One lot of the sheet as the widget shows it. The last three are known online only,
    the reconciliation ones once the count is closed."""

    product: str
    lot: str
    expiry: dt.date | None
    location: str | None
    expected: int | None
    counted: int | None
    counted_by: str | None = None
    reconciled_expected: int | None = None
    adjustment: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.product, self.lot)

    @property
    def differs(self) -> bool:
        """Differs from what was expected: when the count opened, or (closed) by then."""
        if self.adjustment is not None:
            return self.adjustment != 0
        return self.counted is not None and self.counted != self.expected


@dataclass(frozen=True)
class FoundLot:
    """A lot found on the shelf that is not on the sheet."""

    product: str
    lot: str
    expiry: dt.date | None
    location: str | None
    counted: int


@dataclass(frozen=True)
class Lookup:
    """What a scan or a typed lot code points at: rows of the sheet, or (when none) a lot
    that could be added as found but not expected, or a problem in plain words."""

    rows: list[CountRow]
    draft: FoundLot | None = None
    product_fixed: bool = False
    problem: str | None = None
    note: str | None = None


class CountSource(Protocol):
    """Where the counts come from and go to. Every write is saved before it returns."""

    offline: bool

    def title(self) -> str: ...
    def load(self) -> list[CountRow]: ...
    def read_only(self) -> str | None: ...
    def default_location(self) -> str | None: ...
    def product_choices(self) -> list[str]: ...
    def location_choices(self) -> list[str]: ...
    def lot_choices(self, product: str) -> list[str]: ...
    def set_counted(self, row: CountRow, counted: int | None) -> None: ...
    def add_found(self, found: FoundLot) -> None: ...
    def lookup_scan(self, scan: Scan, rows: Sequence[CountRow]) -> Lookup: ...


def lots_with_code(rows: Sequence[CountRow], code: str) -> list[CountRow]:
    code = code.strip()
    exact = [r for r in rows if r.lot == code]
    if exact:
        return exact
    return [r for r in rows if r.lot.casefold() == code.casefold()]


def expiry_note(scan: Scan, matches: Sequence[CountRow]) -> str | None:
    if scan.expiry is None or len(matches) != 1:
        return None
    on_sheet = matches[0].expiry
    if on_sheet is not None and on_sheet != scan.expiry:
        return (
            f"Note: the box says expiry {scan.expiry.isoformat()}, the sheet says "
            f"{on_sheet.isoformat()}; check the label."
        )
    return None


def note_for(row: CountRow) -> str:
    if row.counted is None:
        return ""
    if row.adjustment is not None:
        return f"adjusted {row.adjustment:+d}" if row.adjustment else "no adjustment"
    if row.expected is None:
        return "found, not expected"
    if row.counted == row.expected:
        return "matches"
    return f"differs by {row.counted - row.expected:+d}"


def number_text(value: int | None) -> str:
    return "" if value is None else str(value)


def describe(row: CountRow) -> str:
    return f"lot {row.lot} of {row.product}"


def progress_text(rows: Sequence[CountRow]) -> str:
    done = sum(1 for r in rows if r.counted is not None)
    differ = sum(1 for r in rows if r.differs)
    if any(r.adjustment is not None for r in rows):
        return (
            f"{done} of {len(rows)} lot{'' if len(rows) == 1 else 's'} counted · "
            f"{differ} adjusted when the count was closed"
        )
    return (
        f"{done} of {len(rows)} lot{'' if len(rows) == 1 else 's'} counted · "
        f"{differ} differ{'s' if differ == 1 else ''} from expected"
    )
