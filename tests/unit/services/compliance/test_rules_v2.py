"""The rules of the contract's second version (issues 12 and 13), positive and negative at their
boundaries: certificate_too_long, certificate_restricted, certificate_body_unknown,
human_device_not_class_iii, used_after_reconstitution_window, and the statuses restricted and
reinstated in certificate_withdrawn, certificate_expired and validity.

As in test_rules.py: a few cases through `import` and `check --json` on a fresh database, the
date and time boundaries in full on the pure `rules.evaluate`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sample_files import LOT, PRODUCT, TODAY, Doc, base_document, day, document, treatment

from exodesk.cli import main
from exodesk.db import open_database
from exodesk.models.enums import (
    DocumentKind,
    DocumentStatus,
    RegulatoryClass,
    Route,
    SourceType,
    Zone,
)
from exodesk.services.compliance import rules
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.register.bodies import body_number_in, named_body_number
from exodesk.services.register.shipped import shipped_register

Flag = dict[str, Any]
RunCheck = Callable[..., list[Flag]]

FLAG_KEYS = {"rule", "severity", "product", "lot", "treatment", "message", "overridden"}
NEW_RULES = {
    "certificate_restricted": "warn",
    "certificate_too_long": "warn",
    "certificate_body_unknown": "warn",
    "human_device_not_class_iii": "block",
    "used_after_reconstitution_window": "block",
}
CERTIFICATE_RULES = {
    "missing_certificate",
    "certificate_withdrawn",
    "certificate_expired",
    "certificate_expiring",
    "certificate_restricted",
    "certificate_too_long",
    "certificate_body_unknown",
}
WINDOW = "used_after_reconstitution_window"
REASON = "consultant reviewed the vial and the patient consented"


@pytest.fixture
def run_check(db_path: Path, write_json: Callable[..., Path], capsys: Any) -> RunCheck:
    """Import a document into the fresh database and return `check --json` as of `today`."""

    def run(doc: Doc, today: dt.date = TODAY) -> list[Flag]:
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


def assert_flag_shape(flag: Flag) -> None:
    assert set(flag) == FLAG_KEYS, flag
    if flag["rule"] in NEW_RULES:
        assert flag["severity"] == NEW_RULES[flag["rule"]], flag
    message = flag["message"]
    assert isinstance(message, str) and " " in message.strip(), flag
    assert "\n" not in message and "{" not in message and "}" not in message, flag


def of_rule(flags: list[Flag], rule: str) -> list[Flag]:
    return [flag for flag in flags if flag["rule"] == rule]


def rules_among(flags: list[Flag], wanted: set[str]) -> set[str]:
    return {flag["rule"] for flag in flags} & wanted


def assert_one(
    flags: list[Flag],
    rule: str,
    product: str = PRODUCT,
    lot: str | None = None,
    treatment: str | None = None,
) -> Flag:
    found = of_rule(flags, rule)
    assert len(found) == 1, f"expected one {rule} flag, got {found} among {flags}"
    flag = found[0]
    assert (flag["product"], flag["lot"], flag["treatment"]) == (product, lot, treatment), flag
    if rule in NEW_RULES:
        assert flag["severity"] == NEW_RULES[rule]
    return flag


def assert_none(flags: list[Flag], rule: str) -> None:
    assert of_rule(flags, rule) == [], flags


def certificate(
    number: str = "CE 0001",
    *,
    issued: str = day(-400),
    expires: str | None = day(700),
    status: str = "issued",
    issuer: str = "Example Notified Body 0123",
    body_number: str | None = None,
    products: list[str] | None = None,
) -> Doc:
    """A CE certificate with the contract's second-version fields."""
    record = document(
        "ce_certificate",
        number,
        products,
        issued=issued,
        expires=expires,
        status=status,
        issuer=issuer,
    )
    record.update(body_number=body_number, verified_on=None, verified_by=None)
    return record


def certified(*certificates: Doc, regulatory_class: str = "device_iii") -> Doc:
    doc = base_document()
    doc["products"][0]["regulatory_class"] = regulatory_class
    doc["documents"].extend(certificates)
    return doc


# --- the base document with a certificate -------------------------------------------------


