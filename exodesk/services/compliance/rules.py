"""The compliance rules of the interchange contract. `load_snapshot` reads the facts in a few
queries; `evaluate` is a pure function of those facts and `today`."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from itertools import compress
from operator import attrgetter
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from exodesk.models import (
    Clinic,
    Document,
    DocumentKind,
    DocumentStatus,
    Lot,
    LotStatus,
    Movement,
    MovementKind,
    Product,
    RegulatoryClass,
    Route,
    Severity,
    SourceType,
    Treatment,
    Zone,
    document_product,
)
from exodesk.models.vocabulary import phrase
from exodesk.services.compliance.touched import Touched
from exodesk.services.register.bodies import named_body_number, registered_numbers
from exodesk.services.register.shipped import shipped_register
from exodesk.services.stock.on_hand import on_hand_totals
from exodesk.services.stored_rows import stored_rows
from exodesk.settings import CERTIFICATE_EXPIRING_DAYS, LOT_EXPIRING_DAYS

RULES: dict[str, Severity] = {
    "class_unknown": Severity.BLOCK,
    "missing_declaration": Severity.BLOCK,
    "missing_certificate": Severity.BLOCK,
    "certificate_withdrawn": Severity.BLOCK,
    "certificate_expired": Severity.BLOCK,
    "certificate_expiring": Severity.WARN,
    "certificate_restricted": Severity.WARN,
    "certificate_too_long": Severity.WARN,
    "certificate_body_unknown": Severity.WARN,
    "atmp_unauthorised": Severity.BLOCK,
    "human_cosmetic_prohibited": Severity.BLOCK,
    "human_device_not_class_iii": Severity.BLOCK,
    "human_source_review": Severity.WARN,
    "composition_undocumented": Severity.WARN,
    "missing_ifu": Severity.WARN,
    "missing_coa": Severity.WARN,
    "not_for_market": Severity.WARN,
    "lot_expired_in_stock": Severity.WARN,
    "lot_expiring": Severity.INFO,
    "route_outside_intended_use": Severity.BLOCK,
    "periorbital_not_approved": Severity.BLOCK,
    "used_after_expiry": Severity.BLOCK,
    "used_unreleased_lot": Severity.BLOCK,
    "used_after_reconstitution_window": Severity.BLOCK,
}
_RULE_ORDER = {rule: i for i, rule in enumerate(RULES)}
_SEVERITY_ORDER = {Severity.BLOCK: 0, Severity.WARN: 1, Severity.INFO: 2}

EU_MEMBERS = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
UK_CODES = frozenset({"UK", "GB"})
HUMAN_SOURCES = frozenset({SourceType.MSC, SourceType.PLACENTA, SourceType.PLATELET})
ATMP_RISK_SOURCES = frozenset({SourceType.MSC, SourceType.PLACENTA})
DEVICE_CLASSES = frozenset(
    {
        RegulatoryClass.DEVICE_I,
        RegulatoryClass.DEVICE_IIA,
        RegulatoryClass.DEVICE_IIB,
        RegulatoryClass.DEVICE_III,
    }
)
CERTIFIED_CLASSES = DEVICE_CLASSES - {RegulatoryClass.DEVICE_I}
BELOW_CLASS_III = DEVICE_CLASSES - {RegulatoryClass.DEVICE_III}
MDR_CERTIFICATE_YEARS = 5  # MDR Art. 56(2): a certificate is valid for at most five years


def markets_match(clinic_market: str, markets: Iterable[str]) -> bool:
    """Whether a product marketed in `markets` is marketed where the clinic is."""
    markets = set(markets)
    if clinic_market in UK_CODES:
        return bool(markets & UK_CODES)
    return clinic_market in markets or (clinic_market in EU_MEMBERS and "EU" in markets)


def bans_human_cosmetics(market: str) -> bool:
    return market in UK_CODES or market == "EU" or market in EU_MEMBERS


# -- facts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFacts:
    id: int
    name: str
    source_type: SourceType
    regulatory_class: RegulatoryClass
    intended_routes: frozenset[str]
    periorbital_approved: bool
    markets: frozenset[str]
    composition_documented: bool
    reconstitution_hours: int | None = None


@dataclass(frozen=True)
class DocumentFacts:
    kind: DocumentKind
    number: str
    status: DocumentStatus
    expires: dt.date | None
    product_ids: frozenset[int]
    lot_id: int | None
    issued: dt.date | None = None
    body: str | None = None  # the notified body it names: body_number, else issuer's digits

    def valid(self, today: dt.date) -> bool:
        return self.status.in_force and not self.expired(today)

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class LotFacts:
    id: int
    product_id: int
    code: str
    expiry: dt.date
    on_hand: int
    initial_status: LotStatus
    status_changes: tuple[tuple[dt.date, LotStatus], ...] = ()

    def status_on(self, day: dt.date) -> LotStatus:
        """The status in force at the end of `day` (the file's status holds from receipt)."""
        status = self.initial_status
        for changed, new in self.status_changes:
            if changed > day:
                break
            status = new
        return status


@dataclass(frozen=True)
class Override:
    """Who overrode a treatment's block findings, when (the treatment's recording time, None
    when not known, as for an imported file) and why."""

    by: str
    reason: str
    at: dt.datetime | None = None


@dataclass(frozen=True)
class TreatmentFacts:
    ref: str
    date: dt.date
    lot_id: int
    route: Route
    zone: Zone | None
    override: Override | None = None
    overridden_rules: frozenset[str] = frozenset()
    time: dt.time | None = None  # when it was given (local); None: not recorded
    reconstituted: dt.datetime | None = None  # when its vial was reconstituted (local)


@dataclass(frozen=True)
class Snapshot:
    market: str | None
    products: list[ProductFacts]
    documents: list[DocumentFacts]
    lots: list[LotFacts]
    treatments: list[TreatmentFacts] = field(default_factory=list)
    # The clinic's warning horizons in days (the contract's defaults unless it sets its own)
    certificate_days: int = CERTIFICATE_EXPIRING_DAYS
    lot_days: int = LOT_EXPIRING_DAYS
    # The numbers in the register of notified bodies, and the shipped register's date
    registered_bodies: frozenset[str] = frozenset()
    register_as_of: dt.date | None = None


@dataclass(frozen=True)
class Flag:
    rule: str
    severity: Severity
    product: str
    lot: str | None
    treatment: str | None
    message: str
    overridden: Override | None = None  # set when the treatment's override names the rule

    @property
    def is_open(self) -> bool:
        """Open flags count; an overridden one is listed but not counted."""
        return self.overridden is None

    def as_json(self) -> dict[str, Any]:
        overridden = self.overridden
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "product": self.product,
            "lot": self.lot,
            "treatment": self.treatment,
            "message": self.message,
            "overridden": (
                None if overridden is None else {"by": overridden.by, "reason": overridden.reason}
            ),
        }


