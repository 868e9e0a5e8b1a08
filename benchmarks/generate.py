"""Write a large, valid ExoDesk interchange file (format ``exodesk/1``) for benchmarks.

    python benchmarks/generate.py --lots 10000 --treatments 100000 --out big.json
        [--products 50] [--seed 1] [--today YYYY-MM-DD]

Every reference resolves, every vocabulary is the contract's, and each lot's quantity covers
everything that ever leaves it, so stock on hand never goes below zero in any order. The file
carries a realistic spread of compliance flags (some expired certificates, lots without a
certificate of analysis, lots past expiry still in stock). Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

SOURCES = ("msc", "placenta", "platelet", "plant", "conditioned_media", "other")
FORMS = ("lyophilised", "liquid", "serum", "cream")
CLASSES = ("cosmetic", "device_i", "device_iia", "device_iib", "device_iii", "atmp", "unknown")
AESTHETIC_ROUTES = ("topical_post_procedure", "intradermal", "subdermal_scalp")
ROUTE_ORDER = (
    "topical_post_procedure",
    "intradermal",
    "subdermal_scalp",
    "intravenous",
    "intramuscular",
    "nebulised",
    "nasal",
    "eye_drops",
)
ZONES_BY_ROUTE = {
    "topical_post_procedure": ("face", "neck", "decolletage", "hands", "scalp"),
    "intradermal": ("face", "face", "neck", "decolletage", "hands", "periorbital"),
    "subdermal_scalp": ("scalp",),
}
MAKERS = (
    ("Celvia Biotech", "KR"),
    ("Daon Bioscience", "KR"),
    ("Hanbit Life Science", "KR"),
    ("Seorin Bio", "KR"),
    ("Lactiva Biologics", "NL"),
    ("Verdexa Labs", "CH"),
    ("Thrombex Medical", "DE"),
    ("Maison Rosalis", "FR"),
)
LOCATIONS = ("Fridge A", "Fridge B", "Fridge C", "Treatment room fridge")


def gtin14(body: str) -> str:
    """The GTIN-14 made of 13 digits and their GS1 check digit."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return body + str(-total % 10)


def _iso(day: dt.date) -> str:
    return day.isoformat()


def _products(rng: random.Random, count: int) -> list[dict[str, Any]]:
    out = []
    for i in range(count):
        maker, country = MAKERS[i % len(MAKERS)]
        routes = rng.sample(AESTHETIC_ROUTES, rng.randint(1, 3))
        out.append(
            {
                "name": f"Bench Exosome {i + 1:03d}",
                "manufacturer": maker,
                "country": country,
                "gtin": gtin14(f"0880{i + 1:09d}"),
                "source_type": SOURCES[i % len(SOURCES)],
                "form": FORMS[i % len(FORMS)],
                "regulatory_class": CLASSES[i % len(CLASSES)],
                "intended_routes": sorted(routes, key=ROUTE_ORDER.index),
                "periorbital_approved": rng.random() < 0.3,
                "markets": ["EU", "KR", "UK"] if rng.random() < 0.9 else ["KR"],
                "composition_documented": rng.random() < 0.9,
                "reconstitution_hours": 24 if i % len(FORMS) == 0 else None,
            }
        )
    return out


def _product_documents(
    rng: random.Random, products: list[dict[str, Any]], today: dt.date
) -> list[dict[str, Any]]:
    docs = []

    def doc(kind: str, number: str, product: dict[str, Any], expires: dt.date | None) -> None:
        issued = today - dt.timedelta(days=rng.randint(200, 1500))
        docs.append(
            {
                "kind": kind,
                "number": number,
                "issuer": product["manufacturer"],
                "issued": _iso(issued),
                "expires": None if expires is None else _iso(max(expires, issued)),
                "products": [product["name"]],
                "lot": None,
                "status": "issued",
                "sha256": None,
            }
        )

    for i, product in enumerate(products, start=1):
        cls = product["regulatory_class"]
        if rng.random() < 0.9:
            doc("ifu", f"IFU-{i:04d}", product, None)
        if cls == "device_i":
            doc("declaration_of_conformity", f"DoC-{i:04d}", product, None)
        if cls in ("device_iia", "device_iib", "device_iii") and rng.random() < 0.9:
            expires = today + dt.timedelta(days=rng.randint(-200, 1500))
            doc("ce_certificate", f"CE-{i:04d}", product, expires)
        if cls == "atmp":
            expires = today + dt.timedelta(days=rng.randint(-100, 1000))
            doc("atmp_authorisation", f"ATMP-{i:04d}", product, expires)
        if product["country"] == "KR":
            doc("mfds_registration", f"MFDS-{i:04d}", product, None)
    return docs


