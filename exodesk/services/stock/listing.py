"""The Stock list as a file or on paper: every lot the view's filter shows (not only the
rows loaded so far), as CSV through the formula-cell writer, or as rows for a printed
table; and one lot's standing (on hand and status) for the Recall view."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from exodesk import csvcells
from exodesk.models.enums import LotStatus
from exodesk.models.vocabulary import phrase
from exodesk.services.stock.lots import (
    LotLine,
    StockFilter,
    _lot,
    _on_hand,
    current_status,
    lot_lines,
    stock_ids,
)
from exodesk.services.stock.on_hand import expiry_note

CSV_HEADER = ("product", "lot", "expiry", "location", "status", "on_hand", "note", "void")
PRINT_HEADER = ("Product", "Lot", "Expiry", "Location", "Status", "On hand", "Note")
_CHUNK = 500


def stock_lines(
    session: Session, flt: StockFilter, sort: str = "expiry", descending: bool = False
) -> list[LotLine]:
    """Every lot the filter shows, in the view's order."""
    ids = stock_ids(session, flt, sort, descending)
    lines: list[LotLine] = []
    for start in range(0, len(ids), _CHUNK):
        lines += lot_lines(session, ids[start : start + _CHUNK])
    return lines


def stock_csv(lines: Sequence[LotLine], today: dt.date) -> str:
    """CSV text: a header line, then one line per lot; statuses as the contract's values."""
    out = io.StringIO()
    writer = csvcells.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for line in lines:
        writer.writerow(
            (
                line.product,
                line.lot,
                line.expiry.isoformat(),
                line.location or "",
                line.status.value,
                line.on_hand,
                expiry_note(line.expiry, today),
                "void" if line.void else "",
            )
        )
    return out.getvalue()


def stock_print_rows(lines: Sequence[LotLine], today: dt.date) -> list[list[object]]:
    """The rows of the printed Stock list, in the clinic's words."""
    return [
        [
            line.product,
            line.lot + (" (void)" if line.void else ""),
            line.expiry.isoformat(),
            line.location or "",
            phrase(line.status),
            line.on_hand,
            expiry_note(line.expiry, today),
        ]
        for line in lines
    ]


@dataclass(frozen=True)
class LotStanding:
    product: str
    lot: str
    status: LotStatus
    on_hand: int


def lot_standing(session: Session, product: str, lot: str) -> LotStanding:
    """A lot's status and vials on hand now (NotFound for an unknown lot)."""
    found = _lot(session, product, lot)
    return LotStanding(product, lot, current_status(session, found), _on_hand(session, found.id))