def open_flags(flags: Iterable[Flag]) -> list[Flag]:
    """The flags that are open: every flag but those overridden."""
    return [f for f in flags if f.is_open]


def open_counts(flags: Iterable[Flag]) -> dict[Severity, int]:
    """Open flags per severity (every severity present, 0 when none)."""
    flags = flags if isinstance(flags, list) else list(flags)
    # Counted without a Python step per flag (a clinic group has tens of thousands): all of
    # them by their severity's identity (an Enum member hashes in Python, its id in C; each
    # member is one object), less the few overridden
    found = Counter(map(id, map(_SEVERITY, flags)))
    counts = {s: found.get(id(s), 0) for s in Severity}
    for flag in compress(flags, map(_OVERRIDDEN, flags)):
        counts[flag.severity] -= 1
    return counts


_SEVERITY, _OVERRIDDEN, _LOT = attrgetter("severity"), attrgetter("overridden"), attrgetter("lot")


def load_snapshot(
    session: Session, *, with_treatments: bool = True, product_id: int | None = None
) -> Snapshot:
    """The facts of the whole database, or with `product_id` only those about that product:
    it, the documents covering it, its lots and their treatments."""
    return _load(session, with_treatments=with_treatments, product_id=product_id)


def lot_snapshot(session: Session, lot_id: int) -> Snapshot:
    """The facts about one lot and its product, without its treatments: what the flags of a
    treatment about to be recorded from it read (`flags_for_use`)."""
    facts = _load(session, with_treatments=False, of_lots=(lot_id,))
    owners = {lot.product_id for lot in facts.lots}
    return replace(facts, products=[p for p in facts.products if p.id in owners])


def product_snapshot(session: Session) -> Snapshot:
    """Every product and the documents about products (all but the certificates of
    analysis), with no lots: what the product rules read (the Products view's figures)."""
    return _load(session, with_treatments=False, of_lots=())


