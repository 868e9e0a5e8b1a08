"""A raw-sqlite3 baseline: the same work as ExoDesk's command line, with no ORM and no ExoDesk
code, giving byte-identical answers for the same data and --today.

    python benchmarks/raw_baseline.py --db raw.sqlite import FILE
    python benchmarks/raw_baseline.py --db raw.sqlite check --today D --json
    python benchmarks/raw_baseline.py --db raw.sqlite stock --today D --json
    python benchmarks/raw_baseline.py --db raw.sqlite trace PRODUCT LOT --json
    python benchmarks/raw_baseline.py --db raw.sqlite export FILE       (FILE may be -)
    python benchmarks/raw_baseline.py --db raw.sqlite size              (the file's bytes)

It is the yardstick of issue 15: what a plain program costs for the answers of
shared/INTERCHANGE.md (compliance rules, stock on hand, recall, export). It imports a file made
by benchmarks/generate.py (or any valid interchange file) into its own simple schema without
validating it (ExoDesk validates; the baseline trusts the file), and importing again adds only
records whose key is new (INSERT OR IGNORE: the stored record is not compared field by field).
The rules, orderings and messages follow exodesk/services/compliance/rules.py, the stock and
trace services and the export, so `tests/benchmarks/test_raw_baseline_agrees.py` can insist
that every answer is byte for byte ExoDesk's. Standard library only (sqlite3, json).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sqlite3
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

REPO = Path(__file__).resolve().parent.parent
SHIPPED_REGISTER = REPO / "resources" / "register" / "notified_bodies.json"

# The contract's vocabularies and ExoDesk's words for them (exodesk/models/vocabulary.py).
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
CLASS_PHRASE = {
    "cosmetic": "cosmetic",
    "device_i": "class I medical device",
    "device_iia": "class IIa medical device",
    "device_iib": "class IIb medical device",
    "device_iii": "class III medical device",
    "atmp": "ATMP",
    "unknown": "product of unknown class",
}
STATUS_PHRASE = {
    "quarantine": "quarantine",
    "released": "released",
    "on_hold": "on hold",
    "recalled": "recalled",
    "damaged": "damaged",
    "destroyed": "destroyed",
}
RULES = {
    "class_unknown": "block",
    "missing_declaration": "block",
    "missing_certificate": "block",
    "certificate_withdrawn": "block",
    "certificate_expired": "block",
    "certificate_expiring": "warn",
    "certificate_restricted": "warn",
    "certificate_too_long": "warn",
    "certificate_body_unknown": "warn",
    "atmp_unauthorised": "block",
    "human_cosmetic_prohibited": "block",
    "human_device_not_class_iii": "block",
    "human_source_review": "warn",
    "composition_undocumented": "warn",
    "missing_ifu": "warn",
    "missing_coa": "warn",
    "not_for_market": "warn",
    "lot_expired_in_stock": "warn",
    "lot_expiring": "info",
    "route_outside_intended_use": "block",
    "periorbital_not_approved": "block",
    "used_after_expiry": "block",
    "used_unreleased_lot": "block",
    "used_after_reconstitution_window": "block",
}
RULE_ORDER = {rule: i for i, rule in enumerate(RULES)}
SEVERITY_ORDER = {"block": 0, "warn": 1, "info": 2}
IN_FORCE = frozenset({"issued", "restricted", "reinstated"})
EU_MEMBERS = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
UK_CODES = frozenset({"UK", "GB"})
HUMAN_SOURCES = frozenset({"msc", "placenta", "platelet"})
ATMP_RISK_SOURCES = frozenset({"msc", "placenta"})
DEVICE_CLASSES = frozenset({"device_i", "device_iia", "device_iib", "device_iii"})
CERTIFIED_CLASSES = DEVICE_CLASSES - {"device_i"}
BELOW_CLASS_III = DEVICE_CLASSES - {"device_iii"}
CERTIFICATE_DAYS = 90
LOT_DAYS = 60
FILE_MOVEMENT_KINDS = ("waste", "adjustment", "status_change", "transfer")
FOUR_DIGITS = re.compile(r"(?<![0-9])[0-9]{4}(?![0-9])")

SCHEMA = """
CREATE TABLE IF NOT EXISTS clinic (id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT, market TEXT);
CREATE TABLE IF NOT EXISTS location (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS product (
    id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, manufacturer TEXT, country TEXT,
    gtin TEXT, source_type TEXT, form TEXT, regulatory_class TEXT, intended_routes TEXT,
    periorbital_approved INTEGER, markets TEXT, composition_documented INTEGER,
    reconstitution_hours INTEGER, reorder_level INTEGER);
CREATE TABLE IF NOT EXISTS lot (
    id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES product(id), code TEXT,
    expiry TEXT, received TEXT, quantity INTEGER, location_id INTEGER REFERENCES location(id),
    status TEXT, void TEXT, UNIQUE (product_id, code));
CREATE TABLE IF NOT EXISTS document (
    id INTEGER PRIMARY KEY, kind TEXT, number TEXT, issuer TEXT, issued TEXT, expires TEXT,
    status TEXT, sha256 TEXT, body_number TEXT, verified_on TEXT, verified_by TEXT,
    lot_id INTEGER REFERENCES lot(id), UNIQUE (kind, number));
CREATE TABLE IF NOT EXISTS document_product (
    document_id INTEGER REFERENCES document(id), product_id INTEGER REFERENCES product(id),
    PRIMARY KEY (document_id, product_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS treatment (
    id INTEGER PRIMARY KEY, ref TEXT UNIQUE NOT NULL, date TEXT, lot_id INTEGER REFERENCES lot(id),
    patient TEXT, practitioner TEXT, route TEXT, zone TEXT, vials INTEGER, time TEXT,
    reconstituted TEXT, override TEXT, void TEXT);
CREATE INDEX IF NOT EXISTS treatment_lot ON treatment (lot_id, date, ref);
CREATE TABLE IF NOT EXISTS movement (
    id INTEGER PRIMARY KEY, ref TEXT UNIQUE NOT NULL, date TEXT, lot_id INTEGER REFERENCES lot(id),
    kind TEXT, quantity INTEGER, reason TEXT, status TEXT,
    location_id INTEGER REFERENCES location(id), void TEXT);
CREATE INDEX IF NOT EXISTS movement_lot ON movement (lot_id);
CREATE TABLE IF NOT EXISTS body (
    number TEXT PRIMARY KEY, name TEXT, country TEXT, mdr INTEGER, uk_approved INTEGER);
"""


def _j(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _unj(text: str | None) -> Any:
    return None if text is None else json.loads(text)


# -- import ------------------------------------------------------------------------------


def do_import(db: sqlite3.Connection, path: Path) -> str:
    with path.open(encoding="utf-8") as f:
        data = json.load(f)
    before = db.total_changes
    cur = db.cursor()
    cur.execute("BEGIN")
    clinic = data.get("clinic")
    if clinic is not None:
        cur.execute(
            "INSERT OR IGNORE INTO clinic (id, name, market) VALUES (1, ?, ?)",
            (clinic["name"], clinic["market"]),
        )
    cur.executemany(
        "INSERT OR IGNORE INTO location (name) VALUES (?)",
        [(r["name"],) for r in data.get("locations", [])],
    )
    cur.executemany(
        "INSERT OR IGNORE INTO product (name, manufacturer, country, gtin, source_type, form,"
        " regulatory_class, intended_routes, periorbital_approved, markets,"
        " composition_documented, reconstitution_hours, reorder_level)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (
                p["name"],
                p.get("manufacturer"),
                p.get("country"),
                p.get("gtin"),
                p["source_type"],
                p["form"],
                p["regulatory_class"],
                _j(sorted(set(p.get("intended_routes", [])), key=ROUTE_ORDER.index)),
                int(bool(p.get("periorbital_approved", False))),
                _j(sorted(set(p.get("markets", [])))),
                int(bool(p.get("composition_documented", False))),
                p.get("reconstitution_hours"),
                p.get("reorder_level"),
            )
            for p in data.get("products", [])
        ],
    )
    products = dict(cur.execute("SELECT name, id FROM product"))
    locations = dict(cur.execute("SELECT name, id FROM location"))
    cur.executemany(
        "INSERT OR IGNORE INTO lot (product_id, code, expiry, received, quantity, location_id,"
        " status, void) VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                products[r["product"]],
                r["lot"],
                r["expiry"],
                r.get("received"),
                r["quantity"],
                locations[r["location"]] if r.get("location") else None,
                r.get("status") or "released",
                _j(r.get("void")),
            )
            for r in data.get("lots", [])
        ],
    )
    lots = {
        (pid, code): lid for lid, pid, code in cur.execute("SELECT id, product_id, code FROM lot")
    }

    def lot_id(product: str, code: str) -> int:
        return lots[(products[product], code)]

    for d in data.get("documents", []):
        covered = sorted(set(d.get("products", [])))
        lot = d.get("lot")
        doc_lot = None
        if lot is not None:
            doc_lot = next(lots[(products[p], lot)] for p in covered if (products[p], lot) in lots)
        cur.execute(
            "INSERT OR IGNORE INTO document (kind, number, issuer, issued, expires, status, sha256,"
            " body_number, verified_on, verified_by, lot_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                d["kind"],
                d["number"],
                d.get("issuer"),
                d.get("issued"),
                d.get("expires"),
                d.get("status") or "issued",
                d.get("sha256"),
                d.get("body_number"),
                d.get("verified_on"),
                d.get("verified_by"),
                doc_lot,
            ),
        )
        if cur.rowcount:
            doc_id = cur.lastrowid
            cur.executemany(
                "INSERT INTO document_product (document_id, product_id) VALUES (?, ?)",
                [(doc_id, products[p]) for p in covered],
            )
    cur.executemany(
        "INSERT OR IGNORE INTO treatment (ref, date, lot_id, patient, practitioner, route, zone,"
        " vials, time, reconstituted, override, void) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            (
                t["ref"],
                t["date"],
                lot_id(t["product"], t["lot"]),
                t["patient"],
                t["practitioner"],
                t["route"],
                t.get("zone"),
                t["vials"],
                t.get("time"),
                t.get("reconstituted"),
                _j(t.get("override")),
                _j(t.get("void")),
            )
            for t in data.get("treatments", [])
        ),
    )
    cur.executemany(
        "INSERT OR IGNORE INTO movement (ref, date, lot_id, kind, quantity, reason, status,"
        " location_id, void) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            (
                m["ref"],
                m["date"],
                lot_id(m["product"], m["lot"]),
                m["kind"],
                m["quantity"],
                m.get("reason"),
                m.get("status"),
                locations[m["location"]] if m.get("location") else None,
                _j(m.get("void")),
            )
            for m in data.get("movements", [])
        ),
    )
    cur.executemany(
        "INSERT OR IGNORE INTO body (number, name, country, mdr, uk_approved) VALUES (?,?,?,?,?)",
        [
            (
                b["number"],
                b["name"],
                b.get("country"),
                int(bool(b.get("mdr"))),
                int(bool(b.get("uk_approved"))),
            )
            for b in data.get("bodies", [])
        ],
    )
    db.commit()
    added = db.total_changes - before
    return f"Imported {path.name}: {added} row(s) added."


# -- shared reads ------------------------------------------------------------------------

# Each lot's stock on hand: its quantity, minus the vials of its treatments, plus the
# quantities of its movements, void records counting nowhere.
ON_HAND = """
    SELECT l.id AS lot_id,
           l.quantity - COALESCE(t.vials, 0) + COALESCE(m.quantity, 0) AS on_hand
    FROM lot l
    LEFT JOIN (SELECT lot_id, SUM(vials) AS vials FROM treatment WHERE void IS NULL
               GROUP BY lot_id) t ON t.lot_id = l.id
    LEFT JOIN (SELECT lot_id, SUM(quantity) AS quantity FROM movement WHERE void IS NULL
               GROUP BY lot_id) m ON m.lot_id = l.id
    WHERE l.void IS NULL
"""


def print_json(rows: list[dict[str, Any]], out: TextIO = sys.stdout) -> None:
    out.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")


# -- check -------------------------------------------------------------------------------


def _numbers(docs: Iterable[dict[str, Any]]) -> str:
    return ", ".join(sorted(d["number"] for d in docs))


def _valid(doc: dict[str, Any], today: str) -> bool:
    return doc["status"] in IN_FORCE and not (doc["expires"] is not None and doc["expires"] < today)


def _days(later: str, today: dt.date) -> int:
    return (dt.date.fromisoformat(later) - today).days


def _five_years_on(issued: str) -> str:
    day = dt.date.fromisoformat(issued)
    d = 28 if (day.month, day.day) == (2, 29) else day.day
    return day.replace(year=day.year + 5, day=d).isoformat()


def _markets_match(market: str, markets: set[str]) -> bool:
    if market in UK_CODES:
        return bool(markets & UK_CODES)
    return market in markets or (market in EU_MEMBERS and "EU" in markets)


def _registered(db: sqlite3.Connection) -> tuple[frozenset[str], str]:
    shipped = json.loads(SHIPPED_REGISTER.read_text(encoding="utf-8"))
    rows = {b["number"]: bool(b["mdr"] or b["uk_approved"]) for b in shipped["bodies"]}
    for number, mdr, uk in db.execute("SELECT number, mdr, uk_approved FROM body"):
        rows[number] = bool(mdr or uk)
    return frozenset(n for n, ok in rows.items() if ok), shipped["as_of"]


Flag = tuple[str, str, str, "str | None", "str | None", str, "dict[str, str] | None"]


def _flag(
    rule: str,
    product: str,
    message: str,
    lot: str | None = None,
    treatment: str | None = None,
    overridden: dict[str, str] | None = None,
) -> Flag:
    return (rule, RULES[rule], product, lot, treatment, message, overridden)


def _certificate_flags(
    name: str, certs: list[dict[str, Any]], today: dt.date, registered: frozenset[str], as_of: str
) -> list[Flag]:
    if not certs:
        return []
    t = today.isoformat()
    valid = [c for c in certs if _valid(c, t)]
    if not valid:
        in_force = [c for c in certs if c["status"] in IN_FORCE]
        if in_force:
            last = max(c["expires"] for c in in_force if c["expires"] is not None)
            return [
                _flag(
                    "certificate_expired",
                    name,
                    f"{name}: its CE certificate ({_numbers(in_force)}) expired on {last}. "
                    "Stop using it until a renewed certificate is on file.",
                )
            ]
        states = sorted({c["status"] for c in certs})
        return [
            _flag(
                "certificate_withdrawn",
                name,
                f"{name}: every CE certificate covering it is {' or '.join(states)} "
                f"({_numbers(certs)}). Stop using it and ask the manufacturer for a valid "
                "certificate.",
            )
        ]
    flags: list[Flag] = []
    if all(c["expires"] is not None for c in valid):
        latest = max(c["expires"] for c in valid)
        days = _days(latest, today)
        if days <= CERTIFICATE_DAYS:
            flags.append(
                _flag(
                    "certificate_expiring",
                    name,
                    f"{name}: its CE certificate ({_numbers(valid)}) expires on {latest}, in "
                    f"{days} days. Ask the manufacturer for the renewed certificate now.",
                )
            )
    if all(c["status"] == "restricted" for c in valid):
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
        if c["issued"] is not None
        and c["expires"] is not None
        and c["expires"] > _five_years_on(c["issued"])
    ]
    if too_long:
        flags.append(
            _flag(
                "certificate_too_long",
                name,
                f"{name}: its CE certificate ({_numbers(too_long)}) runs for more than five "
                "years, from "
                + "; ".join(f"{c['issued']} to {c['expires']}" for c in too_long)
                + ". Under the MDR a certificate is valid for at most five years, so the dates "
                "are mistyped or the certificate is not genuine. Check the dates on the "
                "certificate and with the notified body.",
            )
        )
    unnamed = [c for c in valid if c["body"] is None]
    unknown = [c for c in valid if c["body"] is not None and c["body"] not in registered]
    if unnamed or unknown:
        at = f" as of {as_of}" if as_of else ""
        parts = []
        if unknown:
            numbers = ", ".join(sorted({c["body"] for c in unknown}))
            parts.append(
                f"its CE certificate ({_numbers(unknown)}) names notified body {numbers}, which "
                f"is not in ExoDesk's register of notified bodies{at}. Forged certificates "
                "exist, some naming bodies that do not exist: look the body and the certificate "
                "up in NANDO or EUDAMED, or ask the body itself; if the body was designated "
                "since, add it to the register"
            )
        if unnamed:
            parts.append(
                f"its CE certificate ({_numbers(unnamed)}) names no notified body number. A "
                "genuine CE certificate carries its notified body's four-digit number: enter it "
                "from the certificate, and check the certificate in EUDAMED or with the body"
            )
        flags.append(_flag("certificate_body_unknown", name, f"{name}: " + "; ".join(parts) + "."))
    return flags


def _product_flags(
    p: dict[str, Any],
    docs: dict[str, list[dict[str, Any]]],
    market: str | None,
    today: dt.date,
    registered: frozenset[str],
    as_of: str,
) -> list[Flag]:
    flags: list[Flag] = []
    cls, name, source = p["regulatory_class"], p["name"], p["source_type"]
    if cls == "unknown":
        flags.append(
            _flag(
                "class_unknown",
                name,
                f"{name}: the supplier has not stated its regulatory class. Do not use it until "
                "the supplier states the classification and provides the documents for it.",
            )
        )
    if cls == "device_i" and not docs["declaration_of_conformity"]:
        flags.append(
            _flag(
                "missing_declaration",
                name,
                f"{name} is a class I medical device with no Declaration of Conformity on file. "
                "Obtain the manufacturer's Declaration of Conformity before use.",
            )
        )
    certs = docs["ce_certificate"]
    if cls in CERTIFIED_CLASSES and not certs:
        flags.append(
            _flag(
                "missing_certificate",
                name,
                f"{name} is a {CLASS_PHRASE[cls]} with no CE certificate covering it. Obtain the "
                "notified body's CE (or UKCA) certificate before use.",
            )
        )
    flags += _certificate_flags(name, certs, today, registered, as_of)
    t = today.isoformat()
    if cls == "atmp" and not any(_valid(d, t) for d in docs["atmp_authorisation"]):
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
        and cls == "cosmetic"
        and source in HUMAN_SOURCES
        and (market in UK_CODES or market == "EU" or market in EU_MEMBERS)
    ):
        flags.append(
            _flag(
                "human_cosmetic_prohibited",
                name,
                f"{name} is made from human-derived ({source}) material but sold as a "
                f"cosmetic, which is banned in cosmetics in {market}. Do not use it; ask the "
                "supplier for its true classification.",
            )
        )
    if cls in BELOW_CLASS_III and source in HUMAN_SOURCES:
        flags.append(
            _flag(
                "human_device_not_class_iii",
                name,
                f"{name} is made from human-derived ({source}) material but is "
                f"declared a {CLASS_PHRASE[cls]}. Under the MDR (Annex VIII, Rule 18) every device "
                "made from human cells or tissues, or their derivatives, is class III, so this "
                "product is mis-declared. Do not use it; ask the supplier for its class III "
                "certificate.",
            )
        )
    if cls in DEVICE_CLASSES and source in ATMP_RISK_SOURCES:
        flags.append(
            _flag(
                "human_source_review",
                name,
                f"{name} is a medical device made from human {source} material. "
                "Confirm with the supplier and its notified body that it is not an ATMP.",
            )
        )
    if source == "conditioned_media" or not p["composition_documented"]:
        what = (
            "is conditioned media / secretome"
            if source == "conditioned_media"
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
    if not docs["ifu"]:
        flags.append(
            _flag(
                "missing_ifu",
                name,
                f"{name} has no instructions for use on file. Obtain the IFU and use the product "
                "only as it allows.",
            )
        )
    if market is not None and not _markets_match(market, set(p["markets"])):
        listed = ", ".join(sorted(p["markets"])) or "none listed"
        flags.append(
            _flag(
                "not_for_market",
                name,
                f"{name} is not marketed for {market} (its markets: {listed}). Check that it may "
                "lawfully be used here before use.",
            )
        )
    return flags


def _duration(span: dt.timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{max(minutes, 1)} min"


def compute_flags(db: sqlite3.Connection, today: dt.date) -> list[Flag]:
    row = db.execute("SELECT market FROM clinic ORDER BY id LIMIT 1").fetchone()
    market = row[0] if row else None
    registered, as_of = _registered(db)
    products: dict[int, dict[str, Any]] = {}
    for pid, name, source, cls, routes, peri, markets, comp, hours in db.execute(
        "SELECT id, name, source_type, regulatory_class, intended_routes, periorbital_approved,"
        " markets, composition_documented, reconstitution_hours FROM product"
    ):
        products[pid] = {
            "name": name,
            "source_type": source,
            "regulatory_class": cls,
            "intended_routes": frozenset(json.loads(routes)),
            "periorbital_approved": bool(peri),
            "markets": json.loads(markets),
            "composition_documented": bool(comp),
            "reconstitution_hours": hours,
        }
    docs: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for pid, kind, number, status, expires, issued, body_number, issuer in db.execute(
        "SELECT dp.product_id, d.kind, d.number, d.status, d.expires, d.issued, d.body_number,"
        " d.issuer FROM document d JOIN document_product dp ON dp.document_id = d.id"
        " WHERE d.kind IN ('ce_certificate', 'declaration_of_conformity', 'ifu',"
        " 'atmp_authorisation')"
    ):
        found = FOUR_DIGITS.findall(issuer or "")
        body = body_number or (found[-1] if found else None)
        docs[pid][kind].append(
            {"number": number, "status": status, "expires": expires, "issued": issued, "body": body}
        )
    flags: list[Flag] = []
    for pid, p in products.items():
        flags += _product_flags(p, docs[pid], market, today, registered, as_of)

    # Lots: a certificate of analysis, and what is on hand against the expiry.
    coa_lots = {
        lid
        for (lid,) in db.execute(
            "SELECT lot_id FROM document WHERE kind = 'certificate_of_analysis'"
            " AND lot_id IS NOT NULL"
        )
    }
    lots: dict[int, tuple[int, str, str]] = {}
    for lid, pid, code, expiry, on_hand in db.execute(
        "SELECT l.id, l.product_id, l.code, l.expiry, COALESCE(oh.on_hand, 0)"
        f" FROM lot l LEFT JOIN ({ON_HAND}) oh ON oh.lot_id = l.id WHERE l.void IS NULL"
    ):
        lots[lid] = (pid, code, expiry)
        name = products[pid]["name"]
        if lid not in coa_lots:
            flags.append(
                _flag(
                    "missing_coa",
                    name,
                    f"Lot {code} of {name} has no certificate of analysis. Ask the supplier for "
                    "the lot's certificate of analysis.",
                    lot=code,
                )
            )
        if on_hand > 0:
            days = _days(expiry, today)
            if days < 0:
                flags.append(
                    _flag(
                        "lot_expired_in_stock",
                        name,
                        f"Lot {code} of {name} expired on {expiry} and {on_hand} vials "
                        "are still in stock. Set them aside and record their destruction.",
                        lot=code,
                    )
                )
            elif days <= LOT_DAYS:
                flags.append(
                    _flag(
                        "lot_expiring",
                        name,
                        f"Lot {code} of {name} expires on {expiry}, in {days} days, with "
                        f"{on_hand} vials on hand. Use it first.",
                        lot=code,
                    )
                )

    # Status history per lot: the file's status from receipt, then status changes by date.
    initial = dict(db.execute("SELECT id, status FROM lot WHERE void IS NULL"))
    changes: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for lid, day, status in db.execute(
        "SELECT lot_id, date, status FROM movement WHERE kind = 'status_change'"
        " AND void IS NULL AND status IS NOT NULL ORDER BY date, id"
    ):
        changes[lid].append((day, status))
    always_released = {
        lid
        for lid, status in initial.items()
        if status == "released" and all(s == "released" for _, s in changes.get(lid, ()))
    }

    def status_on(lid: int, day: str) -> str:
        status = initial[lid]
        for changed, new in changes.get(lid, ()):
            if changed > day:
                break
            status = new
        return status

    for ref, day, lid, route, zone, time, reconstituted, override in db.execute(
        "SELECT ref, date, lot_id, route, zone, time, reconstituted, override FROM treatment"
        " WHERE void IS NULL"
    ):
        pid, code, expiry = lots[lid]
        p = products[pid]
        name = p["name"]
        found: list[tuple[str, str]] = []
        if route not in p["intended_routes"]:
            allowed = ", ".join(sorted(p["intended_routes"])) or "none"
            found.append(
                (
                    "route_outside_intended_use",
                    f"Treatment {ref} on {day} used {name} by the {route} route, which "
                    f"is not among its intended routes ({allowed}). Use it only as its IFU allows.",
                )
            )
        if zone == "periorbital" and not p["periorbital_approved"]:
            found.append(
                (
                    "periorbital_not_approved",
                    f"Treatment {ref} on {day} used {name} periorbitally, but it is not approved "
                    "for periorbital use. Use only a product approved for the periorbital zone.",
                )
            )
        if day > expiry:
            found.append(
                (
                    "used_after_expiry",
                    f"Treatment {ref} on {day} used lot {code} of {name}, which expired on "
                    f"{expiry}. Review the patient and report it.",
                )
            )
        if lid not in always_released:
            status = status_on(lid, day)
            if status != "released":
                found.append(
                    (
                        "used_unreleased_lot",
                        f"Treatment {ref} on {day} used lot {code} of {name} while the lot was "
                        f"{STATUS_PHRASE[status]}. Only released lots may be used; review it.",
                    )
                )
        hours = p["reconstitution_hours"]
        if hours is not None and reconstituted is not None:
            given = dt.datetime.fromisoformat(f"{day}T{time or '00:00'}")
            made = dt.datetime.fromisoformat(reconstituted)
            if given - made > dt.timedelta(hours=hours):
                at = (
                    f"at {time}"
                    if time is not None
                    else "(no time recorded: from the start of the day)"
                )
                late = given - made - dt.timedelta(hours=hours)
                found.append(
                    (
                        "used_after_reconstitution_window",
                        f"Treatment {ref} on {day} {at} used a vial of {name} reconstituted at "
                        f"{made:%Y-%m-%d %H:%M}, {_duration(late)} after its "
                        f"{hours}-hour window had closed. A reconstituted vial must be used within "
                        "its window and then discarded: review the patient and report it.",
                    )
                )
        if found:
            ov = _unj(override)
            for rule, message in found:
                overridden = (
                    {"by": ov["by"], "reason": ov["reason"]}
                    if ov is not None and rule in ov["rules"]
                    else None
                )
                flags.append(_flag(rule, name, message, code, ref, overridden))
    flags.sort(key=lambda f: (SEVERITY_ORDER[f[1]], RULE_ORDER[f[0]], f[2], f[3] or "", f[4] or ""))
    return flags


def do_check(db: sqlite3.Connection, today: dt.date) -> None:
    keys = ("rule", "severity", "product", "lot", "treatment", "message", "overridden")
    print_json([dict(zip(keys, f, strict=True)) for f in compute_flags(db, today)])


# -- stock and trace ---------------------------------------------------------------------

STOCK = f"""
    SELECT p.name, l.code, l.expiry,
           COALESCE((SELECT loc.name FROM movement m JOIN location loc ON loc.id = m.location_id
                     WHERE m.lot_id = l.id AND m.kind = 'transfer' AND m.void IS NULL
                     ORDER BY m.date DESC, m.id DESC LIMIT 1), home.name),
           COALESCE((SELECT m.status FROM movement m
                     WHERE m.lot_id = l.id AND m.kind = 'status_change' AND m.void IS NULL
                     ORDER BY m.date DESC, m.id DESC LIMIT 1), l.status),
           oh.on_hand
    FROM ({ON_HAND}) oh
    JOIN lot l ON l.id = oh.lot_id
    JOIN product p ON p.id = l.product_id
    LEFT JOIN location home ON home.id = l.location_id
    WHERE oh.on_hand > 0
    ORDER BY l.expiry, p.name, l.code
"""


def do_stock(db: sqlite3.Connection) -> None:
    keys = ("product", "lot", "expiry", "location", "status", "on_hand")
    print_json([dict(zip(keys, row, strict=True)) for row in db.execute(STOCK)])


def do_trace(db: sqlite3.Connection, product: str, lot: str) -> int:
    row = db.execute(
        "SELECT l.id FROM lot l JOIN product p ON p.id = l.product_id"
        " WHERE p.name = ? AND l.code = ?",
        (product, lot),
    ).fetchone()
    if row is None:
        print(f"no lot {lot!r} of product {product!r} in this database", file=sys.stderr)
        return 2
    keys = ("ref", "date", "patient", "practitioner", "route", "zone", "vials")
    rows = db.execute(
        "SELECT ref, date, patient, practitioner, route, zone, vials FROM treatment"
        " WHERE lot_id = ? AND void IS NULL ORDER BY date, ref",
        (row[0],),
    )
    print_json([dict(zip(keys, r, strict=True)) for r in rows])
    return 0


# -- export (streamed) -------------------------------------------------------------------


def _dump(value: Any, level: int) -> str:
    """`value` as json.dumps(indent=2) writes it `level` levels deep in the document."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + "  " * level) if level else text


def _void(text: str | None) -> Any:
    void = _unj(text)
    if void is None:
        return None
    return {
        "on": void["on"],
        "by": void.get("by") or "unknown",
        "reason": void.get("reason") or "entered in error",
    }


def _sections(db: sqlite3.Connection) -> Iterator[tuple[str, Any]]:
    row = db.execute("SELECT name, market FROM clinic ORDER BY id LIMIT 1").fetchone()
    yield "clinic", None if row is None else {"name": row[0], "market": row[1]}
    yield (
        "locations",
        ({"name": n} for (n,) in db.execute("SELECT name FROM location ORDER BY name")),
    )
    yield (
        "products",
        (
            {
                "name": r[0],
                "manufacturer": r[1],
                "country": r[2],
                "gtin": r[3],
                "source_type": r[4],
                "form": r[5],
                "regulatory_class": r[6],
                "intended_routes": json.loads(r[7]),
                "periorbital_approved": bool(r[8]),
                "markets": json.loads(r[9]),
                "composition_documented": bool(r[10]),
                "reconstitution_hours": r[11],
                "reorder_level": r[12],
            }
            for r in db.execute(
                "SELECT name, manufacturer, country, gtin, source_type, form, regulatory_class,"
                " intended_routes, periorbital_approved, markets, composition_documented,"
                " reconstitution_hours, reorder_level FROM product ORDER BY name"
            )
        ),
    )
    covers: dict[int, list[str]] = defaultdict(list)
    for doc_id, name in db.execute(
        "SELECT dp.document_id, p.name FROM document_product dp JOIN product p"
        " ON p.id = dp.product_id"
    ):
        covers[doc_id].append(name)
    yield (
        "documents",
        (
            {
                "kind": r[1],
                "number": r[2],
                "issuer": r[3],
                "issued": r[4],
                "expires": r[5],
                "products": sorted(covers[r[0]]),
                "lot": r[11],
                "status": r[6],
                "sha256": r[7],
                "body_number": r[8],
                "verified_on": r[9],
                "verified_by": r[10],
            }
            for r in db.execute(
                "SELECT d.id, d.kind, d.number, d.issuer, d.issued, d.expires, d.status, d.sha256,"
                " d.body_number, d.verified_on, d.verified_by, l.code FROM document d"
                " LEFT JOIN lot l ON l.id = d.lot_id ORDER BY d.kind, d.number"
            )
        ),
    )
    yield (
        "lots",
        (
            {
                "product": r[0],
                "lot": r[1],
                "expiry": r[2],
                "received": r[3],
                "quantity": r[4],
                "location": r[5],
                "status": r[6],
                "void": _void(r[7]),
            }
            for r in db.execute(
                "SELECT p.name, l.code, l.expiry, l.received, l.quantity, loc.name, l.status,"
                " l.void"
                " FROM lot l JOIN product p ON p.id = l.product_id"
                " LEFT JOIN location loc ON loc.id = l.location_id ORDER BY p.name, l.code"
            )
        ),
    )
    yield (
        "treatments",
        (
            {
                "ref": r[0],
                "date": r[1],
                "product": r[2],
                "lot": r[3],
                "patient": r[4],
                "practitioner": r[5],
                "route": r[6],
                "zone": r[7],
                "vials": r[8],
                "time": r[9],
                "reconstituted": r[10],
                "override": _unj(r[11]),
                "void": _void(r[12]),
            }
            for r in db.execute(
                "SELECT t.ref, t.date, p.name, l.code, t.patient, t.practitioner, t.route, t.zone,"
                " t.vials, t.time, t.reconstituted, t.override, t.void FROM treatment t"
                " JOIN lot l ON l.id = t.lot_id JOIN product p ON p.id = l.product_id"
                " ORDER BY t.date, t.ref"
            )
        ),
    )
    yield (
        "movements",
        (
            {
                "ref": r[0],
                "date": r[1],
                "product": r[2],
                "lot": r[3],
                "kind": r[4],
                "quantity": r[5],
                "reason": r[6],
                "status": r[7],
                "location": r[8],
                "void": _void(r[9]),
            }
            for r in db.execute(
                "SELECT m.ref, m.date, p.name, l.code, m.kind, m.quantity, m.reason, m.status,"
                " loc.name, m.void FROM movement m JOIN lot l ON l.id = m.lot_id"
                " JOIN product p ON p.id = l.product_id"
                " LEFT JOIN location loc ON loc.id = m.location_id ORDER BY m.date, m.ref"
            )
        ),
    )
    yield (
        "bodies",
        (
            {
                "number": r[0],
                "name": r[1],
                "country": r[2],
                "mdr": bool(r[3]),
                "uk_approved": bool(r[4]),
            }
            for r in db.execute(
                "SELECT number, name, country, mdr, uk_approved FROM body ORDER BY number"
            )
        ),
    )


def write_export(db: sqlite3.Connection, out: TextIO) -> None:
    """The document json.dumps(indent=2, ensure_ascii=False) + newline would write, one record
    at a time."""
    out.write('{\n  "format": "exodesk/1"')
    for key, value in _sections(db):
        out.write(f',\n  "{key}": ')
        if value is None or isinstance(value, dict):
            out.write(_dump(value, 1))
            continue
        first = True
        batch: list[str] = []
        for record in value:
            batch.append(("[\n    " if first else ",\n    ") + _dump(record, 2))
            first = False
            if len(batch) >= 1000:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch))
        out.write("[]" if first else "\n  ]")
    out.write("\n}\n")


def do_export(db: sqlite3.Connection, target: str) -> None:
    if target == "-":
        write_export(db, sys.stdout)
        return
    with open(target, "w", encoding="utf-8", newline="\n") as out:
        write_export(db, out)
    print(f"Exported to {target}.", file=sys.stderr)


# -- command line ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", required=True, help="the baseline's SQLite file")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("import").add_argument("file", type=Path)
    for name in ("check", "stock"):
        p = sub.add_parser(name)
        p.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
        p.add_argument("--json", action="store_true", required=True)
    p = sub.add_parser("trace")
    p.add_argument("product")
    p.add_argument("lot")
    p.add_argument("--json", action="store_true", required=True)
    sub.add_parser("export").add_argument("file")
    sub.add_parser("size")
    args = parser.parse_args(argv)
    if args.command != "import" and not os.path.exists(args.db):
        parser.error(f"{args.db}: no such database")
    db = sqlite3.connect(args.db, isolation_level=None)
    try:
        if args.command == "import":
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.executescript(SCHEMA)
            message = do_import(db, args.file)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            print(f"{message} Database file: {os.path.getsize(args.db):,} bytes.")
        elif args.command == "check":
            do_check(db, args.today)
        elif args.command == "stock":
            do_stock(db)
        elif args.command == "trace":
            return do_trace(db, args.product, args.lot)
        elif args.command == "export":
            do_export(db, args.file)
        elif args.command == "size":
            print(os.path.getsize(args.db))
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
