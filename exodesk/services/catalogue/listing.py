"""The Products view's figures, counted in SQL: each product's block and warn flags without
loading every lot into Python. The product's own rules (class, certificates, IFU, market …)
run as the compliance engine runs them, on the products and the documents that are not
certificates of analysis (a few hundred rows); the lot rules (no certificate of analysis,
expired or expiring with stock on hand) are counted per product by one aggregate query."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from exodesk.models import (
    Clinic,
    Document,
    DocumentKind,
    Lot,
    Movement,
    Product,
    RegulatoryClass,
    Severity,
    SourceType,
    document_product,
)
from exodesk.services.catalogue.products import ProductRow
from exodesk.services.compliance import rules
from exodesk.services.register.bodies import named_body_number, registered_numbers
from exodesk.services.register.shipped import shipped_register
from exodesk.settings import CERTIFICATE_EXPIRING_DAYS, LOT_EXPIRING_DAYS

# The lot rules, in the order lot_flags raises them
LOT_RULES = ("missing_coa", "lot_expired_in_stock", "lot_expiring")


def _clinic(session: Session) -> tuple[str | None, int, int]:
    """The clinic's market and its certificate and lot warning horizons (days)."""
    found = session.execute(
        select(Clinic.market, Clinic.certificate_warning_days, Clinic.lot_warning_days)
        .order_by(Clinic.id)
        .limit(1)
    ).first()
    market, certificate_days, lot_days = found if found is not None else (None, None, None)
    return market, certificate_days or CERTIFICATE_EXPIRING_DAYS, lot_days or LOT_EXPIRING_DAYS


def product_level_snapshot(session: Session) -> rules.Snapshot:
    """Every product and every document but the certificates of analysis (which only the
    lot rules read), with no lots: what the product rules need, as load_snapshot builds it."""
    market, certificate_days, lot_days = _clinic(session)
    products = [
        rules.ProductFacts(
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
        for p in session.scalars(select(Product))
    ]
    not_coa = Document.kind != DocumentKind.CERTIFICATE_OF_ANALYSIS
    covers: dict[int, set[int]] = defaultdict(set)
    for doc_id, covered in session.execute(
        select(document_product.c.document_id, document_product.c.product_id)
        .join(Document, Document.id == document_product.c.document_id)
        .where(not_coa)
    ):
        covers[doc_id].add(covered)
    documents = [
        rules.DocumentFacts(
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
            session.execute(
                select(
                    Document.id,
                    Document.kind,
                    Document.number,
                    Document.status,
                    Document.expires,
                    Document.lot_id,
                    Document.issued,
                    Document.body_number,
                    Document.issuer,
                ).where(not_coa)
            )
        )
    ]
    return rules.Snapshot(
        market,
        products,
        documents,
        [],
        [],
        certificate_days,
        lot_days,
        registered_numbers(session),
        shipped_register().as_of,
    )


def lot_rule_counts(session: Session, today: dt.date, lot_days: int) -> dict[int, dict[str, int]]:
    """Per product id, how many of its lots (not void) raise each lot rule as of `today`."""
    counts: dict[int, dict[str, int]] = {}
    for row in session.execute(_lot_rule_query(today, lot_days)):
        counts[int(row[0])] = {
            rule: int(n or 0) for rule, n in zip(LOT_RULES, row[1:], strict=True)
        }
    return counts


def _lot_rule_query(today: dt.date, lot_days: int) -> Select[int, Any, Any, Any]:
    horizon = today + dt.timedelta(days=lot_days)
    # one list of the lots with a certificate (IN), not one lookup per lot (EXISTS)
    has_coa = Lot.id.in_(
        select(Document.lot_id).where(
            Document.kind == DocumentKind.CERTIFICATE_OF_ANALYSIS, Document.lot_id.is_not(None)
        )
    )
    # on hand only for the lots whose expiry makes it matter (the CASE asks it last)
    on_hand = (
        select(func.coalesce(func.sum(Movement.quantity), 0))
        .where(Movement.lot_id == Lot.id, Movement.void_on.is_(None))
        .scalar_subquery()
    )
    expired = case((Lot.expiry >= today, 0), (on_hand > 0, 1), else_=0)
    expiring = case((Lot.expiry < today, 0), (Lot.expiry > horizon, 0), (on_hand > 0, 1), else_=0)
    return (
        select(
            Lot.product_id,
            func.sum(case((has_coa, 0), else_=1)),
            func.sum(expired),
            func.sum(expiring),
        )
        .where(Lot.void_on.is_(None))
        .group_by(Lot.product_id)
    )


def product_rows(session: Session, today: dt.date) -> list[ProductRow]:
    """Every product by name with its count of block and warn flags as of `today` (product-
    and lot-level, as flags_for_product gives them), counted without loading the lots."""
    snapshot = product_level_snapshot(session)
    counts: dict[str, Counter[Severity]] = defaultdict(Counter)
    for flag in rules.evaluate(snapshot, today):
        counts[flag.product][flag.severity] += 1
    names = {p.id: p.name for p in snapshot.products}
    for product_id, by_rule in lot_rule_counts(session, today, snapshot.lot_days).items():
        for rule, n in by_rule.items():
            counts[names[product_id]][rules.RULES[rule]] += n
    return [
        ProductRow(
            name,
            manufacturer,
            SourceType(source_type),
            RegulatoryClass(regulatory_class),
            gtin,
            counts[name][Severity.BLOCK],
            counts[name][Severity.WARN],
        )
        for name, manufacturer, source_type, regulatory_class, gtin in session.execute(
            select(
                Product.name,
                Product.manufacturer,
                Product.source_type,
                Product.regulatory_class,
                Product.gtin,
            ).order_by(Product.name)
        )
    ]
