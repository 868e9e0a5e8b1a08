"""Every compliance rule of INTERCHANGE.md, positive and negative, at its exact date boundaries.

Each test changes one thing in the minimal valid document of `docs.base_document()`, imports
it through the command line into a fresh database and reads `check --today TODAY --json`;
the date boundaries run in full on the pure `rules.evaluate`, a few of them end to end too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sample_files import (
    LOT,
    PRODUCT,
    TODAY,
    Doc,
    add_product,
    base_document,
    ce_certificate,
    coa,
    day,
    document,
    lot,
    status_change,
    treatment,
    waste,
)

from exodesk.cli import main
from exodesk.db import open_database
from exodesk.models.enums import DocumentKind, DocumentStatus, RegulatoryClass, Route, Zone
from exodesk.services.compliance import rules
from exodesk.services.interchange.importer import import_bytes

Flag = dict[str, Any]
RunCheck = Callable[..., list[Flag]]

FLAG_KEYS = {"rule", "severity", "product", "lot", "treatment", "message", "overridden"}

SEVERITY = {
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

DEVICE_CLASSES = ["device_i", "device_iia", "device_iib", "device_iii"]


def assert_flag_shape(flag: Flag) -> None:
    assert set(flag) == FLAG_KEYS, flag
    assert flag["rule"] in SEVERITY, flag
    assert flag["severity"] == SEVERITY[flag["rule"]], flag
    assert isinstance(flag["product"], str) and flag["product"], flag
    assert flag["lot"] is None or isinstance(flag["lot"], str), flag
    assert flag["treatment"] is None or isinstance(flag["treatment"], str), flag
    message = flag["message"]
    assert isinstance(message, str), flag
    assert message.strip(), flag
    assert "\n" not in message, flag
    assert " " in message.strip(), f"not a sentence: {message!r}"
    assert message.strip() != flag["rule"], flag
    assert "{" not in message and "}" not in message, f"unformatted template: {message!r}"


@pytest.fixture
def run_check(db_path: Path, write_json: Callable[..., Path], capsys: Any) -> RunCheck:
    """Import a document into the fresh database and return `check --json` as of `today`."""

    def run(doc: Doc, today: date = TODAY) -> list[Flag]:
        path = write_json(doc)
        code = main(["import", str(path), "--db", str(db_path)])
        captured = capsys.readouterr()
        assert code == 0, f"import refused a valid document: {captured.err}"
        code = main(["check", "--today", today.isoformat(), "--json", "--db", str(db_path)])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        flags = json.loads(captured.out)
        assert isinstance(flags, list)
        for flag in flags:
            assert_flag_shape(flag)
        return flags

    return run


def of_rule(flags: list[Flag], rule: str) -> list[Flag]:
    return [flag for flag in flags if flag["rule"] == rule]


def rules_among(flags: list[Flag], rules: set[str]) -> set[str]:
    return {flag["rule"] for flag in flags} & rules


def assert_one(
    flags: list[Flag],
    rule: str,
    product: str = PRODUCT,
    lot: str | None = None,
    treatment: str | None = None,
) -> Flag:
    """Exactly one flag of `rule`, about exactly this product, lot and treatment."""
    found = of_rule(flags, rule)
    assert len(found) == 1, f"expected one {rule} flag, got {found} among {flags}"
    flag = found[0]
    assert flag["severity"] == SEVERITY[rule]
    assert (flag["product"], flag["lot"], flag["treatment"]) == (product, lot, treatment), flag
    return flag


def assert_none(flags: list[Flag], rule: str) -> None:
    assert of_rule(flags, rule) == [], flags


def with_treatment(doc: Doc, **fields: Any) -> Doc:
    doc["treatments"].append(treatment("T-0001", **fields))
    return doc


# --- the base document --------------------------------------------------------------------


def test_base_document_raises_no_flag(run_check: RunCheck) -> None:
    assert run_check(base_document()) == []


def test_clean_treatment_raises_no_flag(run_check: RunCheck) -> None:
    assert run_check(with_treatment(base_document())) == []


# --- class_unknown ------------------------------------------------------------------------


def test_class_unknown(run_check: RunCheck) -> None:
    doc = base_document()
    doc["products"][0]["regulatory_class"] = "unknown"
    assert_one(run_check(doc), "class_unknown")


@pytest.mark.parametrize("regulatory_class", ["cosmetic", *DEVICE_CLASSES, "atmp"])
def test_known_class_is_not_class_unknown(run_check: RunCheck, regulatory_class: str) -> None:
    doc = base_document()
    doc["products"][0]["regulatory_class"] = regulatory_class
    assert_none(run_check(doc), "class_unknown")


# --- missing_declaration ------------------------------------------------------------------


def test_missing_declaration_for_device_i(run_check: RunCheck) -> None:
    doc = base_document()
    doc["products"][0]["regulatory_class"] = "device_i"
    assert_one(run_check(doc), "missing_declaration")


def test_declaration_held_for_device_i(run_check: RunCheck) -> None:
    doc = base_document()
    doc["products"][0]["regulatory_class"] = "device_i"
    doc["documents"].append(document("declaration_of_conformity", "DoC 1", issuer="Example Bio"))
    flags = run_check(doc)
    assert_none(flags, "missing_declaration")
    assert_none(flags, "missing_certificate")


def test_declaration_for_another_product_does_not_count(run_check: RunCheck) -> None:
    doc = base_document()
    doc["products"][0]["regulatory_class"] = "device_i"
    add_product(doc, "Other Exo", regulatory_class="device_i")
    doc["documents"].append(
        document("declaration_of_conformity", "DoC 2", ["Other Exo"], issuer="Example Bio")
    )
    flags = run_check(doc)
    assert_one(flags, "missing_declaration", product=PRODUCT)


@pytest.mark.parametrize("regulatory_class", ["device_iia", "device_iib", "device_iii"])
def test_no_declaration_needed_above_class_i(run_check: RunCheck, regulatory_class: str) -> None:
    doc = base_document()
    doc["products"][0]["regulatory_class"] = regulatory_class
    doc["documents"].append(ce_certificate(expires=day(700)))
    assert_none(run_check(doc), "missing_declaration")


# --- missing_certificate ------------------------------------------------------------------


@pytest.mark.parametrize("regulatory_class", ["device_iia", "device_iib", "device_iii"])
def test_missing_certificate(run_check: RunCheck, regulatory_class: str) -> None:
    doc = base_document()
    doc["products"][0]["regulatory_class"] = regulatory_class
    assert_one(run_check(doc), "missing_certificate")


@pytest.mark.parametrize("regulatory_class", ["device_iia", "device_iib", "device_iii"])
def test_certificate_held(run_check: RunCheck, regulatory_class: str) -> None:
    doc = base_document()
    doc["products"][0]["regulatory_class"] = regulatory_class
    doc["documents"].append(ce_certificate(expires=day(700)))
    assert_none(run_check(doc), "missing_certificate")


def test_no_certificate_needed_for_device_i(run_check: RunCheck) -> None:
    doc = base_document()
    doc["products"][0]["regulatory_class"] = "device_i"
    doc["documents"].append(document("declaration_of_conformity", "DoC 1", issuer="Example Bio"))
    assert_none(run_check(doc), "missing_certificate")


def test_certificate_for_another_product_does_not_count(run_check: RunCheck) -> None:
    doc = base_document()
    doc["products"][0]["regulatory_class"] = "device_iii"
    add_product(doc, "Other Exo", regulatory_class="device_iii")
    doc["documents"].append(ce_certificate(expires=day(700), products=["Other Exo"]))
    assert_one(run_check(doc), "missing_certificate", product=PRODUCT)


# --- certificate_withdrawn / certificate_expired / certificate_expiring --------------------

CERTIFICATE_RULES = {
    "missing_certificate",
    "certificate_withdrawn",
    "certificate_expired",
    "certificate_expiring",
}


CERTIFICATE_CASES = [
    pytest.param([], {"missing_certificate"}, id="none"),
    pytest.param([("issued", 300)], set(), id="valid"),
    pytest.param([("issued", None)], set(), id="valid-no-expiry"),
    pytest.param([("withdrawn", 300)], {"certificate_withdrawn"}, id="withdrawn"),
    pytest.param([("suspended", 300)], {"certificate_withdrawn"}, id="suspended"),
    pytest.param([("suspended", -1)], {"certificate_withdrawn"}, id="suspended-and-expired"),
    pytest.param([("withdrawn", 30)], {"certificate_withdrawn"}, id="withdrawn-not-expiring"),
    pytest.param([("issued", -1)], {"certificate_expired"}, id="expired-yesterday"),
    pytest.param(
        [("withdrawn", 300), ("issued", -1)],
        {"certificate_expired"},
        id="withdrawn-and-expired",
    ),
    pytest.param([("issued", 0)], {"certificate_expiring"}, id="expires-today-still-valid"),
    pytest.param([("issued", 90)], {"certificate_expiring"}, id="expires-in-90"),
    pytest.param([("issued", 91)], set(), id="expires-in-91"),
    pytest.param([("issued", 10), ("issued", 200)], set(), id="latest-valid-is-far"),
    pytest.param([("issued", 10), ("issued", None)], set(), id="latest-valid-never-expires"),
    pytest.param(
        [("issued", 10), ("issued", -5)], {"certificate_expiring"}, id="other-one-expired"
    ),
    pytest.param(
        [("issued", 10), ("withdrawn", 200)],
        {"certificate_expiring"},
        id="other-one-withdrawn",
    ),
]
END_TO_END = {
    "none",
    "withdrawn",
    "expired-yesterday",
    "expires-today-still-valid",
    "expires-in-91",
}


@pytest.mark.parametrize(
    ("certificates", "expected"), [c for c in CERTIFICATE_CASES if c.id in END_TO_END]
)
def test_certificate_state(
    run_check: RunCheck, certificates: list[tuple[str, int | None]], expected: set[str]
) -> None:
    """A few cases through import and `check`; every case on the pure rules further down."""
    doc = base_document()
    doc["products"][0]["regulatory_class"] = "device_iii"
    for n, (status, expires_in) in enumerate(certificates, start=1):
        expires = None if expires_in is None else day(expires_in)
        doc["documents"].append(ce_certificate(f"CE {n:04d}", expires=expires, status=status))
    flags = run_check(doc)
    assert rules_among(flags, CERTIFICATE_RULES) == expected, flags
    for rule in expected:
        assert_one(flags, rule)


def test_certificate_state_is_per_product(run_check: RunCheck) -> None:
    doc = base_document()
    doc["products"][0]["regulatory_class"] = "device_iii"
    add_product(doc, "Other Exo", regulatory_class="device_iii")
    doc["documents"].append(ce_certificate("CE 0001", expires=day(-1), products=[PRODUCT]))
    doc["documents"].append(ce_certificate("CE 0002", expires=day(700), products=["Other Exo"]))
    flags = run_check(doc)
    assert_one(flags, "certificate_expired", product=PRODUCT)
    assert rules_among(of_product(flags, "Other Exo"), CERTIFICATE_RULES) == set()


def of_product(flags: list[Flag], name: str) -> list[Flag]:
    return [flag for flag in flags if flag["product"] == name]


# --- atmp_unauthorised --------------------------------------------------------------------


def atmp_document() -> Doc:
    doc = base_document()
    doc["products"][0].update(source_type="msc", regulatory_class="atmp")
    return doc


def authorisation(expires: str | None, status: str = "issued", products: Any = None) -> Doc:
    return document(
        "atmp_authorisation", "MA 0001", products, expires=expires, status=status, issuer="MHRA"
    )


@pytest.mark.parametrize(
    "authorisations",
    [
        pytest.param([], id="none"),
        pytest.param([authorisation(day(-1))], id="expired-yesterday"),
        pytest.param([authorisation(day(300), status="withdrawn")], id="withdrawn"),
        pytest.param([authorisation(day(300), status="suspended")], id="suspended"),
        pytest.param([authorisation(day(300), products=["Other Exo"])], id="other-product"),
    ],
)
def test_atmp_unauthorised(run_check: RunCheck, authorisations: list[Doc]) -> None:
    doc = atmp_document()
    add_product(doc, "Other Exo")
    doc["documents"].extend(authorisations)
    assert_one(run_check(doc), "atmp_unauthorised")


@pytest.mark.parametrize("expires_in", [300, 0, None], ids=["valid", "expires-today", "no-expiry"])
def test_atmp_authorised(run_check: RunCheck, expires_in: int | None) -> None:
    doc = atmp_document()
    doc["documents"].append(authorisation(None if expires_in is None else day(expires_in)))
    assert_none(run_check(doc), "atmp_unauthorised")


def test_non_atmp_needs_no_authorisation(run_check: RunCheck) -> None:
    doc = base_document()
    doc["products"][0].update(source_type="msc", regulatory_class="device_iii")
    doc["documents"].append(ce_certificate(expires=day(700)))
    assert_none(run_check(doc), "atmp_unauthorised")


# --- human_cosmetic_prohibited ------------------------------------------------------------


@pytest.mark.parametrize("market", ["UK", "EU"])
@pytest.mark.parametrize("source_type", ["msc", "placenta", "platelet"])
def test_human_cosmetic_prohibited(run_check: RunCheck, source_type: str, market: str) -> None:
    doc = base_document(market=market)
    doc["products"][0].update(source_type=source_type, regulatory_class="cosmetic")
    assert_one(run_check(doc), "human_cosmetic_prohibited")


@pytest.mark.parametrize("source_type", ["msc", "placenta", "platelet"])
def test_human_cosmetic_allowed_outside_uk_and_eu(run_check: RunCheck, source_type: str) -> None:
    doc = base_document(market="US")
    doc["products"][0].update(source_type=source_type, markets=["US"])
    assert_none(run_check(doc), "human_cosmetic_prohibited")


@pytest.mark.parametrize("source_type", ["plant", "conditioned_media"])
def test_non_human_cosmetic_allowed(run_check: RunCheck, source_type: str) -> None:
    doc = base_document(market="UK")
    doc["products"][0].update(source_type=source_type, regulatory_class="cosmetic")
    assert_none(run_check(doc), "human_cosmetic_prohibited")


def test_human_source_as_device_is_not_cosmetic_prohibited(run_check: RunCheck) -> None:
    doc = base_document(market="UK")
    doc["products"][0].update(source_type="msc", regulatory_class="device_iii")
    doc["documents"].append(ce_certificate(expires=day(700)))
    assert_none(run_check(doc), "human_cosmetic_prohibited")


# --- human_source_review ------------------------------------------------------------------


@pytest.mark.parametrize("regulatory_class", DEVICE_CLASSES)
@pytest.mark.parametrize("source_type", ["msc", "placenta"])
def test_human_source_review(run_check: RunCheck, source_type: str, regulatory_class: str) -> None:
    doc = base_document()
    doc["products"][0].update(source_type=source_type, regulatory_class=regulatory_class)
    assert_one(run_check(doc), "human_source_review")


@pytest.mark.parametrize(
    ("source_type", "regulatory_class"),
    [
        ("platelet", "device_iii"),
        ("platelet", "device_i"),
        ("plant", "device_iii"),
        ("msc", "cosmetic"),
        ("msc", "atmp"),
        ("placenta", "cosmetic"),
    ],
)
def test_no_human_source_review(
    run_check: RunCheck, source_type: str, regulatory_class: str
) -> None:
    doc = base_document()
    doc["products"][0].update(source_type=source_type, regulatory_class=regulatory_class)
    assert_none(run_check(doc), "human_source_review")


# --- composition_undocumented -------------------------------------------------------------


@pytest.mark.parametrize(
    ("source_type", "documented"),
    [("conditioned_media", True), ("conditioned_media", False), ("plant", False)],
)
def test_composition_undocumented(run_check: RunCheck, source_type: str, documented: bool) -> None:
    doc = base_document()
    doc["products"][0].update(source_type=source_type, composition_documented=documented)
    assert_one(run_check(doc), "composition_undocumented")


def test_composition_documented(run_check: RunCheck) -> None:
    assert_none(run_check(base_document()), "composition_undocumented")


# --- missing_ifu --------------------------------------------------------------------------


def test_missing_ifu(run_check: RunCheck) -> None:
    doc = base_document()
    doc["documents"] = [d for d in doc["documents"] if d["kind"] != "ifu"]
    assert_one(run_check(doc), "missing_ifu")


def test_ifu_for_another_product_does_not_count(run_check: RunCheck) -> None:
    doc = base_document()
    doc["documents"] = [d for d in doc["documents"] if d["kind"] != "ifu"]
    add_product(doc, "Other Exo")
    flags = run_check(doc)
    assert_one(flags, "missing_ifu", product=PRODUCT)


def test_ifu_held(run_check: RunCheck) -> None:
    assert_none(run_check(base_document()), "missing_ifu")


# --- missing_coa --------------------------------------------------------------------------


def test_missing_coa(run_check: RunCheck) -> None:
    doc = base_document()
    doc["documents"] = [d for d in doc["documents"] if d["kind"] != "certificate_of_analysis"]
    assert_one(run_check(doc), "missing_coa", lot=LOT)


def test_coa_of_another_lot_does_not_count(run_check: RunCheck) -> None:
    doc = base_document()
    doc["lots"].append(lot("PL002"))
    flags = run_check(doc)
    assert_one(flags, "missing_coa", lot="PL002")


def test_coa_held(run_check: RunCheck) -> None:
    doc = base_document()
    doc["lots"].append(lot("PL002"))
    doc["documents"].append(coa(lot_code="PL002"))
    assert_none(run_check(doc), "missing_coa")


# --- not_for_market -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("market", "markets"),
    [("UK", ["EU", "KR"]), ("US", ["UK", "EU"]), ("EU", ["UK"]), ("UK", [])],
)
def test_not_for_market(run_check: RunCheck, market: str, markets: list[str]) -> None:
    doc = base_document(market=market)
    doc["products"][0]["markets"] = markets
    assert_one(run_check(doc), "not_for_market")


@pytest.mark.parametrize(("market", "markets"), [("UK", ["UK"]), ("EU", ["KR", "EU"])])
def test_for_market(run_check: RunCheck, market: str, markets: list[str]) -> None:
    doc = base_document(market=market)
    doc["products"][0]["markets"] = markets
    assert_none(run_check(doc), "not_for_market")


# --- lot_expired_in_stock / lot_expiring --------------------------------------------------

LOT_RULES = {"lot_expired_in_stock", "lot_expiring"}


LOT_CASES = [
    pytest.param(-1, 10, {"lot_expired_in_stock"}, id="expired-yesterday"),
    pytest.param(-300, 3, {"lot_expired_in_stock"}, id="expired-long-ago"),
    pytest.param(0, 10, {"lot_expiring"}, id="expires-today-not-expired"),
    pytest.param(60, 10, {"lot_expiring"}, id="expires-in-60"),
    pytest.param(61, 10, set(), id="expires-in-61"),
    pytest.param(-1, 0, set(), id="expired-nothing-on-hand"),
    pytest.param(10, 0, set(), id="expiring-nothing-on-hand"),
]


@pytest.mark.parametrize(
    ("expires_in", "on_hand", "expected"),
    [c for c in LOT_CASES if c.id in {"expired-yesterday", "expires-today-not-expired"}],
)
def test_lot_expiry(run_check: RunCheck, expires_in: int, on_hand: int, expected: set[str]) -> None:
    doc = base_document()
    doc["lots"][0]["expiry"] = day(expires_in)
    doc["lots"][0]["received"] = day(expires_in - 200)
    if on_hand < 10:
        doc["movements"].append(waste("M-0001", on_hand - 10, date=day(expires_in - 100)))
    flags = run_check(doc)
    assert rules_among(flags, LOT_RULES) == expected, flags
    for rule in expected:
        assert_one(flags, rule, lot=LOT)


# --- route_outside_intended_use -----------------------------------------------------------


@pytest.mark.parametrize("route", ["intravenous", "nebulised", "eye_drops", "subdermal_scalp"])
def test_route_outside_intended_use(run_check: RunCheck, route: str) -> None:
    doc = with_treatment(base_document(), route=route)
    assert_one(run_check(doc), "route_outside_intended_use", lot=LOT, treatment="T-0001")


@pytest.mark.parametrize("route", ["topical_post_procedure", "intradermal"])
def test_route_within_intended_use(run_check: RunCheck, route: str) -> None:
    doc = with_treatment(base_document(), route=route)
    assert_none(run_check(doc), "route_outside_intended_use")


# --- periorbital_not_approved -------------------------------------------------------------


def test_periorbital_not_approved(run_check: RunCheck) -> None:
    doc = with_treatment(base_document(), zone="periorbital")
    assert_one(run_check(doc), "periorbital_not_approved", lot=LOT, treatment="T-0001")


@pytest.mark.parametrize(("approved", "zone"), [(True, "periorbital"), (False, "face")])
def test_periorbital_allowed(run_check: RunCheck, approved: bool, zone: str) -> None:
    doc = with_treatment(base_document(), zone=zone)
    doc["products"][0]["periorbital_approved"] = approved
    assert_none(run_check(doc), "periorbital_not_approved")


# --- used_after_expiry --------------------------------------------------------------------


USE_AFTER_EXPIRY_CASES = [(0, False), (1, True), (-1, False), (20, True)]


@pytest.mark.parametrize(("days_after_expiry", "flagged"), USE_AFTER_EXPIRY_CASES[:2])
def test_used_after_expiry(run_check: RunCheck, days_after_expiry: int, flagged: bool) -> None:
    doc = base_document()
    doc["lots"][0]["expiry"] = day(-30)
    doc["lots"][0]["received"] = day(-200)
    with_treatment(doc, date=day(-30 + days_after_expiry))
    flags = run_check(doc)
    if flagged:
        assert_one(flags, "used_after_expiry", lot=LOT, treatment="T-0001")
    else:
        assert_none(flags, "used_after_expiry")


# --- used_unreleased_lot ------------------------------------------------------------------


@pytest.mark.parametrize("status", ["quarantine", "on_hold", "recalled", "damaged", "destroyed"])
def test_used_unreleased_lot_from_received(run_check: RunCheck, status: str) -> None:
    doc = base_document()
    doc["lots"][0]["status"] = status
    with_treatment(doc)
    assert_one(run_check(doc), "used_unreleased_lot", lot=LOT, treatment="T-0001")


def test_used_released_lot(run_check: RunCheck) -> None:
    assert_none(run_check(with_treatment(base_document())), "used_unreleased_lot")


@pytest.mark.parametrize(
    ("received_as", "changed_to", "treated_on", "flagged"),
    [
        pytest.param("quarantine", "released", -60, True, id="treated-before-release"),
        pytest.param("quarantine", "released", -40, False, id="treated-after-release"),
        pytest.param("released", "on_hold", -60, False, id="treated-before-hold"),
        pytest.param("released", "on_hold", -40, True, id="treated-after-hold"),
        pytest.param("released", "recalled", -40, True, id="treated-after-recall"),
    ],
)
def test_used_unreleased_lot_by_status_change(
    run_check: RunCheck, received_as: str, changed_to: str, treated_on: int, flagged: bool
) -> None:
    """The lot's status holds from `received` until a status_change movement (day -50)."""
    doc = base_document()
    doc["lots"][0].update(status=received_as, received=day(-120))
    doc["movements"].append(status_change("M-0001", changed_to, date=day(-50)))
    with_treatment(doc, date=day(treated_on))
    flags = run_check(doc)
    if flagged:
        assert_one(flags, "used_unreleased_lot", lot=LOT, treatment="T-0001")
    else:
        assert_none(flags, "used_unreleased_lot")