def _load(
    session: Session,
    *,
    with_treatments: bool = True,
    product_id: int | None = None,
    of_lots: Collection[int] | None = None,
    product_documents: bool = True,
) -> Snapshot:
    """`load_snapshot`; with `of_lots`, every product but only these lots (and their
    treatments), with the certificates of analysis of these lots and, when
    `product_documents`, the documents about products (all but certificates of analysis)."""
    session.flush()
    read = session.connection().execute  # Core rows: a third of the ORM's work per row
    clinic = read(
        select(Clinic.market, Clinic.certificate_warning_days, Clinic.lot_warning_days)
        .order_by(Clinic.id)
        .limit(1)
    ).first()
    market, certificate_days, lot_days = clinic if clinic is not None else (None, None, None)
    product_query = select(Product)
    cover_query = select(document_product)
    document_query = select(
        Document.id,
        Document.kind,
        Document.number,
        Document.status,
        Document.expires,
        Document.lot_id,
        Document.issued,
        Document.body_number,
        Document.issuer,
    )
    lot_ids: list[int] | None = None
    if of_lots is not None:
        lot_ids = list(of_lots)
        coa = Document.kind == DocumentKind.CERTIFICATE_OF_ANALYSIS
        of_these = coa & Document.lot_id.in_(lot_ids)
        wanted = (~coa | of_these) if product_documents else of_these
        document_query = document_query.where(wanted)
        cover_query = cover_query.where(
            document_product.c.document_id.in_(select(Document.id).where(wanted))
        )
    elif product_id is not None:
        product_query = product_query.where(Product.id == product_id)
        cover_query = cover_query.where(document_product.c.product_id == product_id)
        document_query = document_query.where(
            Document.id.in_(
                select(document_product.c.document_id).where(
                    document_product.c.product_id == product_id
                )
            )
        )
        lot_ids = list(session.scalars(select(Lot.id).where(Lot.product_id == product_id)))
    products = [
        ProductFacts(
            p.id,
            p.name,
            p.source_type,
            p.regulatory_class,
            frozenset(p.intended_routes),
            p.periorbital_approved,
            frozenset(p.markets),
            p.composition_documented,
            p.reconstitution_hours,
        )
        for p in session.scalars(product_query)
    ]
    covers: dict[int, set[int]] = defaultdict(set)
    for doc_id, covered in read(cover_query):
        covers[doc_id].add(covered)
    documents = [
        DocumentFacts(
            kind,
            number,
            status,
            expires,
            frozenset(covers[doc_id]),
            lot_id,
            issued,
            named_body_number(body_number, issuer),
        )
        for doc_id, kind, number, status, expires, lot_id, issued, body_number, issuer in (
            read(document_query)
        )
    ]
    totals = on_hand_totals(session, lot_ids)
    # Void records count nowhere: void lots and treatments raise no flag, and a void status
    # change is no part of a lot's status history.
    change_query = select(Movement.lot_id, Movement.date, Movement.status).where(
        Movement.kind == MovementKind.STATUS_CHANGE, Movement.void_on.is_(None)
    )
    lot_query = select(Lot.id, Lot.product_id, Lot.code, Lot.expiry, Lot.initial_status).where(
        Lot.void_on.is_(None)
    )
    treatment_query = _treatment_query()
    if lot_ids is not None:
        change_query = change_query.where(Movement.lot_id.in_(lot_ids))
        lot_query = lot_query.where(Lot.id.in_(lot_ids))
        treatment_query = treatment_query.where(Treatment.lot_id.in_(lot_ids))
    changes: dict[int, list[tuple[dt.date, LotStatus]]] = defaultdict(list)
    change_query = change_query.order_by(Movement.date, Movement.id)
    for lot_id, day, status in read(change_query):
        if status is not None:
            changes[lot_id].append((day, status))
    lots = [
        LotFacts(
            lot_id, of_product, code, expiry, totals.get(lot_id, 0), status, tuple(changes[lot_id])
        )
        for lot_id, of_product, code, expiry, status in read(lot_query)
    ]
    treatments = (
        [_treatment_facts(*row) for row in read(treatment_query)] if with_treatments else []
    )
    return Snapshot(
        market,
        products,
        documents,
        lots,
        treatments,
        certificate_days or CERTIFICATE_EXPIRING_DAYS,
        lot_days or LOT_EXPIRING_DAYS,
        registered_numbers(session),
        shipped_register().as_of,
    )


