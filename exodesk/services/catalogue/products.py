"""The product catalogue: listing, reading, creating and editing products, and each product's
live compliance flags. Products are validated by the interchange file's own rules (ProductIn)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.models import (
    AuditAction,
    Document,
    DocumentKind,
    Form,
    Lot,
    Product,
    RegulatoryClass,
    Route,
    SourceType,
)
from exodesk.services.accounts.users import Permission, require
from exodesk.services.audit.trail import Change, write_audit
from exodesk.services.compliance import rules
from exodesk.services.compliance.rules import Flag
from exodesk.services.errors import InvalidInput, NotFound, Problem
from exodesk.services.interchange.schema import ProductIn, validation_problems

Rec = dict[str, Any]
FIELDS = (
    "name",
    "manufacturer",
    "country",
    "gtin",
    "source_type",
    "form",
    "regulatory_class",
    "intended_routes",
    "periorbital_approved",
    "markets",
    "composition_documented",
    "reconstitution_hours",
    "reorder_level",
)


class UnknownProduct(NotFound):
    """No product has this name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no product named {json.dumps(name, ensure_ascii=False)}")
        self.name = name


@dataclass(frozen=True)
class ProductDetail:
    """Every field of a product, named as in the interchange file."""

    name: str
    source_type: SourceType
    form: Form
    regulatory_class: RegulatoryClass
    manufacturer: str | None = None
    country: str | None = None
    gtin: str | None = None
    intended_routes: tuple[Route, ...] = ()
    periorbital_approved: bool = False
    markets: tuple[str, ...] = ()
    composition_documented: bool = False
    reconstitution_hours: int | None = None
    reorder_level: int | None = None  # whole vials: at or below it, the product runs low

    def record(self) -> Rec:
        """The product as the interchange file writes it (JSON values)."""
        return {
            "name": self.name,
            "manufacturer": self.manufacturer,
            "country": self.country,
            "gtin": self.gtin,
            "source_type": self.source_type.value,
            "form": self.form.value,
            "regulatory_class": self.regulatory_class.value,
            "intended_routes": [r.value for r in self.intended_routes],
            "periorbital_approved": self.periorbital_approved,
            "markets": list(self.markets),
            "composition_documented": self.composition_documented,
            "reconstitution_hours": self.reconstitution_hours,
            "reorder_level": self.reorder_level,
        }


@dataclass(frozen=True)
class ProductRow:
    """One line of the catalogue; the flag counts are None when not asked for."""

    name: str
    manufacturer: str | None
    source_type: SourceType
    regulatory_class: RegulatoryClass
    gtin: str | None
    blocks: int | None = None
    warnings: int | None = None


def _detail(p: Product) -> ProductDetail:
    return ProductDetail(
        name=p.name,
        manufacturer=p.manufacturer,
        country=p.country,
        gtin=p.gtin,
        source_type=SourceType(p.source_type),
        form=Form(p.form),
        regulatory_class=RegulatoryClass(p.regulatory_class),
        intended_routes=tuple(Route(r) for r in p.intended_routes),
        periorbital_approved=p.periorbital_approved,
        markets=tuple(p.markets),
        composition_documented=p.composition_documented,
        reconstitution_hours=p.reconstitution_hours,
        reorder_level=p.reorder_level,
    )


def _product(session: Session, name: str) -> Product:
    product = session.scalars(select(Product).where(Product.name == name)).one_or_none()
    if product is None:
        raise UnknownProduct(name)
    return product


def list_products(session: Session, today: dt.date | None = None) -> list[ProductRow]:
    """Every product by name; with `today`, each with its count of block and warn flags
    (product- and lot-level, as flags_for_product gives them, counted in SQL)."""
    if today is not None:
        from exodesk.services.catalogue.listing import product_rows

        return product_rows(session, today)
    return [
        ProductRow(
            p.name,
            p.manufacturer,
            SourceType(p.source_type),
            RegulatoryClass(p.regulatory_class),
            p.gtin,
        )
        for p in session.scalars(select(Product).order_by(Product.name))
    ]


def get_product(session: Session, name: str) -> ProductDetail:
    return _detail(_product(session, name))


def lots_by_product(session: Session) -> dict[str, list[str]]:
    """Every product's lot codes, in code order (products without lots left out)."""
    lots: dict[str, list[str]] = defaultdict(list)
    for name, code in session.execute(
        select(Product.name, Lot.code)
        .join(Product, Product.id == Lot.product_id)
        .order_by(Product.name, Lot.code)
    ):
        lots[name].append(code)
    return dict(lots)


