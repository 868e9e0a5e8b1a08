"""The whole database as an interchange file: deterministic, so that export, import into an
empty database and export again gives an identical file."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Collection, Iterator
from json.encoder import encode_basestring
from typing import Any, TextIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exodesk.jsonindent import array_chunks
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
    return list(iter_treatment_records(session, refs))


def iter_treatment_records(session: Session, refs: Collection[str] | None = None) -> Iterator[Rec]:
    """The treatments (or those with these refs) as the file's records, by date and ref,
    read as a stream of columns (not as ORM objects)."""
    query = (
        select(
            Treatment.ref,
            Treatment.date,
            Product.name,
            Lot.code,
            Treatment.patient,
            Treatment.practitioner,
            Treatment.route,
            Treatment.zone,
            Treatment.vials,
            Treatment.time,
            Treatment.reconstituted,
            Treatment.override_reason,
            Treatment.override_rules,
            Treatment.override_by,
            Treatment.recorded_by,
            Treatment.void_on,
            Treatment.void_by,
            Treatment.void_reason,
        )
        .join(Lot, Lot.id == Treatment.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .order_by(Treatment.date, Treatment.ref)
    )
    if refs is not None:
        query = query.where(Treatment.ref.in_(refs))
    for (
        ref,
        date,
        product,
        lot,
        patient,
        practitioner,
        route,
        zone,
        vials,
        time,
        reconstituted,
        override_reason,
        override_rules,
        override_by,
        recorded_by,
        void_on,
        void_by,
        void_reason,
    ) in session.connection().execute(query):
        yield {
            "ref": ref,
            "date": date.isoformat(),
            "product": product,
            "lot": lot,
            "patient": patient,
            "practitioner": practitioner,
            "route": route.value,
            "zone": zone.value if zone is not None else None,
            "vials": vials,
            "time": time.strftime("%H:%M") if time is not None else None,
            "reconstituted": (
                reconstituted.strftime("%Y-%m-%dT%H:%M") if reconstituted is not None else None
            ),
            "override": (
                None
                if override_reason is None or not override_rules
                else {
                    "by": override_by or recorded_by or practitioner,
                    "reason": override_reason,
                    "rules": list(override_rules),
                }
            ),
            "void": _void(void_on, void_by, void_reason),
        }


def _void(on: dt.date | None, by: str | None, reason: str | None) -> Rec | None:
    if on is None:
        return None
    return {"on": on.isoformat(), "by": by or "unknown", "reason": reason or "entered in error"}


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
    return list(iter_movement_records(session, refs))


def iter_movement_records(session: Session, refs: Collection[str] | None = None) -> Iterator[Rec]:
    """The file's movements (or those with these refs), by date and ref, as a stream."""
    query = (
        select(
            Movement.ref,
            Movement.date,
            Product.name,
            Lot.code,
            Movement.kind,
            Movement.quantity,
            Movement.reason,
            Movement.status,
            Location.name,
            Movement.void_on,
            Movement.void_by,
            Movement.void_reason,
        )
        .join(Lot, Lot.id == Movement.lot_id)
        .join(Product, Product.id == Lot.product_id)
        .outerjoin(Location, Location.id == Movement.location_id)
        .where(Movement.kind.in_(FILE_MOVEMENT_KINDS), Movement.ref.is_not(None))
        .order_by(Movement.date, Movement.ref)
    )
    if refs is not None:
        query = query.where(Movement.ref.in_(refs))
    for (
        ref,
        date,
        product,
        lot,
        kind,
        quantity,
        reason,
        status,
        location,
        void_on,
        void_by,
        void_reason,
    ) in session.connection().execute(query):
        yield {
            "ref": ref,
            "date": date.isoformat(),
            "product": product,
            "lot": lot,
            "kind": kind.value,
            "quantity": quantity,
            "reason": reason,
            "status": status.value if status is not None else None,
            "location": location,
            "void": _void(void_on, void_by, void_reason),
        }


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


def write_export(session: Session, out: TextIO) -> None:
    """The text `dumps(export_document(session))` gives, written section by section and
    record by record as it is read, so the whole document is never held."""
    sections: list[tuple[str, Any]] = [
        ("clinic", clinic_record(session)),
        ("locations", location_records(session)),
        ("products", product_records(session)),
        ("documents", document_records(session)),
        ("lots", lot_records(session)),
        ("treatments", iter_treatment_records(session)),
        ("movements", iter_movement_records(session)),
        ("bodies", clinic_body_records(session)),
    ]
    out.write("{\n  " + encode_basestring("format") + ": " + encode_basestring(FORMAT))
    for key, value in sections:
        out.write(",\n  " + encode_basestring(key) + ": ")
        if value is None or isinstance(value, dict):
            out.write(json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  "))
            continue
        for chunk in array_chunks(value, level=1):
            out.write(chunk)
    out.write("\n}\n")