# --- every flag of a treatment names it ---------------------------------------------------


def test_treatment_flags_name_each_treatment(run_check: RunCheck) -> None:
    doc = base_document()
    doc["treatments"] = [
        treatment("T-0001", route="intravenous"),
        treatment("T-0002", route="intradermal"),
        treatment("T-0003", route="nasal", date=day(-5)),
    ]
    flags = of_rule(run_check(doc), "route_outside_intended_use")
    assert sorted(flag["treatment"] for flag in flags) == ["T-0001", "T-0003"]
    assert {flag["lot"] for flag in flags} == {LOT}


# --- date boundaries on the pure rules ----------------------------------------------------
# The facts of the base document, read once from a real database; each case changes one fact
# and asks `evaluate(snapshot, today)`, with no database.


@pytest.fixture(scope="module")
def base_facts(tmp_path_factory: pytest.TempPathFactory) -> rules.Snapshot:
    db = open_database(str(tmp_path_factory.mktemp("rules") / "base.sqlite"))
    try:
        with db.write() as session:
            import_bytes(session, json.dumps(base_document()), user="setup", source="base")
        with db.read() as session:
            return rules.load_snapshot(session)
    finally:
        db.close()


def evaluated(snapshot: rules.Snapshot) -> list[Flag]:
    flags = [flag.as_json() for flag in rules.evaluate(snapshot, TODAY)]
    for flag in flags:
        assert_flag_shape(flag)
    return flags