def validate_product(detail: ProductDetail) -> Rec:
    """The product as the interchange file would hold it, or InvalidInput naming each field."""
    try:
        valid = ProductIn.model_validate(detail.record())
    except ValidationError as exc:
        raise InvalidInput(validation_problems(exc)) from None
    return valid.model_dump(mode="json")


def _uniqueness_errors(session: Session, rec: Rec, product_id: int | None) -> list[Problem]:
    errors = []
    same_name = session.scalar(select(Product.id).where(Product.name == rec["name"]))
    if same_name is not None and same_name != product_id:
        errors.append(
            Problem(
                "name",
                f"a product named {json.dumps(rec['name'], ensure_ascii=False)} already "
                "exists; choose another name",
            )
        )
    if rec["gtin"] is not None:
        owner = session.execute(
            select(Product.id, Product.name).where(Product.gtin == rec["gtin"])
        ).first()
        if owner is not None and owner.id != product_id:
            errors.append(
                Problem(
                    "gtin",
                    f"{rec['gtin']} already belongs to product "
                    f"{json.dumps(owner.name, ensure_ascii=False)}",
                )
            )
    return errors


def _apply(product: Product, rec: Rec) -> None:
    product.name = rec["name"]
    product.manufacturer = rec["manufacturer"]
    product.country = rec["country"]
    product.gtin = rec["gtin"]
    product.source_type = SourceType(rec["source_type"])
    product.form = Form(rec["form"])
    product.regulatory_class = RegulatoryClass(rec["regulatory_class"])
    product.intended_routes = list(rec["intended_routes"])
    product.periorbital_approved = rec["periorbital_approved"]
    product.markets = list(rec["markets"])
    product.composition_documented = rec["composition_documented"]
    product.reconstitution_hours = rec["reconstitution_hours"]
    product.reorder_level = rec["reorder_level"]


def save_product(
    session: Session,
    detail: ProductDetail,
    *,
    original_name: str | None,
    user: str,
    reason: str | None = None,
) -> ProductDetail:
    """Create a product (`original_name` None) or update the one named `original_name`.

    An update writes one audit row per changed field; a rename keeps the product's lots and
    documents, which refer to it by id. Returns the product as stored."""
    require(session, user, Permission.EDIT_CATALOGUE)
    rec = validate_product(detail)
    product = None if original_name is None else _product(session, original_name)
    errors = _uniqueness_errors(session, rec, None if product is None else product.id)
    if errors:
        raise InvalidInput(errors)
    if product is None:
        product = Product()
        _apply(product, rec)
        session.add(product)
        changes = [Change("product", rec["name"], AuditAction.CREATE, new=rec)]
    else:
        stored = _detail(product).record()
        changes = [
            Change("product", rec["name"], AuditAction.UPDATE, field=f, old=stored[f], new=rec[f])
            for f in FIELDS
            if stored[f] != rec[f]
        ]
        if changes:
            _apply(product, rec)
    session.flush()
    write_audit(session, changes, user=user, reason=reason)
    return _detail(product)


def flags_for_product(session: Session, name: str, today: dt.date) -> list[Flag]:
    """The product's own flags and those of its lots, as of `today`, most severe first
    (treatment flags are left to the treatment views). Only this product's facts are read:
    it, the documents covering it, its lots and their certificates of analysis."""
    product_id = session.scalar(select(Product.id).where(Product.name == name))
    if product_id is None:
        raise UnknownProduct(name)
    snapshot = rules.load_snapshot(session, with_treatments=False, product_id=product_id)
    # A certificate of analysis names its lot; one that covers other products only still
    # gives the lot its certificate, as in the whole clinic's snapshot.
    coas = [
        rules.DocumentFacts(
            DocumentKind.CERTIFICATE_OF_ANALYSIS, number, status, None, frozenset(), lot_id
        )
        for number, status, lot_id in session.execute(
            select(Document.number, Document.status, Document.lot_id)
            .join(Lot, Lot.id == Document.lot_id)
            .where(
                Document.kind == DocumentKind.CERTIFICATE_OF_ANALYSIS,
                Lot.product_id == product_id,
            )
        )
    ]
    return rules.evaluate(dataclasses.replace(snapshot, documents=snapshot.documents + coas), today)