def _treatment_query() -> Select[*tuple[Any, ...]]:
    """The columns of `_treatment_facts`, of every treatment that is not void."""
    return select(
        Treatment.ref,
        Treatment.date,
        Treatment.lot_id,
        Treatment.route,
        Treatment.zone,
        Treatment.override_by,
        Treatment.override_reason,
        Treatment.override_rules,
        Treatment.recorded_at,
        Treatment.time,
        Treatment.reconstituted,
    ).where(Treatment.void_on.is_(None))


def _treatment_facts(
    ref: str,
    date: dt.date,
    lot_id: int,
    route: Route,
    zone: Zone | None,
    override_by: str | None,
    override_reason: str | None,
    override_rules: list[str] | None,
    recorded_at: dt.datetime | None,
    time: dt.time | None = None,
    reconstituted: dt.datetime | None = None,
) -> TreatmentFacts:
    override = (
        Override(override_by or "", override_reason, recorded_at)
        if override_reason is not None
        else None
    )
    return TreatmentFacts(
        ref,
        date,
        lot_id,
        route,
        zone,
        override,
        frozenset(override_rules or ()),
        time,
        reconstituted,
    )


def check(session: Session, today: dt.date) -> list[Flag]:
    """Every flag of the whole database as of `today`, most severe first: the same as
    `evaluate(load_snapshot(session), today)`, with the treatments read as a stream and
    only those that can raise a flag turned into facts."""
    snapshot = load_snapshot(session, with_treatments=False)
    flags = _unsorted_flags(snapshot, today)
    flags += streamed_treatment_flags(session, snapshot)
    return sort_flags(flags)


_FACTS_AT_ONCE = 5000  # treatments whose facts are read in one query


def streamed_treatment_flags(
    session: Session, snapshot: Snapshot, *where: ColumnElement[bool]
) -> list[Flag]:
    """The flags of the treatments that are not void (and meet `where`), whose lots and
    products `snapshot` holds. A treatment of a lot that was never anything but released,
    used by an intended route, not periorbitally where that is not approved, on or before
    the lot's expiry and with no reconstitution window to keep, raises nothing: such rows
    (most of them) are screened as stored, and only the others' facts are read. The screen
    restates when `treatment_flags` can fire: a new treatment rule must widen it too
    (tests/unit/services/compliance/test_recheck.py holds check to evaluate(load_snapshot))."""
    products = {p.id: p for p in snapshot.products}
    screens: dict[int, tuple[frozenset[str], bool, str, bool, bool]] = {}
    for lot in snapshot.lots:
        p = products[lot.product_id]
        released = lot.initial_status is LotStatus.RELEASED and all(
            status is LotStatus.RELEASED for _, status in lot.status_changes
        )
        screens[lot.id] = (
            p.intended_routes,
            p.periorbital_approved,
            lot.expiry.isoformat(),
            released,
            p.reconstitution_hours is None,
        )
    screen = select(
        Treatment.id,
        Treatment.lot_id,
        Treatment.date,
        Treatment.route,
        Treatment.zone,
        Treatment.reconstituted,
    ).where(Treatment.void_on.is_(None), *where)
    periorbital = Zone.PERIORBITAL.value
    suspects: list[int] = []
    for treatment_id, lot_id, day, route, zone, reconstituted in stored_rows(session, screen):
        routes, periorbital_ok, expiry, released, untimed = screens[lot_id]
        if (
            not released
            or route not in routes
            or (zone == periorbital and not periorbital_ok)
            or day.__class__ is not str
            or len(day) != 10  # an ISO day compares as text as it does as a date
            or day > expiry
            or (reconstituted is not None and not untimed)
        ):
            suspects.append(treatment_id)
    lots = {lot.id: lot for lot in snapshot.lots}
    flags: list[Flag] = []
    read = session.connection().execute
    for start in range(0, len(suspects), _FACTS_AT_ONCE):
        chosen = suspects[start : start + _FACTS_AT_ONCE]
        for row in read(_treatment_query().where(Treatment.id.in_(chosen))):
            lot = lots[row.lot_id]
            flags += treatment_flags(_treatment_facts(*row), lot, products[lot.product_id])
    return flags


def flags_for_use(snapshot: Snapshot, treatment: TreatmentFacts, today: dt.date) -> list[Flag]:
    """The flags that concern one treatment, recorded or not: those of its product, of its lot
    and its own, most severe first. `snapshot` must hold the lot and its product."""
    lot = next(lot for lot in snapshot.lots if lot.id == treatment.lot_id)
    product = next(p for p in snapshot.products if p.id == lot.product_id)
    return evaluate(
        replace(snapshot, products=[product], lots=[lot], treatments=[treatment]), today
    )


