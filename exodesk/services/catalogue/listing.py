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
    Document,
    DocumentKind,
    Lot,
    Movement,
    Product,
    RegulatoryClass,
    Severity,
    SourceType,
    Treatment,
)
from exodesk.services.catalogue.products import ProductRow
from exodesk.services.compliance import rules

# The lot rules, in the order lot_flags raises them
LOT_RULES = ("missing_coa", "lot_expired_in_stock", "lot_expiring")


def product_level_snapshot(session: Session) -> rules.Snapshot:
    """Every product and every document but the certificates of analysis (which only the
    lot rules read), with no lots: what the product rules need."""
    return rules.product_snapshot(session)


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
    moved = (
        select(func.coalesce(func.sum(Movement.quantity), 0))
        .where(Movement.lot_id == Lot.id, Movement.void_on.is_(None))
        .scalar_subquery()
    )
    used = (
        select(func.coalesce(func.sum(Treatment.vials), 0))
        .where(Treatment.lot_id == Lot.id, Treatment.void_on.is_(None))
        .scalar_subquery()
    )
    on_hand = moved - used
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