def test_a_plain_valid_certificate_raises_no_flag(run_check: RunCheck) -> None:
    """The starting point of the certificate cases: issued, 0123 in the register, < 5 years."""
    assert run_check(certified(certificate())) == []


# --- certificate_too_long -----------------------------------------------------------------


def test_five_years_on() -> None:
    assert rules.five_years_on(dt.date(2022, 1, 10)) == dt.date(2027, 1, 10)
    assert rules.five_years_on(dt.date(2024, 2, 29)) == dt.date(2029, 2, 28)
    assert rules.five_years_on(dt.date(2024, 2, 28)) == dt.date(2029, 2, 28)
    assert rules.five_years_on(dt.date(2023, 3, 1)) == dt.date(2028, 3, 1)
    assert rules.five_years_on(dt.date(2025, 12, 31)) == dt.date(2030, 12, 31)


TOO_LONG_CASES = [
    pytest.param("2022-01-10", "2027-01-10", False, id="five-years-to-the-day"),
    pytest.param("2022-01-10", "2027-01-11", True, id="five-years-and-a-day"),
    pytest.param("2022-01-10", "2027-01-09", False, id="a-day-less"),
    pytest.param("2024-02-29", "2029-02-28", False, id="leap-day-to-28-february"),
    pytest.param("2024-02-29", "2029-03-01", True, id="leap-day-to-1-march"),
    pytest.param("2024-02-28", "2029-02-28", False, id="28-february"),
    pytest.param("2021-06-01", "2031-06-01", True, id="ten-years"),
    pytest.param("2023-01-01", None, False, id="no-expiry"),
]


@pytest.mark.parametrize(
    ("issued", "expires", "flagged"),
    [c for c in TOO_LONG_CASES if c.id in {"five-years-to-the-day", "five-years-and-a-day"}],
)
def test_certificate_too_long(
    run_check: RunCheck, issued: str, expires: str | None, flagged: bool
) -> None:
    flags = run_check(certified(certificate(issued=issued, expires=expires)))
    if flagged:
        flag = assert_one(flags, "certificate_too_long")
        assert issued in flag["message"] and str(expires) in flag["message"], flag
        assert rules_among(flags, CERTIFICATE_RULES) == {"certificate_too_long"}
    else:
        assert rules_among(flags, CERTIFICATE_RULES) == set(), flags


def test_leap_day_issue_end_to_end(run_check: RunCheck) -> None:
    flags = run_check(
        certified(
            certificate("CE 0001", issued="2024-02-29", expires="2029-02-28"),
            certificate("CE 0002", issued="2024-02-29", expires="2029-03-01"),
        )
    )
    flag = assert_one(flags, "certificate_too_long")
    assert "CE 0002" in flag["message"] and "CE 0001" not in flag["message"], flag


def test_too_long_certificate_that_has_expired_is_only_expired(run_check: RunCheck) -> None:
    flags = run_check(certified(certificate(issued="2018-01-01", expires=day(-1))))
    assert rules_among(flags, CERTIFICATE_RULES) == {"certificate_expired"}


def test_too_long_certificate_that_is_withdrawn_beside_a_valid_one(run_check: RunCheck) -> None:
    flags = run_check(
        certified(
            certificate("CE 0001"),
            certificate("CE 0002", issued="2024-01-01", expires="2034-01-01", status="withdrawn"),
        )
    )
    assert rules_among(flags, CERTIFICATE_RULES) == set(), flags


def test_too_long_is_about_ce_certificates_only(run_check: RunCheck) -> None:
    doc = base_document()
    doc["products"][0].update(source_type="msc", regulatory_class="atmp")
    doc["documents"].append(
        document(
            "atmp_authorisation",
            "MA 0001",
            issued="2024-01-01",
            expires="2034-01-01",
            issuer="MHRA",
        )
    )
    flags = run_check(doc)
    assert_none(flags, "certificate_too_long")
    assert_none(flags, "atmp_unauthorised")


# --- restricted / reinstated / suspended: the statuses in force ---------------------------

