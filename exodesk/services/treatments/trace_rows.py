"""A row of a lot's trace: one treatment that used it (plain data, no database access)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class TraceRow:
    ref: str
    date: dt.date
    patient: str
    practitioner: str
    route: str
    zone: str | None
    vials: int

    def as_json(self) -> dict[str, Any]:
        row = asdict(self)
        row["date"] = self.date.isoformat()
        return row