def generate(
    lots: int, treatments: int, today: dt.date, seed: int = 1, products: int = 50
) -> dict[str, Any]:
    """The whole interchange document, as a dict ready for json.dump."""
    rng = random.Random(seed)
    product_records = _products(rng, products)
    documents = _product_documents(rng, product_records, today)

    # Lots: received within the past two years, at least 30 days ago.
    lot_rows: list[dict[str, Any]] = []
    first_use: list[dt.date] = []  # first day a lot may be used (after any quarantine)
    last_use: list[dt.date] = []
    for i in range(lots):
        product = product_records[i % products]
        received = today - dt.timedelta(days=rng.randint(30, 730))
        expiry = received + dt.timedelta(days=rng.randint(365, 1095))
        quarantined = rng.random() < 0.05
        lot_rows.append(
            {
                "product": product["name"],
                "lot": f"B{i + 1:06d}",
                "expiry": _iso(expiry),
                "received": _iso(received),
                "quantity": 0,  # set below, once every outflow is known
                "location": rng.choice(LOCATIONS),
                "status": "quarantine" if quarantined else "released",
            }
        )
        first_use.append(received + dt.timedelta(days=3 if quarantined else 0))
        last_use.append(min(expiry, today - dt.timedelta(days=1)))
        if rng.random() < 0.9:
            documents.append(
                {
                    "kind": "certificate_of_analysis",
                    "number": f"CoA B{i + 1:06d}",
                    "issuer": f"{product['manufacturer']} QC",
                    "issued": _iso(received - dt.timedelta(days=14)),
                    "expires": None,
                    "products": [product["name"]],
                    "lot": f"B{i + 1:06d}",
                    "status": "issued",
                    "sha256": None,
                }
            )

    outflow = [0] * lots
    routes_of = {p["name"]: p["intended_routes"] for p in product_records}

    def day_in(i: int) -> dt.date:
        span = (last_use[i] - first_use[i]).days
        return first_use[i] + dt.timedelta(days=rng.randint(0, max(span, 0)))

    treatment_rows = []
    patients = max(1, treatments // 5)
    practitioners = [f"Practitioner {n:02d}" for n in range(1, 13)]
    for _ in range(treatments):
        i = rng.randrange(lots)
        route = rng.choice(routes_of[lot_rows[i]["product"]])
        vials = 1 if rng.random() < 0.8 else 2
        outflow[i] += vials
        treatment_rows.append(
            {
                "ref": "",
                "date": _iso(day_in(i)),
                "product": lot_rows[i]["product"],
                "lot": lot_rows[i]["lot"],
                "patient": f"P-{rng.randrange(patients) + 1:06d}",
                "practitioner": rng.choice(practitioners),
                "route": route,
                "zone": rng.choice(ZONES_BY_ROUTE[route]),
                "vials": vials,
            }
        )
    treatment_rows.sort(key=lambda t: (t["date"], t["lot"]))
    for n, t in enumerate(treatment_rows, start=1):
        t["ref"] = f"T-{n:07d}"

    movement_rows = []

    def move(i: int, day: dt.date, kind: str, quantity: int, reason: str, **extra: Any) -> None:
        movement_rows.append(
            {
                "ref": "",
                "date": _iso(day),
                "product": lot_rows[i]["product"],
                "lot": lot_rows[i]["lot"],
                "kind": kind,
                "quantity": quantity,
                "reason": reason,
                "status": extra.get("status"),
                "location": extra.get("location"),
            }
        )

    for i, row in enumerate(lot_rows):
        received = dt.date.fromisoformat(row["received"])
        if row["status"] == "quarantine":
            release = received + dt.timedelta(days=2)
            move(i, release, "status_change", 0, "CoA checked", status="released")
        if rng.random() < 0.05:
            outflow[i] += 1
            move(i, day_in(i), "waste", -1, "vial cracked")
        if rng.random() < 0.03:
            quantity = rng.choice((-1, 1))
            outflow[i] += max(-quantity, 0)
            move(i, day_in(i), "adjustment", quantity, "stock count difference")
        if rng.random() < 0.03:
            elsewhere = [loc for loc in LOCATIONS if loc != row["location"]]
            move(i, day_in(i), "transfer", 0, "fridge reorganised", location=rng.choice(elsewhere))
        # Quantity covers every vial that ever leaves, plus some left on the shelf.
        row["quantity"] = max(1, outflow[i] + rng.randint(0, 20))
    movement_rows.sort(key=lambda m: (m["date"], m["lot"]))
    for n, m in enumerate(movement_rows, start=1):
        m["ref"] = f"M-{n:07d}"

    return {
        "format": "exodesk/1",
        "clinic": {"name": "Benchmark Clinic", "market": "UK"},
        "locations": [{"name": name} for name in LOCATIONS],
        "products": product_records,
        "documents": documents,
        "lots": lot_rows,
        "treatments": treatment_rows,
        "movements": movement_rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--lots", type=int, default=10_000)
    parser.add_argument("--treatments", type=int, default=100_000)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--out", type=Path, required=True, help="file to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=dt.date.today(),
        help="dates are relative to this day (YYYY-MM-DD; default: today)",
    )
    args = parser.parse_args(argv)
    if args.lots < 1 or args.products < 1 or args.treatments < 0:
        parser.error("--lots and --products must be at least 1, --treatments at least 0")
    started = time.perf_counter()
    document = generate(args.lots, args.treatments, args.today, args.seed, args.products)
    with args.out.open("w", encoding="utf-8") as out:
        json.dump(document, out, ensure_ascii=False, separators=(",", ":"))
    print(
        f"wrote {args.out}: {len(document['products'])} products, {len(document['lots'])} lots, "
        f"{len(document['documents'])} documents, {len(document['treatments'])} treatments, "
        f"{len(document['movements'])} movements in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