# Each certificate: (status, expires in days or None). Issued day -400, body 0123.
STATUS_CASES = [
    pytest.param([("restricted", 300)], {"certificate_restricted"}, id="restricted-alone"),
    pytest.param([("restricted", None)], {"certificate_restricted"}, id="restricted-no-expiry"),
    pytest.param([("restricted", 300), ("issued", 300)], set(), id="restricted-beside-issued"),
    pytest.param(
        [("restricted", 300), ("reinstated", 300)], set(), id="restricted-beside-reinstated"
    ),
    pytest.param(
        [("restricted", 300), ("restricted", 400)],
        {"certificate_restricted"},
        id="two-restricted",
    ),
    pytest.param(
        [("restricted", 300), ("issued", -1)],
        {"certificate_restricted"},
        id="restricted-beside-expired-issued",
    ),
    pytest.param(
        [("restricted", 300), ("withdrawn", 300)],
        {"certificate_restricted"},
        id="restricted-beside-withdrawn",
    ),
    pytest.param(
        [("restricted", 300), ("suspended", 300)],
        {"certificate_restricted"},
        id="restricted-beside-suspended",
    ),
    pytest.param(
        [("restricted", 30)],
        {"certificate_restricted", "certificate_expiring"},
        id="restricted-and-expiring",
    ),
    pytest.param([("restricted", -1)], {"certificate_expired"}, id="restricted-expired"),
    pytest.param(
        [("restricted", 0)],
        {"certificate_restricted", "certificate_expiring"},
        id="restricted-expires-today",
    ),
    pytest.param(
        [("withdrawn", 300), ("restricted", -1)],
        {"certificate_expired"},
        id="withdrawn-and-restricted-expired",
    ),
    pytest.param(
        [("suspended", 300), ("issued", -1)],
        {"certificate_expired"},
        id="suspended-beside-expired-in-force",
    ),
    pytest.param(
        [("suspended", 300), ("reinstated", -1)],
        {"certificate_expired"},
        id="suspended-beside-expired-reinstated",
    ),
    pytest.param([("reinstated", 300)], set(), id="reinstated-in-force"),
    pytest.param([("reinstated", None)], set(), id="reinstated-no-expiry"),
    pytest.param([("reinstated", 30)], {"certificate_expiring"}, id="reinstated-expiring"),
    pytest.param([("reinstated", -1)], {"certificate_expired"}, id="reinstated-expired"),
    pytest.param([("suspended", 300), ("reinstated", 300)], set(), id="suspended-and-reinstated"),
    pytest.param([("suspended", 300)], {"certificate_withdrawn"}, id="suspended-alone"),
    pytest.param(
        [("suspended", 300), ("withdrawn", 300)],
        {"certificate_withdrawn"},
        id="suspended-and-withdrawn",
    ),
    pytest.param([("issued", 300)], set(), id="issued"),
]
STATUS_END_TO_END = {
    "restricted-alone",
    "restricted-beside-issued",
    "suspended-beside-expired-in-force",
    "reinstated-in-force",
    "withdrawn-and-restricted-expired",
}


@pytest.mark.parametrize(
    ("certificates", "expected"), [c for c in STATUS_CASES if c.id in STATUS_END_TO_END]
)
def test_certificate_statuses(
    run_check: RunCheck, certificates: list[tuple[str, int | None]], expected: set[str]
) -> None:
    doc = certified(
        *(
            certificate(f"CE {n:04d}", expires=None if days is None else day(days), status=status)
            for n, (status, days) in enumerate(certificates, start=1)
        )
    )
    flags = run_check(doc)
    assert rules_among(flags, CERTIFICATE_RULES) == expected, flags
    for rule in expected:
        assert_one(flags, rule)


def test_restricted_message_names_the_certificate(run_check: RunCheck) -> None:
    flags = run_check(certified(certificate("CE 7777", status="restricted")))
    flag = assert_one(flags, "certificate_restricted")
    assert "CE 7777" in flag["message"]


def test_reinstated_authorisation_counts_as_in_force(run_check: RunCheck) -> None:
    doc = base_document()
    doc["products"][0].update(source_type="msc", regulatory_class="atmp")
    for status, number in (("reinstated", "MA 1"), ("restricted", "MA 2")):
        doc["documents"].append(
            document("atmp_authorisation", number, expires=day(300), status=status, issuer="MHRA")
        )
    assert_none(run_check(doc), "atmp_unauthorised")


