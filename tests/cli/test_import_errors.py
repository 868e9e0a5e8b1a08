"""The import command against INTERCHANGE.md: every class of bad input is refused with exit 2,
its JSON path on stderr and the stored data untouched; round trip, idempotence, incremental
import; and the stock, trace, demo and check commands' output contracts."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sample_files import (
    LOCATION,
    LOT,
    PRODUCT,
    TODAY,
    Doc,
    add_product,
    adjustment,
    base_document,
    ce_certificate,
    coa,
    day,
    document,
    location,
    lot,
    status_change,
    transfer,
    treatment,
    waste,
)

from exodesk.cli import main

STOCK_KEYS = {"product", "lot", "expiry", "location", "status", "on_hand"}
TRACE_KEYS = {"ref", "date", "patient", "practitioner", "route", "zone", "vials"}

NEW_PRODUCT = "Exo Plant 20"
NEW_LOT = "NEW1"


class Cli:
    """Runs `exodesk` in-process on one database and keeps what it printed."""

    def __init__(self, db: Path, tmp: Path, capsys: Any) -> None:
        self.db = db
        self.tmp = tmp
        self.capsys = capsys
        self.out = ""
        self.err = ""
        self._files = 0

    def __call__(self, *args: str, db: Path | None = None) -> int:
        code = main([*args, "--db", str(db or self.db)])
        captured = self.capsys.readouterr()
        self.out, self.err = captured.out, captured.err
        assert isinstance(code, int)
        return code

    def file(self, data: Any, raw: bool = False) -> Path:
        self._files += 1
        path = self.tmp / f"input-{self._files}.json"
        path.write_text(data if raw else json.dumps(data, indent=2), encoding="utf-8")
        return path

    def import_ok(self, doc: Doc, db: Path | None = None) -> None:
        code = self("import", str(self.file(doc)), db=db)
        assert code == 0, self.err

    def export(self, db: Path | None = None) -> bytes:
        self._files += 1
        path = self.tmp / f"export-{self._files}.json"
        code = self("export", str(path), db=db)
        assert code == 0, self.err
        return path.read_bytes()

    def json(self, *args: str, db: Path | None = None) -> Any:
        code = self(*args, "--json", db=db)
        assert code == 0, self.err
        return json.loads(self.out)


@pytest.fixture
def cli(db_path: Path, tmp_path: Path, capsys: Any) -> Cli:
    return Cli(db_path, tmp_path, capsys)


def stored_document() -> Doc:
    """What the database holds before each bad import: PL001 has 10 - 1 - 1 = 8 on hand."""
    doc = base_document()
    doc["treatments"].append(treatment("T-0001", date=day(-30)))
    doc["movements"].append(waste("M-0001", -1, date=day(-20), reason="vial cracked"))
    return doc


def incoming_document() -> Doc:
    """The stored document again (skipped as identical) plus new records at known indexes:
    locations[1], products[1], documents[2] (its ifu), documents[3] (CoA of NEW1), lots[1]
    (NEW1, 10 vials), treatments[1] (1 vial of NEW1), movements[1] (waste -1 of NEW1)."""
    doc = stored_document()
    doc["locations"].append(location("Fridge B"))
    add_product(doc, NEW_PRODUCT)
    doc["documents"].append(coa(NEW_PRODUCT, NEW_LOT))
    doc["lots"].append(lot(NEW_LOT, NEW_PRODUCT, location="Fridge B"))
    doc["treatments"].append(treatment("T-0002", NEW_LOT, NEW_PRODUCT, date=day(-15)))
    doc["movements"].append(waste("M-0002", -1, NEW_LOT, product=NEW_PRODUCT, date=day(-12)))
    return doc


def test_incoming_document_is_valid(cli: Cli) -> None:
    """The bad files below each break one thing in this otherwise valid file."""
    cli.import_ok(stored_document())
    cli.import_ok(incoming_document())
    rows = cli.json("stock", "--today", TODAY.isoformat())
    assert {(row["lot"], row["on_hand"]) for row in rows} == {(LOT, 8), (NEW_LOT, 8)}


# --- every class of bad input: exit 2, JSON path on stderr, nothing written ----------------

Mutation = Callable[[Doc], None]


def set_field(section: str, index: int, field: str, value: Any) -> Mutation:
    def mutate(doc: Doc) -> None:
        doc[section][index][field] = value

    return mutate


def append(section: str, record: Doc) -> Mutation:
    def mutate(doc: Doc) -> None:
        doc[section].append(copy.deepcopy(record))

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(doc: Doc) -> None:
        for mutation in mutations:
            mutation(doc)

    return mutate


def drop_field(section: str, index: int, field: str) -> Mutation:
    def mutate(doc: Doc) -> None:
        del doc[section][index][field]

    return mutate


def set_top(field: str, value: Any) -> Mutation:
    def mutate(doc: Doc) -> None:
        doc[field] = value

    return mutate


def del_top(field: str) -> Mutation:
    def mutate(doc: Doc) -> None:
        del doc[field]

    return mutate


BAD_INPUTS = [
    # wrong type
    pytest.param(set_field("lots", 1, "quantity", "five"), "lots[1].quantity", id="type-quantity"),
    pytest.param(set_field("treatments", 1, "vials", 1.5), "treatments[1].vials", id="type-vials"),
    pytest.param(set_field("products", 1, "markets", "UK"), "products[1].markets", id="type-list"),
    pytest.param(drop_field("lots", 1, "expiry"), "lots[1].expiry", id="missing-expiry"),
    # impossible or non-ISO date
    pytest.param(set_field("lots", 1, "expiry", "2026-02-30"), "lots[1].expiry", id="date-feb-30"),
    pytest.param(
        set_field("treatments", 1, "date", "2026-13-01"), "treatments[1].date", id="date-month-13"
    ),
    pytest.param(
        set_field("documents", 2, "issued", "30/01/2025"), "documents[2].issued", id="date-not-iso"
    ),
    pytest.param(set_field("lots", 1, "expiry", 1798761600), "lots[1].expiry", id="date-as-number"),
    # unknown vocabulary value
    pytest.param(
        set_field("products", 1, "source_type", "fungal"),
        "products[1].source_type",
        id="vocab-source",
    ),
    pytest.param(
        set_field("products", 1, "source_type", "MSC"), "products[1].source_type", id="vocab-case"
    ),
    pytest.param(
        set_field("products", 1, "regulatory_class", "class_iv"),
        "products[1].regulatory_class",
        id="vocab-class",
    ),
    pytest.param(
        set_field("treatments", 1, "route", "oral"), "treatments[1].route", id="vocab-route"
    ),
    pytest.param(set_field("treatments", 1, "zone", "lips"), "treatments[1].zone", id="vocab-zone"),
    pytest.param(set_field("lots", 1, "status", "lost"), "lots[1].status", id="vocab-lot-status"),
    pytest.param(
        set_field("movements", 1, "kind", "theft"), "movements[1].kind", id="vocab-movement"
    ),
    pytest.param(
        set_field("documents", 2, "kind", "brochure"), "documents[2].kind", id="vocab-doc-kind"
    ),
    pytest.param(
        set_field("documents", 2, "status", "revoked"),
        "documents[2].status",
        id="vocab-doc-status",
    ),
    # references that do not resolve
    pytest.param(
        set_field("lots", 1, "product", "Ghost"), "lots[1].product", id="unknown-product-lot"
    ),
    pytest.param(
        set_field("treatments", 1, "product", "Ghost"),
        "treatments[1].product",
        id="unknown-product-treatment",
    ),
    pytest.param(
        set_field("documents", 2, "products", ["Ghost"]),
        "documents[2].products",
        id="unknown-product-document",
    ),
    pytest.param(
        set_field("treatments", 1, "lot", "NOPE"), "treatments[1].lot", id="unknown-lot-treatment"
    ),
    pytest.param(
        set_field("movements", 1, "lot", "NOPE"), "movements[1].lot", id="unknown-lot-movement"
    ),
    pytest.param(
        set_field("treatments", 1, "product", PRODUCT),
        "treatments[1].lot",
        id="lot-of-another-product",
    ),
    pytest.param(
        set_field("lots", 1, "location", "Freezer Z"),
        "lots[1].location",
        id="unknown-location-lot",
    ),
    pytest.param(
        both(
            set_field("movements", 1, "kind", "transfer"),
            set_field("movements", 1, "quantity", 0),
            set_field("movements", 1, "location", "Freezer Z"),
        ),
        "movements[1].location",
        id="unknown-location-transfer",
    ),
    # a record whose key is stored but whose content differs
    pytest.param(
        set_field("products", 0, "manufacturer", "Other Bio"),
        "products[0].manufacturer",
        id="conflict-product",
    ),
    pytest.param(set_field("lots", 0, "expiry", day(500)), "lots[0].expiry", id="conflict-lot"),
    pytest.param(
        set_field("documents", 0, "issuer", "Somebody Else"),
        "documents[0].issuer",
        id="conflict-document",
    ),
    pytest.param(
        set_field("treatments", 0, "vials", 2), "treatments[0].vials", id="conflict-treatment"
    ),
    pytest.param(
        set_field("movements", 0, "reason", "dropped"), "movements[0].reason", id="conflict-move"
    ),
    pytest.param(
        lambda doc: doc["clinic"].update(name="Another Clinic"),
        "clinic.name",
        id="conflict-clinic",
    ),
    pytest.param(
        append("products", {**incoming_document()["products"][1], "manufacturer": "Other Bio"}),
        "products[2]",
        id="conflict-within-file",
    ),
    # negative quantities
    pytest.param(set_field("lots", 1, "quantity", -5), "lots[1].quantity", id="negative-lot"),
    pytest.param(
        set_field("treatments", 1, "vials", -1), "treatments[1].vials", id="negative-vials"
    ),
    # stock on hand would go below zero
    pytest.param(set_field("treatments", 1, "vials", 11), "treatments[1]", id="overdrawn-new-lot"),
    pytest.param(
        append("treatments", treatment("T-0003", vials=9, date=day(-5))),
        "treatments[2]",
        id="overdrawn-stored-lot",
    ),
    pytest.param(set_field("movements", 1, "quantity", -11), "movements[1]", id="overdrawn-waste"),
    # a certificate of analysis must name a lot of a product it covers
    pytest.param(set_field("documents", 3, "lot", LOT), "documents[3].lot", id="coa-other-product"),
    pytest.param(set_field("documents", 3, "lot", "NOPE"), "documents[3].lot", id="coa-no-lot"),
    pytest.param(set_field("documents", 3, "lot", None), "documents[3].lot", id="coa-without-lot"),
    # the format marker
    pytest.param(set_top("format", "exodesk/2"), "format", id="format-wrong"),
    pytest.param(del_top("format"), "format", id="format-missing"),
]


@pytest.mark.parametrize(("mutate", "path"), BAD_INPUTS)
def test_bad_input_is_refused_and_nothing_is_written(cli: Cli, mutate: Mutation, path: str) -> None:
    cli.import_ok(stored_document())
    before = cli.export()
    doc = incoming_document()
    mutate(doc)
    code = cli("import", str(cli.file(doc)))
    assert code == 2, f"exit {code}; stderr: {cli.err}"
    assert path in cli.err, f"{path!r} not named in stderr: {cli.err}"
    assert "Traceback" not in cli.err
    assert cli.export() == before


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"format": "exodesk/1", "clinic": ', id="truncated"),
        pytest.param("format: exodesk/1\n", id="yaml"),
        pytest.param("", id="empty"),
        pytest.param("[]", id="array"),
        pytest.param('"exodesk/1"', id="string"),
    ],
)
def test_not_an_interchange_object_is_refused(cli: Cli, text: str) -> None:
    cli.import_ok(stored_document())
    before = cli.export()
    code = cli("import", str(cli.file(text, raw=True)))
    assert code == 2, cli.err
    assert cli.err.strip()
    assert "Traceback" not in cli.err
    assert cli.export() == before


def test_every_malformed_value_is_reported(cli: Cli) -> None:
    cli.import_ok(stored_document())
    before = cli.export()
    doc = incoming_document()
    doc["lots"][1]["expiry"] = "2026-02-30"
    doc["treatments"][1]["route"] = "oral"
    doc["products"][1]["source_type"] = "fungal"
    assert cli("import", str(cli.file(doc))) == 2
    for path in ("lots[1].expiry", "treatments[1].route", "products[1].source_type"):
        assert path in cli.err, cli.err
    assert cli.export() == before


def test_every_unresolved_or_conflicting_record_is_reported(cli: Cli) -> None:
    cli.import_ok(stored_document())
    before = cli.export()
    doc = incoming_document()
    doc["products"][0]["manufacturer"] = "Other Bio"
    doc["lots"][1]["location"] = "Freezer Z"
    doc["movements"][0]["lot"] = "NOPE"
    assert cli("import", str(cli.file(doc))) == 2
    for path in ("products[0].manufacturer", "lots[1].location", "movements[0].lot"):
        assert path in cli.err, cli.err
    assert cli.export() == before


def test_bad_input_into_empty_database_leaves_it_empty(cli: Cli) -> None:
    empty = cli.export()
    doc = incoming_document()
    doc["lots"][1]["quantity"] = "five"
    assert cli("import", str(cli.file(doc))) == 2
    assert "lots[1].quantity" in cli.err
    assert cli.export() == empty


# --- round trip, idempotence, incremental import -------------------------------------------


def full_document() -> Doc:
    """Every kind of record: two products, every movement kind, several document kinds."""
    doc = base_document()
    doc["locations"].append(location("Fridge B"))
    doc["products"][0].update(regulatory_class="device_iii", source_type="msc")
    doc["documents"].append(ce_certificate("CE 0001", expires=day(400)))
    doc["documents"].append(ce_certificate("CE 0000", expires=day(100), status="withdrawn"))
    add_product(doc, "Exo Cream", form="cream", regulatory_class="device_i")
    doc["documents"].append(
        document("declaration_of_conformity", "DoC 7", ["Exo Cream"], issuer="Example Bio")
    )
    doc["documents"].append(
        document("mfds_registration", "MFDS 1", [PRODUCT, "Exo Cream"], issuer="MFDS")
    )
    doc["lots"].append(lot("PL002", quantity=5, expiry=day(40), status="quarantine"))
    doc["lots"].append(lot("EC1", "Exo Cream", quantity=12, location="Fridge B"))
    doc["documents"].append(coa("Exo Cream", "EC1"))
    doc["treatments"] += [
        treatment("T-0002", date=day(-25), vials=2),
        treatment("T-0001", date=day(-40), zone="periorbital"),
        treatment("T-0003", "EC1", "Exo Cream", route="topical_post_procedure"),
        treatment("T-0004", "PL002", date=day(-60), patient="P-0002"),
    ]
    doc["movements"] += [
        waste("M-0001", -1, date=day(-35)),
        adjustment("M-0002", 2, "EC1", product="Exo Cream"),
        status_change("M-0003", "released", "PL002", date=day(-50)),
        transfer("M-0004", "Fridge B", date=day(-15)),
        status_change("M-0005", "on_hold", date=day(-5)),
    ]
    return doc


def test_round_trip_export_is_byte_identical(cli: Cli, tmp_path: Path) -> None:
    cli.import_ok(full_document())
    first = cli.export()
    second_db = tmp_path / "second.sqlite"
    code = cli("import", str(cli.file(first.decode("utf-8"), raw=True)), db=second_db)
    assert code == 0, cli.err
    assert cli.export(db=second_db) == first
    today = ("--today", TODAY.isoformat())
    assert cli.json("stock", *today, db=second_db) == cli.json("stock", *today)
    flags_second = cli.json("check", *today, db=second_db)
    flags_first = cli.json("check", *today)
    assert sorted(map(json.dumps, flags_second)) == sorted(map(json.dumps, flags_first))


def test_export_holds_every_imported_record(cli: Cli) -> None:
    doc = full_document()
    doc["movements"] = [m for m in doc["movements"] if m["kind"] in ("waste", "adjustment")]
    cli.import_ok(doc)
    exported = json.loads(cli.export())
    assert exported["format"] == "exodesk/1"
    assert {key: exported["clinic"][key] for key in doc["clinic"]} == doc["clinic"]
    for section in ("locations", "products", "documents", "lots", "treatments", "movements"):
        keys = list(doc[section][0])
        wanted = sorted(canonical(record) for record in doc[section])
        got = sorted(canonical({key: record[key] for key in keys}) for record in exported[section])
        assert got == wanted, section


def canonical(record: Doc) -> str:
    """The record as text; list fields (markets, routes, covered products) are sets."""
    return json.dumps(
        {key: sorted(value) if isinstance(value, list) else value for key, value in record.items()},
        sort_keys=True,
    )


def test_importing_the_same_file_twice_changes_nothing(cli: Cli) -> None:
    path = cli.file(full_document())
    assert cli("import", str(path)) == 0, cli.err
    once = cli.export()
    assert cli("import", str(path)) == 0, cli.err
    assert cli.export() == once


def test_importing_an_export_into_its_own_database_changes_nothing(cli: Cli) -> None:
    cli.import_ok(full_document())
    once = cli.export()
    assert cli("import", str(cli.file(once.decode("utf-8"), raw=True))) == 0, cli.err
    assert cli.export() == once


def test_incremental_import_adds_a_treatment_to_a_stored_lot(cli: Cli) -> None:
    cli.import_ok(stored_document())
    addition = {
        "format": "exodesk/1",
        "clinic": base_document()["clinic"],
        "locations": [],
        "products": [],
        "documents": [],
        "lots": [],
        "treatments": [treatment("T-0009", date=day(-2), vials=3, patient="P-0009")],
        "movements": [],
    }
    cli.import_ok(addition)
    refs = [row["ref"] for row in cli.json("trace", PRODUCT, LOT)]
    assert refs == ["T-0001", "T-0009"]
    [row] = cli.json("stock", "--today", TODAY.isoformat())
    assert row["on_hand"] == 10 - 1 - 1 - 3
    exported = json.loads(cli.export())
    assert {t["ref"] for t in exported["treatments"]} == {"T-0001", "T-0009"}
    assert [p["name"] for p in exported["products"]] == [PRODUCT]


# --- stock ---------------------------------------------------------------------------------


def test_stock_on_hand_is_quantity_minus_vials_plus_movements(cli: Cli) -> None:
    doc = base_document()
    doc["locations"].append(location("Fridge B"))
    doc["lots"][0]["quantity"] = 20
    doc["treatments"] += [
        treatment("T-0001", vials=2, date=day(-30)),
        treatment("T-0002", vials=3, date=day(-25)),
    ]
    doc["movements"] += [
        waste("M-0001", -1, date=day(-28)),
        adjustment("M-0002", 2, date=day(-27)),
        adjustment("M-0003", -1, date=day(-26)),
        transfer("M-0004", "Fridge B", date=day(-24)),
        status_change("M-0005", "on_hold", date=day(-23)),
    ]
    cli.import_ok(doc)
    rows = cli.json("stock", "--today", TODAY.isoformat())
    assert rows == [
        {
            "product": PRODUCT,
            "lot": LOT,
            "expiry": day(700),
            "location": "Fridge B",
            "status": "on_hold",
            "on_hand": 20 - 2 - 3 - 1 + 2 - 1,
        }
    ]


def test_stock_rows_soonest_expiry_first_without_empty_lots(cli: Cli) -> None:
    doc = base_document()
    add_product(doc, "Exo B")
    doc["documents"] = [d for d in doc["documents"] if d["kind"] == "ifu"]
    doc["lots"] = [
        lot("L-300", quantity=5, expiry=day(300)),
        lot("L-100", quantity=4, expiry=day(100)),
        lot("L-EMPTY", quantity=3, expiry=day(50)),
        lot("B-150", "Exo B", quantity=6, expiry=day(150)),
        lot("L-OLD", quantity=2, expiry=day(-5), received=day(-300)),
    ]
    doc["treatments"].append(treatment("T-0001", "L-EMPTY", vials=3))
    cli.import_ok(doc)
    rows = cli.json("stock", "--today", TODAY.isoformat())
    assert all(set(row) == STOCK_KEYS for row in rows), rows
    assert [(row["product"], row["lot"], row["on_hand"]) for row in rows] == [
        (PRODUCT, "L-OLD", 2),
        (PRODUCT, "L-100", 4),
        ("Exo B", "B-150", 6),
        (PRODUCT, "L-300", 5),
    ]
    assert [row["expiry"] for row in rows] == [day(-5), day(100), day(150), day(300)]
    assert {row["location"] for row in rows} == {LOCATION}
    assert {row["status"] for row in rows} == {"released"}


def test_stock_json_prints_only_json(cli: Cli) -> None:
    cli.import_ok(stored_document())
    assert cli("stock", "--today", TODAY.isoformat(), "--json") == 0
    assert isinstance(json.loads(cli.out), list)


# --- trace ---------------------------------------------------------------------------------


def test_trace_lists_the_lots_treatments_oldest_first(cli: Cli) -> None:
    doc = base_document()
    doc["lots"].append(lot("PL002"))
    doc["treatments"] += [
        treatment("T-0003", date=day(-5), patient="P-0003", zone="neck", vials=2),
        treatment("T-0001", date=day(-30), patient="P-0001", route="topical_post_procedure"),
        treatment("T-0009", "PL002", date=day(-20), patient="P-0009"),
        treatment("T-0002", date=day(-20), patient="P-0002", practitioner="Dr B"),
    ]
    cli.import_ok(doc)
    rows = cli.json("trace", PRODUCT, LOT)
    assert rows == [
        {
            "ref": "T-0001",
            "date": day(-30),
            "patient": "P-0001",
            "practitioner": "Dr A",
            "route": "topical_post_procedure",
            "zone": "face",
            "vials": 1,
        },
        {
            "ref": "T-0002",
            "date": day(-20),
            "patient": "P-0002",
            "practitioner": "Dr B",
            "route": "intradermal",
            "zone": "face",
            "vials": 1,
        },
        {
            "ref": "T-0003",
            "date": day(-5),
            "patient": "P-0003",
            "practitioner": "Dr A",
            "route": "intradermal",
            "zone": "neck",
            "vials": 2,
        },
    ]
    assert all(set(row) == TRACE_KEYS for row in rows)


def test_trace_of_a_lot_never_used_is_empty(cli: Cli) -> None:
    cli.import_ok(base_document())
    assert cli.json("trace", PRODUCT, LOT) == []


@pytest.mark.parametrize(
    ("product_name", "lot_code"),
    [(PRODUCT, "NOPE"), ("Ghost", LOT), ("Other Exo", LOT)],
    ids=["unknown-lot", "unknown-product", "lot-of-another-product"],
)
def test_trace_unknown_lot_exits_2(cli: Cli, product_name: str, lot_code: str) -> None:
    doc = stored_document()
    add_product(doc, "Other Exo")
    cli.import_ok(doc)
    assert cli("trace", product_name, lot_code) == 2
    assert cli.err.strip()
    assert "Traceback" not in cli.err
    assert cli("trace", product_name, lot_code, "--json") == 2


# --- demo ----------------------------------------------------------------------------------


def test_demo_fills_an_empty_database_once(cli: Cli) -> None:
    assert cli("demo") == 0, cli.err
    filled = cli.export()
    assert cli("demo") == 2
    assert cli.err.strip()
    assert cli.export() == filled


def test_demo_refuses_a_database_holding_an_import(cli: Cli) -> None:
    cli.import_ok(stored_document())
    before = cli.export()
    assert cli("demo") == 2
    assert cli.export() == before


def test_demo_shows_every_source_type_class_and_rule(cli: Cli) -> None:
    assert cli("demo") == 0, cli.err
    exported = json.loads(cli.export())
    products = exported["products"]
    assert {p["source_type"] for p in products} == {
        "msc",
        "placenta",
        "platelet",
        "plant",
        "conditioned_media",
        "other",
    }
    assert {p["regulatory_class"] for p in products} == {
        "cosmetic",
        "device_i",
        "device_iia",
        "device_iib",
        "device_iii",
        "atmp",
        "unknown",
    }
    rules = {flag["rule"] for flag in cli.json("check")}
    assert rules == {
        "class_unknown",
        "missing_declaration",
        "missing_certificate",
        "certificate_withdrawn",
        "certificate_expired",
        "certificate_expiring",
        "certificate_restricted",
        "certificate_too_long",
        "certificate_body_unknown",
        "atmp_unauthorised",
        "human_cosmetic_prohibited",
        "human_device_not_class_iii",
        "human_source_review",
        "composition_undocumented",
        "missing_ifu",
        "missing_coa",
        "not_for_market",
        "lot_expired_in_stock",
        "lot_expiring",
        "route_outside_intended_use",
        "periorbital_not_approved",
        "used_after_expiry",
        "used_unreleased_lot",
        "used_after_reconstitution_window",
    }


# --- check ---------------------------------------------------------------------------------


def test_check_json_prints_only_a_json_array(cli: Cli) -> None:
    doc = stored_document()
    doc["documents"] = [d for d in doc["documents"] if d["kind"] != "ifu"]
    doc["treatments"][0]["route"] = "intravenous"
    cli.import_ok(doc)
    assert cli("check", "--today", TODAY.isoformat(), "--json") == 0, cli.err
    flags = json.loads(cli.out)
    assert isinstance(flags, list)
    assert {flag["rule"] for flag in flags} == {"missing_ifu", "route_outside_intended_use"}


def test_check_json_on_an_empty_database(cli: Cli) -> None:
    assert cli("check", "--json") == 0, cli.err
    assert json.loads(cli.out) == []


def test_check_human_output_names_the_flagged_product(cli: Cli) -> None:
    doc = stored_document()
    doc["documents"] = [d for d in doc["documents"] if d["kind"] != "ifu"]
    cli.import_ok(doc)
    assert cli("check", "--today", TODAY.isoformat()) == 0, cli.err
    assert PRODUCT in cli.out
