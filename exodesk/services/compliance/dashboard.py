"""What the Dashboard shows at a glance."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import compress, islice
from operator import attrgetter

from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.models.catalogue import Document, Product, document_product
from exodesk.models.enums import IN_FORCE, DocumentKind, Severity
from exodesk.models.vocabulary import missing_document
from exodesk.services.compliance import rules
from exodesk.services.compliance.dashboard_stock import DashboardStock
from exodesk.services.compliance.flag_list import FlagList
from exodesk.services.stock.on_hand import StockRow
from exodesk.services.stock.vials import VialRow, open_vials

_RULE, _PRODUCT = attrgetter("rule"), attrgetter("product")


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


# The most rows a Dashboard list holds: a clinic group's hundred thousand lots would bury the
# first ones (each list says how many more there are, and where to see them all)
LISTED_AT_MOST = 200

# Certificates the clinic should check with the issuer (or the public register) every year
CHECKED_KINDS = (DocumentKind.CE_CERTIFICATE, DocumentKind.ATMP_AUTHORISATION)
CHECK_EVERY_DAYS = 365


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    counts: dict[Severity, int]  # open flags (an overridden one is not counted)
    top_flags: list[rules.Flag]  # the open blocks, then the first open warnings
    expiring: list[StockRow]  # soonest first, at most LISTED_AT_MOST
    missing_documents: list[MissingDocuments]
    by_location: list[LocationStock]
    open_total: int = 0  # open flags in all: the Flags view shows every one of them
    quarantined: list[StockRow] = field(default_factory=list)  # waiting for release
    certificates_to_check: list[CertificateToCheck] = field(default_factory=list)
    running_low: list[RunningLow] = field(default_factory=list)
    # vials reconstituted and not yet used or discarded, the one to use first first (the
    # window's time left is counted from the clock, not from `today`)
    open_vials: list[VialRow] = field(default_factory=list)
    expiring_total: int = 0  # lots expiring in all (`expiring` lists the first of them)
    quarantined_total: int = 0


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


def running_low(session: Session, usable: Mapping[str, int]) -> list[RunningLow]:
    """Products with a reorder level whose usable vials (`usable`, by product) are at or
    below it."""
    levels = session.execute(
        select(Product.name, Product.reorder_level)
        .where(Product.reorder_level.is_not(None))
        .order_by(Product.name)
    ).all()
    return [
        RunningLow(name, usable.get(name, 0), level)
        for name, level in levels
        if level is not None and usable.get(name, 0) <= level
    ]


def dashboard(
    session: Session,
    today: dt.date,
    *,
    flags: FlagList | list[rules.Flag] | None = None,
    stock: DashboardStock | None = None,
    top: int = 8,
) -> Dashboard:
    """`flags`: the clinic's flags as of `today`, and `stock` its lots on hand as of
    `today`, when the caller has them already."""
    if flags is None:
        flags = rules.check(session, today)
    listed = flags if isinstance(flags, FlagList) else FlagList(flags)
    if stock is None or stock.today != today:
        stock = DashboardStock.read(session, today)
    counts = listed.open_counts  # overridden flags: listed in Flags, not open
    # The first open blocks (the rule engine lists them first: found without reading every
    # flag), then, when there are fewer blocks than `top`, the first other open flags
    block, flags = Severity.BLOCK, listed.flags
    # most severe first: the blocks are the flags before the first that is not one
    first_other = next((i for i, f in enumerate(flags) if f.severity is not block), len(flags))
    blocks = list(islice((f for f in islice(flags, first_other) if f.is_open), LISTED_AT_MOST))
    wanted = max(0, top - counts[block])
    others = list(islice((f for f in islice(flags, first_other, None) if f.is_open), wanted))
    missing_for = {rule: what for rule in rules.RULES if (what := missing_document(rule))}
    missing: dict[str, list[str]] = defaultdict(list)
    # each (product, document) once, in the order the flags first name it (read without a
    # Python step per flag: a clinic group has tens of thousands)
    whats = list(map(missing_for.get, map(_RULE, listed.flags)))
    named = compress(zip(map(_PRODUCT, listed.flags), whats, strict=True), whats)
    for product, what in dict.fromkeys(named):
        if what:
            missing[product].append(what)
    return Dashboard(
        today=today,
        counts=dict(counts),
        # every block up to LISTED_AT_MOST (the Flags view lists the rest)
        top_flags=blocks + others,
        expiring=stock.first_expiring(LISTED_AT_MOST),
        missing_documents=[MissingDocuments(p, tuple(m)) for p, m in sorted(missing.items())],
        by_location=[
            LocationStock(name, lots, vials)
            for name, (lots, vials) in sorted(stock.locations.items())
        ],
        open_total=sum(counts.values()),
        quarantined=stock.first_quarantined(LISTED_AT_MOST),
        certificates_to_check=certificates_to_check(session, today),
        running_low=running_low(session, stock.usable),
        open_vials=open_vials(session),
        expiring_total=len(stock.expiring),
        quarantined_total=len(stock.quarantined),
    )