# --- certificate_body_unknown -------------------------------------------------------------


def test_body_number_in_the_issuer() -> None:
    assert body_number_in("TÜV SÜD Product Service GmbH 0123") == "0123"
    assert body_number_in("Body 0197, formerly 0123") == "0123"
    assert body_number_in("Body 0123 ref 12345") == "0123"
    assert body_number_in("Notified Body 12345") is None
    assert body_number_in("Body 123") is None
    assert body_number_in("TÜV SÜD Product Service GmbH") is None
    assert body_number_in("") is None
    assert body_number_in(None) is None
    assert named_body_number("0459", "Example Notified Body 0123") == "0459"
    assert named_body_number(None, "Example Notified Body 0123") == "0123"


BODY_CASES = [
    pytest.param("Example Notified Body 0123", None, False, id="issuer-digits-registered"),
    pytest.param("Example Notified Body 9999", "0123", False, id="body-number-wins-over-issuer"),
    pytest.param("Example Notified Body 0123", "9999", True, id="body-number-wins-unknown"),
    pytest.param("Example Notified Body 9999", None, True, id="issuer-digits-unknown"),
    pytest.param("Notified Body 12345", None, True, id="five-digits-are-no-number"),
    pytest.param("TÜV SÜD Product Service GmbH", None, True, id="no-digits-at-all"),
    pytest.param("TÜV SÜD Product Service GmbH", "0123", False, id="body-number-only"),
    pytest.param("Body 0123 ref 12345", None, False, id="last-group-of-exactly-four"),
    pytest.param("BSI Assurance UK Ltd 0086", None, False, id="uk-approved-only"),
    pytest.param("Example body", "2797", False, id="mdr-body-2797"),
]


@pytest.mark.parametrize(("issuer", "body_number", "flagged"), BODY_CASES)
def test_certificate_body_unknown(
    run_check: RunCheck, issuer: str, body_number: str | None, flagged: bool
) -> None:
    flags = run_check(certified(certificate(issuer=issuer, body_number=body_number)))
    if flagged:
        flag = assert_one(flags, "certificate_body_unknown")
        assert rules_among(flags, CERTIFICATE_RULES) == {"certificate_body_unknown"}
        assert "CE 0001" in flag["message"]
    else:
        assert rules_among(flags, CERTIFICATE_RULES) == set(), flags


def test_unknown_body_message_names_the_number_and_the_register_date(
    run_check: RunCheck,
) -> None:
    flags = run_check(certified(certificate(body_number="9999")))
    message = assert_one(flags, "certificate_body_unknown")["message"]
    assert "9999" in message
    assert shipped_register().as_of.isoformat() in message
    assert "forged" in message.lower()


def body(number: str, mdr: bool, uk_approved: bool, name: str = "Clinic Added Body") -> Doc:
    return {"number": number, "name": name, "country": "DE", "mdr": mdr, "uk_approved": uk_approved}


@pytest.mark.parametrize(
    ("row", "flagged"),
    [
        pytest.param(body("9876", True, False), False, id="added-mdr"),
        pytest.param(body("9876", False, True), False, id="added-uk-approved"),
        pytest.param(body("9876", True, True), False, id="added-both"),
        pytest.param(body("9876", False, False), True, id="added-without-designation"),
    ],
)
def test_a_body_the_clinic_added(run_check: RunCheck, row: Doc, flagged: bool) -> None:
    doc = certified(certificate(body_number="9876"))
    doc["bodies"] = [row]
    flags = run_check(doc)
    if flagged:
        assert_one(flags, "certificate_body_unknown")
    else:
        assert_none(flags, "certificate_body_unknown")


def test_the_clinic_row_wins_over_a_shipped_one(run_check: RunCheck) -> None:
    """0123 is shipped as MDR-designated; the clinic's row saying neither takes it out."""
    doc = certified(certificate(body_number="0123"))
    doc["bodies"] = [body("0123", False, False, name="TÜV SÜD Product Service GmbH")]
    flag = assert_one(run_check(doc), "certificate_body_unknown")
    assert "0123" in flag["message"]