def recheck(
    session: Session, today: dt.date, previous: list[Flag], touched: Touched | None
) -> list[Flag]:
    """The flags as `check` gives them now, from `previous` (those of `check` before a write)
    and what the write `touched`: only the flags of the touched lots, of their treatments
    and, when a document changed, of the products are worked out again and spliced in. With
    nothing known of the write (`touched` None or unknown), the full check."""
    return recheck_change(session, today, previous, touched).flags


@dataclass(frozen=True)
class Rechecked:
    """The flags after a write (`flags`); when they were worked out again from the ones
    before only for what it touched, also the flags that went (`gone`) and came (`new`)."""

    flags: list[Flag]
    gone: list[Flag] | None = None
    new: list[Flag] | None = None


def recheck_change(
    session: Session, today: dt.date, previous: list[Flag], touched: Touched | None
) -> Rechecked:
    """`recheck`, saying which flags went and which came when only part was worked out."""
    if touched is None or touched.unknown:
        return Rechecked(check(session, today))
    if not touched.anything:
        return Rechecked(list(previous), [], [])
    snapshot = _load(session, of_lots=touched.lot_ids, product_documents=touched.documents)
    products = {p.id: p for p in snapshot.products}
    names = {p.id: p.name for p in snapshot.products}
    # The lots' old flags go by (product, lot): a touched lot that is void now is gone too.
    lot_keys = {
        (names[product_id], code)
        for product_id, code in session.execute(
            select(Lot.product_id, Lot.code).where(Lot.id.in_(list(touched.lot_ids)))
        )
    }
    codes: set[str | None] = {code for _, code in lot_keys}
    if touched.documents:
        codes.add(None)  # the product flags go too: worked out again below
    # The few flags that go, found without a Python step per flag kept
    named = list(map(codes.__contains__, map(_LOT, previous)))
    gone = [
        i
        for i in compress(range(len(previous)), named)
        if previous[i].lot is None or (previous[i].product, previous[i].lot) in lot_keys
    ]
    kept = list(previous)
    for i in reversed(gone):
        del kept[i]
    if touched.documents:
        flags = _unsorted_flags(snapshot, today)
    else:
        flags = _unsorted_flags(replace(snapshot, products=[]), today, products)
    return Rechecked(_spliced(kept, list(flags)), [previous[i] for i in gone], flags)


def _spliced(kept: list[Flag], new: list[Flag]) -> list[Flag]:
    """`sort_flags(kept + new)` for `kept` in that order already: a few new flags are put
    in place one by one (a clinic group has tens of thousands of flags to sort again)."""
    if len(new) > _SPLICED_AT_MOST:
        return sort_flags(kept + new)
    for flag in sorted(new, key=_flag_order):
        kept.insert(bisect.bisect_right(kept, _flag_order(flag), key=_flag_order), flag)
    return kept


_SPLICED_AT_MOST = 200


# -- evaluation --------------------------------------------------------------------------


def evaluate(snapshot: Snapshot, today: dt.date) -> list[Flag]:
    """Every flag raised by the facts as of `today`, most severe first."""
    return sort_flags(_unsorted_flags(snapshot, today))


def _unsorted_flags(
    snapshot: Snapshot, today: dt.date, products: dict[int, ProductFacts] | None = None
) -> list[Flag]:
    """The flags of the snapshot, unsorted; with `products`, the products the lots are of
    (when the snapshot's own products are not to be flagged)."""
    docs: dict[int, dict[DocumentKind, list[DocumentFacts]]] = defaultdict(
        lambda: defaultdict(list)
    )
    coa_lots: set[int] = set()
    for doc in snapshot.documents:
        for product_id in doc.product_ids:
            docs[product_id][doc.kind].append(doc)
        if doc.kind is DocumentKind.CERTIFICATE_OF_ANALYSIS and doc.lot_id is not None:
            coa_lots.add(doc.lot_id)
    if products is None:
        products = {p.id: p for p in snapshot.products}
    lots = {lot.id: lot for lot in snapshot.lots}
    flags: list[Flag] = []
    for product in snapshot.products:
        flags += product_flags(
            product,
            docs[product.id],
            snapshot.market,
            today,
            snapshot.certificate_days,
            Register(snapshot.registered_bodies, snapshot.register_as_of),
        )
    for lot in snapshot.lots:
        flags += lot_flags(
            lot, products[lot.product_id], lot.id in coa_lots, today, snapshot.lot_days
        )
    for treatment in snapshot.treatments:
        lot = lots[treatment.lot_id]
        flags += treatment_flags(treatment, lot, products[lot.product_id])
    return flags


