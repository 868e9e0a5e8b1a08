"""Builders for interchange documents (format exodesk/1, see INTERCHANGE.md).

`base_document()` returns a fresh, minimal, valid document that raises no compliance flag at
all as of `TODAY`: one clinic in the UK, one location, one plant-derived cosmetic product that
is documented and sold in the UK, its instructions for use, one released lot far from expiry
with its certificate of analysis, and no treatments or movements. Tests change one thing in it
and look for exactly the flag (or error) that one change should cause.

Every builder returns a new dict holding every field of the contract, so a test can write
`doc["lots"].append(lot("L2", expiry=day(30)))` and read the document as it is.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta
from typing import Any

Doc = dict[str, Any]

TODAY = date(2026, 6, 1)

CLINIC = "Example Clinic"
LOCATION = "Fridge A"
PRODUCT = "Exo Plant 10"
LOT = "PL001"


def day(offset: int) -> str:
    """The ISO date `offset` days after TODAY (negative: before)."""
    return (TODAY + timedelta(days=offset)).isoformat()


def gtin_for(name: str) -> str:
    """A valid GTIN-14 (correct check digit) that differs from product to product."""
    body = "0880" + f"{zlib.crc32(name.encode('utf-8')) % 1_000_000_000:09d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def clinic(name: str = CLINIC, market: str = "UK") -> Doc:
    return {"name": name, "market": market}


def location(name: str = LOCATION) -> Doc:
    return {"name": name}


def product(name: str = PRODUCT, **fields: Any) -> Doc:
    record: Doc = {
        "name": name,
        "manufacturer": "Example Bio",
        "country": "KR",
        "gtin": gtin_for(name),
        "source_type": "plant",
        "form": "lyophilised",
        "regulatory_class": "cosmetic",
        "intended_routes": ["topical_post_procedure", "intradermal"],
        "periorbital_approved": False,
        "markets": ["UK", "EU", "KR"],
        "composition_documented": True,
        "reconstitution_hours": 24,
    }
    return _apply(record, fields)


def document(kind: str, number: str, products: list[str] | None = None, **fields: Any) -> Doc:
    record: Doc = {
        "kind": kind,
        "number": number,
        "issuer": "Example Notified Body 0123",
        "issued": day(-400),
        "expires": None,
        "products": [PRODUCT] if products is None else products,
        "lot": None,
        "status": "issued",
        "sha256": None,
    }
    return _apply(record, fields)


def ifu(product_name: str = PRODUCT, number: str | None = None) -> Doc:
    return document("ifu", number or f"IFU {product_name}", [product_name], issuer="Example Bio")


def coa(product_name: str = PRODUCT, lot_code: str = LOT, number: str | None = None) -> Doc:
    return document(
        "certificate_of_analysis",
        number or f"COA {lot_code}",
        [product_name],
        lot=lot_code,
        issuer="Example Bio QC",
    )


def ce_certificate(
    number: str = "CE 0001",
    expires: str | None = None,
    status: str = "issued",
    products: list[str] | None = None,
) -> Doc:
    return document("ce_certificate", number, products, expires=expires, status=status)


def lot(lot_code: str = LOT, product_name: str = PRODUCT, **fields: Any) -> Doc:
    record: Doc = {
        "product": product_name,
        "lot": lot_code,
        "expiry": day(700),
        "received": day(-120),
        "quantity": 10,
        "location": LOCATION,
        "status": "released",
    }
    return _apply(record, fields)


def treatment(
    ref: str = "T-0001", lot_code: str = LOT, product_name: str = PRODUCT, **fields: Any
) -> Doc:
    record: Doc = {
        "ref": ref,
        "date": day(-10),
        "product": product_name,
        "lot": lot_code,
        "patient": "P-0001",
        "practitioner": "Dr A",
        "route": "intradermal",
        "zone": "face",
        "vials": 1,
    }
    return _apply(record, fields)


def movement(
    ref: str,
    kind: str,
    lot_code: str = LOT,
    product_name: str = PRODUCT,
    **fields: Any,
) -> Doc:
    """A movement; `quantity`, `status` and `location` default to what `kind` needs."""
    record: Doc = {
        "ref": ref,
        "date": day(-20),
        "product": product_name,
        "lot": lot_code,
        "kind": kind,
        "quantity": 0,
        "reason": f"{kind.replace('_', ' ')} recorded by the stock manager",
        "status": None,
        "location": None,
    }
    return _apply(record, fields)


def waste(ref: str, quantity: int, lot_code: str = LOT, **fields: Any) -> Doc:
    return movement(ref, "waste", lot_code, quantity=quantity, **fields)


def adjustment(ref: str, quantity: int, lot_code: str = LOT, **fields: Any) -> Doc:
    return movement(ref, "adjustment", lot_code, quantity=quantity, **fields)


def status_change(ref: str, status: str, lot_code: str = LOT, **fields: Any) -> Doc:
    return movement(ref, "status_change", lot_code, status=status, **fields)


def transfer(ref: str, to: str, lot_code: str = LOT, **fields: Any) -> Doc:
    return movement(ref, "transfer", lot_code, location=to, **fields)


def base_document(market: str = "UK") -> Doc:
    """A fresh minimal valid document that raises no flag as of TODAY."""
    return {
        "format": "exodesk/1",
        "clinic": clinic(market=market),
        "locations": [location()],
        "products": [product()],
        "documents": [ifu(), coa()],
        "lots": [lot()],
        "treatments": [],
        "movements": [],
    }


def add_product(doc: Doc, name: str, **fields: Any) -> Doc:
    """Append a product and its instructions for use; returns the product record."""
    record = product(name, **fields)
    doc["products"].append(record)
    doc["documents"].append(ifu(name))
    return record


def _apply(record: Doc, fields: dict[str, Any]) -> Doc:
    unknown = set(fields) - set(record)
    if unknown:
        raise TypeError(f"not a field of this record: {sorted(unknown)}")
    record.update(fields)
    return record
