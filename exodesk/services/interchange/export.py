"""The whole database as an interchange file: deterministic, so that export, import into an
empty database and export again gives an identical file."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exodesk.models import (
    Clinic,
    Document,
    Location,
    Lot,
    Movement,
    MovementKind,
    Product,
    Treatment,
    document_product,
)
from exodesk.models.enums import FILE_MOVEMENT_KINDS
from exodesk.services.interchange.schema import FORMAT
from exodesk.services.register.bodies import clinic_body_records

Rec = dict[str, Any]


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def clinic_record(session: Session) -> Rec | None:
    clinic = session.scalars(select(Clinic).order_by(Clinic.id)).first()
    return None if clinic is None else {"name": clinic.name, "market": clinic.market}


def location_records(session: Session) -> list[Rec]:
    return [{"name": n} for n in session.scalars(select(Location.name).order_by(Location.name))]


def product_records(session: Session) -> list[Rec]:
    return [
        {
            "name": p.name,
            "manufacturer": p.manufacturer,
            "country": p.country,
            "gtin": p.gtin,
            "source_type": p.source_type.value,
            "form": p.form.value,
            "regulatory_class": p.regulatory_class.value,
            "intended_routes": list(p.intended_routes),
            "periorbital_approved": p.periorbital_approved,
            "markets": list(p.markets),
            "composition_documented": p.composition_documented,
            "reconstitution_hours": p.reconstitution_hours,
            "reorder_level": p.reorder_level,
        }
        for p in session.scalars(select(Product).order_by(Product.name))
    ]


def document_records(session: Session) -> list[Rec]:
    covers: dict[int, list[str]] = defaultdict(list)
    for doc_id, name in session.execute(
        select(document_product.c.document_id, Product.name).join(
            Product, Product.id == document_product.c.product_id
        )
    ):
        covers[doc_id].append(name)
    lot_codes = dict(
        session.execute(select(Lot.id, Lot.code).join(Document, Document.lot_id == Lot.id)).all()
    )
    return [
        {
            "kind": d.kind.value,
            "number": d.number,
            "issuer": d.issuer,
            "issued": _iso(d.issued),
            "expires": _iso(d.expires),
            "products": sorted(covers[d.id]),
            "lot": lot_codes.get(d.lot_id) if d.lot_id is not None else None,
            "status": d.status.value,
            "sha256": d.sha256,
            "body_number": d.body_number,
            "verified_on": _iso(d.verified_on),
            "verified_by": d.verified_by,
        }
        for d in session.scalars(select(Document).order_by(Document.kind, Document.number))
    ]


def void_record(record: Lot | Treatment | Movement) -> Rec | None:
    """The record's `void`: null when it counts, else when, by whom and why it was voided."""
    if record.void_on is None:
        return None
    return {
        "on": record.void_on.isoformat(),
        "by": record.void_by or "unknown",
        "reason": record.void_reason or "entered in error",
    }


def lot_records(session: Session) -> list[Rec]:
    received = (
        select(Movement.lot_id, func.sum(Movement.quantity).label("quantity"))
        .where(Movement.kind == MovementKind.RECEIPT)
        .group_by(Movement.lot_id)
        .subquery()
    )
    rows = session.execute(
        select(Product.name, Lot, func.coalesce(received.c.quantity, 0), Location.name)
        .join(Product, Product.id == Lot.product_id)
        .outerjoin(received, received.c.lot_id == Lot.id)
        .outerjoin(Location, Location.id == Lot.location_id)
        .order_by(Product.name, Lot.code)
    )
    return [
        {
            "product": product,
            "lot": lot.code,
            "expiry": lot.expiry.isoformat(),
            "received": _iso(lot.received),
            "quantity": quantity,
            "location": location,
            "status": lot.initial_status.value,
            "void": void_record(lot),
        }
        for product, lot, quantity, location in rows
    ]


def treatment_records(session: Session, refs: Collection[str] | None = None) -> list[Rec]:
    query = (
        select(Treatment, Product.name, Lot.code)
        .join(Lot, Lot.id == Treatment.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .order_by(Treatment.date, Treatment.ref)
    )
    if refs is not None:
        query = query.where(Treatment.ref.in_(refs))
    rows = session.execute(query)
    return [
        {
            "ref": t.ref,
            "date": t.date.isoformat(),
            "product": product,
            "lot": lot,
            "patient": t.patient,
            "practitioner": t.practitioner,
            "route": t.route.value,
            "zone": t.zone.value if t.zone is not None else None,
            "vials": t.vials,
            "time": t.time.strftime("%H:%M") if t.time is not None else None,
            "reconstituted": (
                t.reconstituted.strftime("%Y-%m-%dT%H:%M") if t.reconstituted is not None else None
            ),
            "override": override_record(t),
            "void": void_record(t),
        }
        for t, product, lot in rows
    ]


def override_record(t: Treatment) -> Rec | None:
    """The treatment's `override`: who overrode which block findings and why; null when none
    was overridden, or for an override recorded before ExoDesk kept which rules it named."""
    if t.override_reason is None or not t.override_rules:
        return None
    return {
        "by": t.override_by or t.recorded_by or t.practitioner,
        "reason": t.override_reason,
        "rules": list(t.override_rules),
    }


def movement_records(session: Session, refs: Collection[str] | None = None) -> list[Rec]:
    query = (
        select(Movement, Product.name, Lot.code, Location.name)
        .join(Lot, Lot.id == Movement.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .outerjoin(Location, Location.id == Movement.location_id)
        .where(Movement.kind.in_(FILE_MOVEMENT_KINDS), Movement.ref.is_not(None))
        .order_by(Movement.date, Movement.ref)
    )
    if refs is not None:
        query = query.where(Movement.ref.in_(refs))
    rows = session.execute(query)
    return [
        {
            "ref": m.ref,
            "date": m.date.isoformat(),
            "product": product,
            "lot": lot,
            "kind": m.kind.value,
            "quantity": m.quantity,
            "reason": m.reason,
            "status": m.status.value if m.status is not None else None,
            "location": location,
            "void": void_record(m),
        }
        for m, product, lot, location in rows
    ]


def export_document(session: Session) -> Rec:
    return {
        "format": FORMAT,
        "clinic": clinic_record(session),
        "locations": location_records(session),
        "products": product_records(session),
        "documents": document_records(session),
        "lots": lot_records(session),
        "treatments": treatment_records(session),
        "movements": movement_records(session),
        "bodies": clinic_body_records(session),
    }


def dumps(document: Rec) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