def sort_flags(flags: Iterable[Flag]) -> list[Flag]:
    return sorted(flags, key=_flag_order)


def _flag_order(f: Flag) -> tuple[int, int, str, str, str]:
    """Most severe first, then by rule, product, lot and treatment."""
    return (
        _SEVERITY_ORDER[f.severity],
        _RULE_ORDER[f.rule],
        f.product,
        f.lot or "",
        f.treatment or "",
    )


def _flag(
    rule: str, product: str, message: str, lot: str | None = None, treatment: str | None = None
) -> Flag:
    return Flag(rule, RULES[rule], product, lot, treatment, message)


def _numbers(docs: Iterable[DocumentFacts]) -> str:
    return ", ".join(sorted(d.number for d in docs))


def product_flags(
    p: ProductFacts,
    docs: dict[DocumentKind, list[DocumentFacts]],
    market: str | None,
    today: dt.date,
    certificate_days: int = CERTIFICATE_EXPIRING_DAYS,
    register: Register | None = None,
) -> list[Flag]:
    flags: list[Flag] = []
    cls, name = p.regulatory_class, p.name
    if cls is RegulatoryClass.UNKNOWN:
        flags.append(
            _flag(
                "class_unknown",
                name,
                f"{name}: the supplier has not stated its regulatory class. Do not use it until "
                "the supplier states the classification and provides the documents for it.",
            )
        )
    if cls is RegulatoryClass.DEVICE_I and not docs[DocumentKind.DECLARATION_OF_CONFORMITY]:
        flags.append(
            _flag(
                "missing_declaration",
                name,
                f"{name} is a class I medical device with no Declaration of Conformity on file. "
                "Obtain the manufacturer's Declaration of Conformity before use.",
            )
        )
    certificates = docs[DocumentKind.CE_CERTIFICATE]
    if cls in CERTIFIED_CLASSES and not certificates:
        flags.append(
            _flag(
                "missing_certificate",
                name,
                f"{name} is a {phrase(cls)} with no CE certificate covering it. Obtain the "
                "notified body's CE (or UKCA) certificate before use.",
            )
        )
    flags += certificate_flags(name, certificates, today, certificate_days, register)
    if cls is RegulatoryClass.ATMP and not any(
        d.valid(today) for d in docs[DocumentKind.ATMP_AUTHORISATION]
    ):
        flags.append(
            _flag(
                "atmp_unauthorised",
                name,
                f"{name} is an ATMP with no valid marketing authorisation on file. An unlicensed "
                "ATMP cannot be supplied or used: obtain the MHRA or EMA authorisation first.",
            )
        )
    if (
        market is not None
        and cls is RegulatoryClass.COSMETIC
        and p.source_type in HUMAN_SOURCES
        and bans_human_cosmetics(market)
    ):
        flags.append(
            _flag(
                "human_cosmetic_prohibited",
                name,
                f"{name} is made from human-derived ({p.source_type.value}) material but sold as a "
                f"cosmetic, which is banned in cosmetics in {market}. Do not use it; ask the "
                "supplier for its true classification.",
            )
        )
    if cls in BELOW_CLASS_III and p.source_type in HUMAN_SOURCES:
        flags.append(
            _flag(
                "human_device_not_class_iii",
                name,
                f"{name} is made from human-derived ({p.source_type.value}) material but is "
                f"declared a {phrase(cls)}. Under the MDR (Annex VIII, Rule 18) every device made "
                "from human cells or tissues, or their derivatives, is class III, so this "
                "product is mis-declared. Do not use it; ask the supplier for its class III "
                "certificate.",
            )
        )
    if cls in DEVICE_CLASSES and p.source_type in ATMP_RISK_SOURCES:
        flags.append(
            _flag(
                "human_source_review",
                name,
                f"{name} is a medical device made from human {p.source_type.value} material. "
                "Confirm with the supplier and its notified body that it is not an ATMP.",
            )
        )
    if p.source_type is SourceType.CONDITIONED_MEDIA or not p.composition_documented:
        what = (
            "is conditioned media / secretome"
            if p.source_type is SourceType.CONDITIONED_MEDIA
            else "has no documented composition"
        )
        flags.append(
            _flag(
                "composition_undocumented",
                name,
                f"{name} {what}. Keep the supplier's statement of its composition and "
                "purification method on file before use.",
            )
        )
    if not docs[DocumentKind.IFU]:
        flags.append(
            _flag(
                "missing_ifu",
                name,
                f"{name} has no instructions for use on file. Obtain the IFU and use the product "
                "only as it allows.",
            )
        )
    if market is not None and not markets_match(market, p.markets):
        listed = ", ".join(sorted(p.markets)) or "none listed"
        flags.append(
            _flag(
                "not_for_market",
                name,
                f"{name} is not marketed for {market} (its markets: {listed}). Check that it may "
                "lawfully be used here before use.",
            )
        )
    return flags