def test_unknown_body_on_an_expired_certificate_only(run_check: RunCheck) -> None:
    flags = run_check(certified(certificate(body_number="9999", expires=day(-1))))
    assert rules_among(flags, CERTIFICATE_RULES) == {"certificate_expired"}


def test_unknown_body_on_a_withdrawn_certificate_beside_a_valid_one(run_check: RunCheck) -> None:
    flags = run_check(
        certified(
            certificate("CE 0001"),
            certificate("CE 0002", body_number="9999", status="withdrawn"),
        )
    )
    assert rules_among(flags, CERTIFICATE_RULES) == set(), flags


def test_one_valid_certificate_of_an_unknown_body_is_enough(run_check: RunCheck) -> None:
    flags = run_check(certified(certificate("CE 0001"), certificate("CE 0002", body_number="9999")))
    flag = assert_one(flags, "certificate_body_unknown")
    assert "CE 0002" in flag["message"] and "CE 0001" not in flag["message"]


def test_the_register_holds_0086_as_uk_approved_only() -> None:
    shipped = {b.number: b for b in shipped_register().bodies}
    assert shipped["0086"].uk_approved is True
    assert shipped["0086"].mdr is False
    assert shipped["0086"].registered


# --- human_device_not_class_iii -----------------------------------------------------------

HUMAN = ["msc", "placenta", "platelet"]
BELOW_III = ["device_i", "device_iia", "device_iib"]


@pytest.mark.parametrize("regulatory_class", BELOW_III)
@pytest.mark.parametrize("source_type", HUMAN)
def test_human_device_not_class_iii(
    run_check: RunCheck, source_type: str, regulatory_class: str
) -> None:
    doc = base_document()
    doc["products"][0].update(source_type=source_type, regulatory_class=regulatory_class)
    flag = assert_one(run_check(doc), "human_device_not_class_iii")
    assert "class III" in flag["message"]


@pytest.mark.parametrize(
    ("source_type", "regulatory_class"),
    [
        *[(source, "device_iii") for source in HUMAN],
        *[(source, "atmp") for source in HUMAN],
        *[(source, "cosmetic") for source in HUMAN],
        *[(source, "unknown") for source in HUMAN],
        *[(source, cls) for source in ("plant", "conditioned_media", "other") for cls in BELOW_III],
    ],
)
def test_not_human_device_below_class_iii(
    run_check: RunCheck, source_type: str, regulatory_class: str
) -> None:
    doc = base_document()
    doc["products"][0].update(source_type=source_type, regulatory_class=regulatory_class)
    assert_none(run_check(doc), "human_device_not_class_iii")


# --- used_after_reconstitution_window, through the command line ----------------------------


def windowed(
    reconstituted: str | None,
    time: str | None,
    hours: int | None = 24,
    override: Doc | None = None,
) -> Doc:
    doc = base_document()
    doc["products"][0]["reconstitution_hours"] = hours
    record = treatment("T-0001", date=day(-10))
    record.update(time=time, reconstituted=reconstituted, override=override, void=None)
    doc["treatments"].append(record)
    return doc


def test_reconstitution_window_exactly_at_the_limit(run_check: RunCheck) -> None:
    assert_none(run_check(windowed(f"{day(-11)}T10:00", "10:00")), WINDOW)


def test_reconstitution_window_one_minute_over(run_check: RunCheck) -> None:
    flags = run_check(windowed(f"{day(-11)}T10:00", "10:01"))
    flag = assert_one(flags, WINDOW, lot=LOT, treatment="T-0001")
    assert flag["overridden"] is None


def test_reconstitution_window_overridden(run_check: RunCheck, db_path: Path, capsys: Any) -> None:
    override = {"by": "Dr A", "reason": REASON, "rules": [WINDOW]}
    flags = run_check(windowed(f"{day(-11)}T10:00", "10:01", override=override))
    flag = assert_one(flags, WINDOW, lot=LOT, treatment="T-0001")
    assert flag["overridden"] == {"by": "Dr A", "reason": REASON}
    # listed, but not open: nothing else blocks, so --fail-on block passes
    code = main(["check", "--today", TODAY.isoformat(), "--fail-on", "block", "--db", str(db_path)])
    capsys.readouterr()
    assert code == 0