def on_day(offset: int | None) -> date | None:
    return None if offset is None else date.fromisoformat(day(offset))


def test_the_base_facts_are_those_check_reads(
    base_facts: rules.Snapshot, run_check: RunCheck
) -> None:
    assert evaluated(base_facts) == run_check(base_document()) == []


@pytest.mark.parametrize(("certificates", "expected"), CERTIFICATE_CASES)
def test_certificate_state_boundaries(
    base_facts: rules.Snapshot, certificates: list[tuple[str, int | None]], expected: set[str]
) -> None:
    product = replace(base_facts.products[0], regulatory_class=RegulatoryClass.DEVICE_III)
    held = [
        rules.DocumentFacts(
            DocumentKind.CE_CERTIFICATE,
            f"CE {n:04d}",
            DocumentStatus(status),
            on_day(expires_in),
            frozenset({product.id}),
            None,
        )
        for n, (status, expires_in) in enumerate(certificates, start=1)
    ]
    flags = evaluated(
        replace(base_facts, products=[product], documents=[*base_facts.documents, *held])
    )
    assert rules_among(flags, CERTIFICATE_RULES) == expected, flags
    for rule in expected:
        assert_one(flags, rule)


@pytest.mark.parametrize(("expires_in", "on_hand", "expected"), LOT_CASES)
def test_lot_expiry_boundaries(
    base_facts: rules.Snapshot, expires_in: int, on_hand: int, expected: set[str]
) -> None:
    lot = replace(base_facts.lots[0], expiry=on_day(expires_in), on_hand=on_hand)
    flags = evaluated(replace(base_facts, lots=[lot]))
    assert rules_among(flags, LOT_RULES) == expected, flags
    for rule in expected:
        assert_one(flags, rule, lot=LOT)


@pytest.mark.parametrize(("days_after_expiry", "flagged"), USE_AFTER_EXPIRY_CASES)
def test_used_after_expiry_boundaries(
    base_facts: rules.Snapshot, days_after_expiry: int, flagged: bool
) -> None:
    lot = replace(base_facts.lots[0], expiry=on_day(-30))
    used = rules.TreatmentFacts(
        "T-0001", on_day(-30 + days_after_expiry), lot.id, Route.INTRADERMAL, Zone.FACE
    )
    flags = evaluated(replace(base_facts, lots=[lot], treatments=[used]))
    if flagged:
        assert_one(flags, "used_after_expiry", lot=LOT, treatment="T-0001")
    else:
        assert_none(flags, "used_after_expiry")