@dataclass(frozen=True)
class Register:
    """The numbers in the register of notified bodies, and the shipped register's date."""

    numbers: frozenset[str] = frozenset()
    as_of: dt.date | None = None


def five_years_on(issued: dt.date) -> dt.date:
    """The same day five years on; 29 February counts as 28 February."""
    day = 28 if (issued.month, issued.day) == (2, 29) else issued.day
    return issued.replace(year=issued.year + MDR_CERTIFICATE_YEARS, day=day)


def certificate_flags(
    name: str,
    certificates: list[DocumentFacts],
    today: dt.date,
    warning_days: int = CERTIFICATE_EXPIRING_DAYS,
    register: Register | None = None,
) -> list[Flag]:
    if not certificates:
        return []
    valid = [c for c in certificates if c.valid(today)]
    if not valid:
        in_force = [c for c in certificates if c.status.in_force]
        if in_force:
            last = max(c.expires for c in in_force if c.expires is not None)
            return [
                _flag(
                    "certificate_expired",
                    name,
                    f"{name}: its CE certificate ({_numbers(in_force)}) expired on {last}. "
                    "Stop using it until a renewed certificate is on file.",
                )
            ]
        states = sorted({c.status.value for c in certificates})
        return [
            _flag(
                "certificate_withdrawn",
                name,
                f"{name}: every CE certificate covering it is {' or '.join(states)} "
                f"({_numbers(certificates)}). Stop using it and ask the manufacturer for a valid "
                "certificate.",
            )
        ]
    flags: list[Flag] = []
    if all(c.expires is not None for c in valid):
        latest = max(c.expires for c in valid if c.expires is not None)
        days = (latest - today).days
        if days <= warning_days:
            flags.append(
                _flag(
                    "certificate_expiring",
                    name,
                    f"{name}: its CE certificate ({_numbers(valid)}) expires on {latest}, in "
                    f"{days} days. Ask the manufacturer for the renewed certificate now.",
                )
            )
    if all(c.status is DocumentStatus.RESTRICTED for c in valid):
        flags.append(
            _flag(
                "certificate_restricted",
                name,
                f"{name}: its CE certificate ({_numbers(valid)}) is restricted: the notified "
                "body has narrowed what it covers. Before using it, check on the certificate or "
                "in EUDAMED that it still covers this product and the way you use it.",
            )
        )
    too_long = [
        c
        for c in valid
        if c.issued is not None and c.expires is not None and c.expires > five_years_on(c.issued)
    ]
    if too_long:
        flags.append(
            _flag(
                "certificate_too_long",
                name,
                f"{name}: its CE certificate ({_numbers(too_long)}) runs for more than five "
                "years, from "
                + "; ".join(f"{c.issued} to {c.expires}" for c in too_long)
                + ". Under the MDR a certificate is valid for at most five years, so the dates "
                "are mistyped or the certificate is not genuine. Check the dates on the "
                "certificate and with the notified body.",
            )
        )
    flags += _unknown_body(name, valid, register or Register())
    return flags