def test_reconstitution_window_not_overridden_fails_on_block(
    run_check: RunCheck, db_path: Path, capsys: Any
) -> None:
    run_check(windowed(f"{day(-11)}T10:00", "10:01"))
    code = main(["check", "--today", TODAY.isoformat(), "--fail-on", "block", "--db", str(db_path)])
    capsys.readouterr()
    assert code == 4


# --- used_after_reconstitution_window, on the pure rules -----------------------------------


@pytest.fixture(scope="module")
def base_facts(tmp_path_factory: pytest.TempPathFactory) -> rules.Snapshot:
    db = open_database(str(tmp_path_factory.mktemp("rules-v2") / "base.sqlite"))
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


def on_day(offset: int) -> dt.date:
    return dt.date.fromisoformat(day(offset))


def at(offset: int, hh_mm: str) -> dt.datetime:
    return dt.datetime.combine(on_day(offset), dt.time.fromisoformat(hh_mm))


WINDOW_CASES = [
    # (reconstitution_hours, reconstituted, treatment time or None, flagged); treated day -10
    pytest.param(24, at(-11, "10:00"), "10:00", False, id="exactly-24-hours"),
    pytest.param(24, at(-11, "10:00"), "10:01", True, id="one-minute-over"),
    pytest.param(24, at(-11, "10:00"), "09:59", False, id="one-minute-under"),
    pytest.param(24, at(-10, "09:00"), "10:00", False, id="same-day"),
    pytest.param(24, at(-10, "10:00"), "10:00", False, id="reconstituted-at-the-time-given"),
    pytest.param(1, at(-10, "09:00"), "10:00", False, id="one-hour-window-at-limit"),
    pytest.param(1, at(-10, "09:00"), "10:01", True, id="one-hour-window-over"),
    pytest.param(24, at(-12, "10:00"), "10:00", True, id="two-days-later"),
    # no time: counted from the start of the treatment's date
    pytest.param(24, at(-11, "00:00"), None, False, id="no-time-exactly-24-hours"),
    pytest.param(24, at(-12, "23:59"), None, True, id="no-time-one-minute-over"),
    pytest.param(24, at(-11, "10:00"), None, False, id="no-time-counts-from-start-of-day"),
    pytest.param(24, at(-10, "18:00"), None, False, id="no-time-same-day"),
    # nothing known, or no window
    pytest.param(24, None, "10:00", False, id="reconstituted-unknown"),
    pytest.param(24, None, None, False, id="neither-known"),
    pytest.param(None, at(-30, "10:00"), "10:00", False, id="product-without-window"),
]


@pytest.mark.parametrize(("hours", "reconstituted", "time", "flagged"), WINDOW_CASES)
def test_reconstitution_window_boundaries(
    base_facts: rules.Snapshot,
    hours: int | None,
    reconstituted: dt.datetime | None,
    time: str | None,
    flagged: bool,
) -> None:
    product = replace(base_facts.products[0], reconstitution_hours=hours)
    used = rules.TreatmentFacts(
        "T-0001",
        on_day(-10),
        base_facts.lots[0].id,
        Route.INTRADERMAL,
        Zone.FACE,
        time=None if time is None else dt.time.fromisoformat(time),
        reconstituted=reconstituted,
    )
    flags = evaluated(replace(base_facts, products=[product], treatments=[used]))
    if flagged:
        flag = assert_one(flags, WINDOW, lot=LOT, treatment="T-0001")
        assert flag["overridden"] is None
    else:
        assert_none(flags, WINDOW)
    assert rules_among(flags, set(NEW_RULES)) <= {WINDOW}


def test_overridden_window_is_listed_not_open(base_facts: rules.Snapshot) -> None:
    override = rules.Override("Dr A", REASON)
    used = rules.TreatmentFacts(
        "T-0001",
        on_day(-10),
        base_facts.lots[0].id,
        Route.INTRADERMAL,
        Zone.FACE,
        override,
        frozenset({WINDOW}),
        dt.time(10, 1),
        at(-11, "10:00"),
    )
    found = rules.evaluate(replace(base_facts, treatments=[used]), TODAY)
    window = [flag for flag in found if flag.rule == WINDOW]
    assert len(window) == 1
    assert window[0].overridden == override
    assert window[0].as_json()["overridden"] == {"by": "Dr A", "reason": REASON}
    assert rules.open_flags(found) == []
    assert rules.open_counts(found)[window[0].severity] == 0


