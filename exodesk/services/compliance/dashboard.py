"""What the Dashboard shows at a glance."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from exodesk.models.enums import Severity
from exodesk.models.vocabulary import missing_document
from exodesk.services.compliance import rules
from exodesk.services.stock.on_hand import StockRow, stock_on_hand
from exodesk.settings import LOT_EXPIRING_DAYS


@dataclass(frozen=True)
class LocationStock:
    location: str
    lots: int
    vials: int


@dataclass(frozen=True)
class MissingDocuments:
    product: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    counts: dict[Severity, int]
    top_flags: list[rules.Flag]
    expiring: list[StockRow]
    missing_documents: list[MissingDocuments]
    by_location: list[LocationStock]


def dashboard(
    session: Session, today: dt.date, *, flags: list[rules.Flag] | None = None, top: int = 8
) -> Dashboard:
    """`flags`: the clinic's flags as of `today` when the caller has them already."""
    if flags is None:
        flags = rules.check(session, today)
    stock = stock_on_hand(session)
    counts = Counter(f.severity for f in flags)
    horizon = today + dt.timedelta(days=LOT_EXPIRING_DAYS)
    missing: dict[str, list[str]] = defaultdict(list)
    for flag in flags:
        what = missing_document(flag.rule)
        if what and what not in missing[flag.product]:
            missing[flag.product].append(what)
    locations: dict[str, list[StockRow]] = defaultdict(list)
    for row in stock:
        locations[row.location or "(no location)"].append(row)
    return Dashboard(
        today=today,
        counts={s: counts.get(s, 0) for s in Severity},
        top_flags=flags[:top],
        expiring=[r for r in stock if r.expiry <= horizon],
        missing_documents=[MissingDocuments(p, tuple(m)) for p, m in sorted(missing.items())],
        by_location=[
            LocationStock(name, len(rows), sum(r.on_hand for r in rows))
            for name, rows in sorted(locations.items())
        ],
    )