def _unknown_body(name: str, valid: list[DocumentFacts], register: Register) -> list[Flag]:
    unnamed = [c for c in valid if c.body is None]
    unknown = [c for c in valid if c.body is not None and c.body not in register.numbers]
    if not unnamed and not unknown:
        return []
    as_of = f" as of {register.as_of}" if register.as_of else ""
    parts = []
    if unknown:
        numbers = ", ".join(sorted({c.body for c in unknown if c.body}))
        parts.append(
            f"its CE certificate ({_numbers(unknown)}) names notified body {numbers}, which is "
            f"not in ExoDesk's register of notified bodies{as_of}. Forged certificates exist, "
            "some naming bodies that do not exist: look the body and the certificate up in "
            "NANDO or EUDAMED, or ask the body itself; if the body was designated since, add "
            "it to the register"
        )
    if unnamed:
        parts.append(
            f"its CE certificate ({_numbers(unnamed)}) names no notified body number. A "
            "genuine CE certificate carries its notified body's four-digit number: enter it "
            "from the certificate, and check the certificate in EUDAMED or with the body"
        )
    return [_flag("certificate_body_unknown", name, f"{name}: " + "; ".join(parts) + ".")]


def lot_flags(
    lot: LotFacts,
    p: ProductFacts,
    has_coa: bool,
    today: dt.date,
    warning_days: int = LOT_EXPIRING_DAYS,
) -> list[Flag]:
    flags: list[Flag] = []
    if not has_coa:
        flags.append(
            _flag(
                "missing_coa",
                p.name,
                f"Lot {lot.code} of {p.name} has no certificate of analysis. Ask the supplier for "
                "the lot's certificate of analysis.",
                lot=lot.code,
            )
        )
    if lot.on_hand > 0:
        days = (lot.expiry - today).days
        if days < 0:
            flags.append(
                _flag(
                    "lot_expired_in_stock",
                    p.name,
                    f"Lot {lot.code} of {p.name} expired on {lot.expiry} and {lot.on_hand} vials "
                    "are still in stock. Set them aside and record their destruction.",
                    lot=lot.code,
                )
            )
        elif days <= warning_days:
            flags.append(
                _flag(
                    "lot_expiring",
                    p.name,
                    f"Lot {lot.code} of {p.name} expires on {lot.expiry}, in {days} days, with "
                    f"{lot.on_hand} vials on hand. Use it first.",
                    lot=lot.code,
                )
            )
    return flags


def treatment_flags(t: TreatmentFacts, lot: LotFacts, p: ProductFacts) -> list[Flag]:
    flags: list[Flag] = []

    def add(rule: str, message: str) -> None:
        flag = _flag(rule, p.name, message, lot=lot.code, treatment=t.ref)
        if t.override is not None and rule in t.overridden_rules:
            flag = replace(flag, overridden=t.override)
        flags.append(flag)

    if t.route.value not in p.intended_routes:
        allowed = ", ".join(sorted(p.intended_routes)) or "none"
        add(
            "route_outside_intended_use",
            f"Treatment {t.ref} on {t.date} used {p.name} by the {t.route.value} route, which "
            f"is not among its intended routes ({allowed}). Use it only as its IFU allows.",
        )
    if t.zone is Zone.PERIORBITAL and not p.periorbital_approved:
        add(
            "periorbital_not_approved",
            f"Treatment {t.ref} on {t.date} used {p.name} periorbitally, but it is not approved "
            "for periorbital use. Use only a product approved for the periorbital zone.",
        )
    if t.date > lot.expiry:
        add(
            "used_after_expiry",
            f"Treatment {t.ref} on {t.date} used lot {lot.code} of {p.name}, which expired on "
            f"{lot.expiry}. Review the patient and report it.",
        )
    status = lot.status_on(t.date)
    if status is not LotStatus.RELEASED:
        add(
            "used_unreleased_lot",
            f"Treatment {t.ref} on {t.date} used lot {lot.code} of {p.name} while the lot was "
            f"{phrase(status)}. Only released lots may be used; review it.",
        )
    hours = p.reconstitution_hours
    if hours is not None and t.reconstituted is not None:
        given = dt.datetime.combine(t.date, t.time or dt.time(0, 0))
        if given - t.reconstituted > dt.timedelta(hours=hours):
            at = (
                f"at {t.time:%H:%M}"
                if t.time is not None
                else "(no time recorded: from the start of the day)"
            )
            late = given - t.reconstituted - dt.timedelta(hours=hours)
            add(
                "used_after_reconstitution_window",
                f"Treatment {t.ref} on {t.date} {at} used a vial of {p.name} reconstituted at "
                f"{t.reconstituted:%Y-%m-%d %H:%M}, {_duration(late)} after its "
                f"{hours}-hour window had closed. A reconstituted vial must be used within "
                "its window and then discarded: review the patient and report it.",
            )
    return flags


def _duration(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{max(minutes, 1)} min"