def test_override_of_another_rule_leaves_the_window_open(base_facts: rules.Snapshot) -> None:
    used = rules.TreatmentFacts(
        "T-0001",
        on_day(-10),
        base_facts.lots[0].id,
        Route.INTRADERMAL,
        Zone.FACE,
        rules.Override("Dr A", REASON),
        frozenset({"used_after_expiry"}),
        dt.time(10, 1),
        at(-11, "10:00"),
    )
    found = rules.evaluate(replace(base_facts, treatments=[used]), TODAY)
    assert [flag.rule for flag in rules.open_flags(found)] == [WINDOW]


# --- the certificate rules, on the pure rules -----------------------------------------------


def held(
    product_id: int,
    status: str,
    expires: dt.date | None,
    *,
    number: str = "CE 0001",
    issued: dt.date | None = None,
    body: str | None = "0123",
    kind: DocumentKind = DocumentKind.CE_CERTIFICATE,
) -> rules.DocumentFacts:
    return rules.DocumentFacts(
        kind,
        number,
        DocumentStatus(status),
        expires,
        frozenset({product_id}),
        None,
        on_day(-400) if issued is None else issued,
        body,
    )


def certificate_flags_of(
    base_facts: rules.Snapshot, *certificates: rules.DocumentFacts, today: dt.date = TODAY
) -> list[Flag]:
    product = replace(base_facts.products[0], regulatory_class=RegulatoryClass.DEVICE_III)
    snapshot = replace(
        base_facts, products=[product], documents=[*base_facts.documents, *certificates]
    )
    flags = [flag.as_json() for flag in rules.evaluate(snapshot, today)]
    for flag in flags:
        assert_flag_shape(flag)
    return flags


def test_the_base_facts_know_the_shipped_register(base_facts: rules.Snapshot) -> None:
    shipped = shipped_register()
    assert base_facts.register_as_of == shipped.as_of
    for number in ("0123", "0197", "0344", "0459", "0483", "2797", "0086"):
        assert number in base_facts.registered_bodies


@pytest.mark.parametrize(("certificates", "expected"), STATUS_CASES)
def test_certificate_status_boundaries(
    base_facts: rules.Snapshot, certificates: list[tuple[str, int | None]], expected: set[str]
) -> None:
    product_id = base_facts.products[0].id
    docs = [
        held(product_id, status, None if days is None else on_day(days), number=f"CE {n:04d}")
        for n, (status, days) in enumerate(certificates, start=1)
    ]
    flags = certificate_flags_of(base_facts, *docs)
    assert rules_among(flags, CERTIFICATE_RULES) == expected, flags
    for rule in expected:
        assert_one(flags, rule)


@pytest.mark.parametrize(("issued", "expires", "flagged"), TOO_LONG_CASES)
def test_certificate_too_long_boundaries(
    base_facts: rules.Snapshot, issued: str, expires: str | None, flagged: bool
) -> None:
    """As of the day before the expiry (still valid), or as of TODAY with no expiry."""
    product_id = base_facts.products[0].id
    end = None if expires is None else dt.date.fromisoformat(expires)
    today = TODAY if end is None else end - dt.timedelta(days=200)
    doc = held(product_id, "issued", end, issued=dt.date.fromisoformat(issued))
    flags = certificate_flags_of(base_facts, doc, today=today)
    if flagged:
        assert_one(flags, "certificate_too_long")
    else:
        assert_none(flags, "certificate_too_long")


def test_leap_day_certificate_too_long_on_its_last_day(base_facts: rules.Snapshot) -> None:
    """Still valid on its expiry day, so still flagged then; expired the day after."""
    product_id = base_facts.products[0].id
    doc = held(product_id, "issued", dt.date(2029, 3, 1), issued=dt.date(2024, 2, 29))
    on_last_day = certificate_flags_of(base_facts, doc, today=dt.date(2029, 3, 1))
    assert "certificate_too_long" in rules_among(on_last_day, CERTIFICATE_RULES)
    after = certificate_flags_of(base_facts, doc, today=dt.date(2029, 3, 2))
    assert rules_among(after, CERTIFICATE_RULES) == {"certificate_expired"}


