"""What the Dashboard shows at a glance."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.models.catalogue import Document, Product, document_product
from exodesk.models.enums import IN_FORCE, DocumentKind, LotStatus, Severity
from exodesk.models.vocabulary import missing_document
from exodesk.services.compliance import rules
from exodesk.services.stock.on_hand import StockRow, stock_on_hand
from exodesk.services.stock.vials import VialRow, open_vials
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
class CertificateToCheck:
    """A certificate in force that nobody checked with its issuer or a register, or not
    within the last year: `verified_on` None means never."""

    kind: DocumentKind
    number: str
    products: tuple[str, ...]
    verified_on: dt.date | None


@dataclass(frozen=True)
class RunningLow:
    """A product whose usable vials (released lots, not expired) are at or below its
    reorder level."""

    product: str
    usable: int
    reorder_level: int


# Certificates the clinic should check with the issuer (or the public register) every year
CHECKED_KINDS = (DocumentKind.CE_CERTIFICATE, DocumentKind.ATMP_AUTHORISATION)
CHECK_EVERY_DAYS = 365


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    counts: dict[Severity, int]  # open flags (an overridden one is not counted)
    top_flags: list[rules.Flag]  # every open block, then the first open warnings
    expiring: list[StockRow]
    missing_documents: list[MissingDocuments]
    by_location: list[LocationStock]
    open_total: int = 0  # open flags in all: the Flags view shows every one of them
    quarantined: list[StockRow] = field(default_factory=list)  # waiting for release
    certificates_to_check: list[CertificateToCheck] = field(default_factory=list)
    running_low: list[RunningLow] = field(default_factory=list)
    # vials reconstituted and not yet used or discarded, the one to use first first (the
    # window's time left is counted from the clock, not from `today`)
    open_vials: list[VialRow] = field(default_factory=list)


def certificates_to_check(session: Session, today: dt.date) -> list[CertificateToCheck]:
    """Issued, unexpired certificates never checked or last checked over a year ago."""
    stale = today - dt.timedelta(days=CHECK_EVERY_DAYS)
    docs = session.scalars(
        select(Document)
        .where(
            Document.kind.in_([k.value for k in CHECKED_KINDS]),
            Document.status.in_([s.value for s in IN_FORCE]),
            (Document.expires.is_(None)) | (Document.expires >= today),
            (Document.verified_on.is_(None)) | (Document.verified_on < stale),
        )
        .order_by(Document.verified_on.is_not(None), Document.verified_on, Document.number)
    ).all()
    covers: dict[int, list[str]] = defaultdict(list)
    if docs:
        for doc_id, name in session.execute(
            select(document_product.c.document_id, Product.name)
            .join(Product, Product.id == document_product.c.product_id)
            .where(document_product.c.document_id.in_([d.id for d in docs]))
            .order_by(Product.name)
        ):
            covers[doc_id].append(name)
    return [
        CertificateToCheck(DocumentKind(d.kind), d.number, tuple(covers[d.id]), d.verified_on)
        for d in docs
    ]


def running_low(session: Session, stock: list[StockRow], today: dt.date) -> list[RunningLow]:
    """Products with a reorder level whose usable vials are at or below it."""
    usable: Counter[str] = Counter()
    for row in stock:
        if row.status is LotStatus.RELEASED and row.expiry >= today:
            usable[row.product] += row.on_hand
    levels = session.execute(
        select(Product.name, Product.reorder_level)
        .where(Product.reorder_level.is_not(None))
        .order_by(Product.name)
    ).all()
    return [
        RunningLow(name, usable[name], level)
        for name, level in levels
        if level is not None and usable[name] <= level
    ]


def dashboard(
    session: Session, today: dt.date, *, flags: list[rules.Flag] | None = None, top: int = 8
) -> Dashboard:
    """`flags`: the clinic's flags as of `today` when the caller has them already."""
    if flags is None:
        flags = rules.check(session, today)
    stock = stock_on_hand(session)
    open_flags = rules.open_flags(flags)  # overridden: listed in Flags, not open
    counts = Counter(f.severity for f in open_flags)
    blocks = [f for f in open_flags if f.severity is Severity.BLOCK]
    others = [f for f in open_flags if f.severity is not Severity.BLOCK]
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
        top_flags=blocks + others[: max(0, top - len(blocks))],  # every block reachable
        expiring=[r for r in stock if r.expiry <= horizon],
        missing_documents=[MissingDocuments(p, tuple(m)) for p, m in sorted(missing.items())],
        by_location=[
            LocationStock(name, len(rows), sum(r.on_hand for r in rows))
            for name, rows in sorted(locations.items())
        ],
        open_total=len(open_flags),
        quarantined=[r for r in stock if r.status is LotStatus.QUARANTINE],
        certificates_to_check=certificates_to_check(session, today),
        running_low=running_low(session, stock, today),
        open_vials=open_vials(session),
    )