def test_too_long_only_for_valid_certificates(base_facts: rules.Snapshot) -> None:
    product_id = base_facts.products[0].id
    long_one = dict(issued=dt.date(2024, 1, 1))
    for status in ("withdrawn", "suspended"):
        flags = certificate_flags_of(
            base_facts,
            held(product_id, "issued", on_day(300), number="CE 0001"),
            held(product_id, status, dt.date(2034, 1, 1), number="CE 0002", **long_one),
        )
        assert rules_among(flags, CERTIFICATE_RULES) == set(), (status, flags)
    for status in ("restricted", "reinstated"):
        flags = certificate_flags_of(
            base_facts, held(product_id, status, dt.date(2034, 1, 1), **long_one)
        )
        assert "certificate_too_long" in rules_among(flags, CERTIFICATE_RULES), (status, flags)


@pytest.mark.parametrize(
    ("bodies", "registered", "flagged"),
    [
        pytest.param(["0123"], {"0123"}, False, id="registered"),
        pytest.param(["9999"], {"0123"}, True, id="not-registered"),
        pytest.param([None], {"0123"}, True, id="no-number"),
        pytest.param(["0123", "9999"], {"0123"}, True, id="one-of-two-unknown"),
        pytest.param(["0123", None], {"0123"}, True, id="one-of-two-unnamed"),
        pytest.param(["0123"], set(), True, id="empty-register"),
    ],
)
def test_certificate_body_unknown_boundaries(
    base_facts: rules.Snapshot, bodies: list[str | None], registered: set[str], flagged: bool
) -> None:
    product_id = base_facts.products[0].id
    docs = [
        held(product_id, "issued", on_day(300), number=f"CE {n:04d}", body=number)
        for n, number in enumerate(bodies, start=1)
    ]
    snapshot_facts = replace(base_facts, registered_bodies=frozenset(registered))
    flags = certificate_flags_of(snapshot_facts, *docs)
    assert rules_among(flags, CERTIFICATE_RULES) == (
        {"certificate_body_unknown"} if flagged else set()
    ), flags
    if flagged:
        assert_one(flags, "certificate_body_unknown")


@pytest.mark.parametrize("status", ["withdrawn", "suspended"])
def test_body_unknown_ignores_certificates_not_in_force(
    base_facts: rules.Snapshot, status: str
) -> None:
    product_id = base_facts.products[0].id
    flags = certificate_flags_of(
        base_facts,
        held(product_id, "issued", on_day(300), number="CE 0001"),
        held(product_id, status, on_day(300), number="CE 0002", body="9999"),
    )
    assert_none(flags, "certificate_body_unknown")


def test_body_unknown_not_raised_on_expired_certificates(base_facts: rules.Snapshot) -> None:
    product_id = base_facts.products[0].id
    flags = certificate_flags_of(base_facts, held(product_id, "issued", on_day(-1), body=None))
    assert rules_among(flags, CERTIFICATE_RULES) == {"certificate_expired"}


@pytest.mark.parametrize(
    ("source_type", "regulatory_class", "flagged"),
    [
        (source, cls, source in HUMAN and cls in BELOW_III)
        for source in ("msc", "placenta", "platelet", "plant", "conditioned_media", "other")
        for cls in ("cosmetic", *BELOW_III, "device_iii", "atmp", "unknown")
    ],
)
def test_human_device_not_class_iii_on_the_pure_rules(
    base_facts: rules.Snapshot, source_type: str, regulatory_class: str, flagged: bool
) -> None:
    product = replace(
        base_facts.products[0],
        source_type=SourceType(source_type),
        regulatory_class=RegulatoryClass(regulatory_class),
    )
    flags = evaluated(replace(base_facts, products=[product]))
    if flagged:
        assert_one(flags, "human_device_not_class_iii")
    else:
        assert_none(flags, "human_device_not_class_iii")
