"""Issue 11, in the services and on the command line: who gave a treatment (an account once
there are accounts), overrides with a real reason kept as who/why/which rules, exported and
imported, flagged `overridden` and not counted as open (`check --fail-on`), and no release
from quarantine without a certificate of analysis."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sample_files import LOT, PRODUCT, TODAY, Doc, base_document, lot, treatment
from sqlalchemy import select

from exodesk.cli import main
from exodesk.db import Database, open_database
from exodesk.models import LotStatus, Role, Treatment
from exodesk.services.accounts import users
from exodesk.services.errors import InvalidInput, NotPermitted
from exodesk.services.interchange.export import export_document
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.stock.lots import NoCertificateOfAnalysis, change_lot_status
from exodesk.services.treatments.recording import (
    TreatmentDraft,
    practitioners_for,
    record_treatment,
)

REASON = "consultant reviewed the IFU and the patient consented"
PASSWORD = "clinic secret 1"


@pytest.fixture
def load(db_path: Path) -> Any:
    opened: list[Database] = []

    def run(doc: Doc) -> Database:
        db = open_database(str(db_path))
        opened.append(db)
        with db.write() as session:
            import_bytes(session, json.dumps(doc), user="importer", source="test")
        return db

    yield run
    for db in opened:
        db.close()


Load = Callable[[Doc], Database]


def draft(**fields: Any) -> TreatmentDraft:
    base = TreatmentDraft(TODAY, PRODUCT, LOT, "P-0100", "Dr A", "intradermal", "face", 1)
    return dataclasses.replace(base, **fields)


def staff(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))
    with db.write() as session:
        users.create_user(session, "Admin", Role.ADMIN, PASSWORD, by=None)
        users.create_user(session, "Dr B", Role.PRACTITIONER, PASSWORD, by="Admin")
        users.create_user(session, "Sam", Role.STOCK_MANAGER, PASSWORD, by="Admin")


def problems(exc: InvalidInput) -> list[tuple[str, str]]:
    return [(p.field, p.message) for p in exc.problems]


# -- who gave it ----------------------------------------------------------------------------


def test_without_accounts_the_practitioner_is_free_text(load: Load) -> None:
    db = load(base_document())
    with db.write() as session:
        assert practitioners_for(session, None).free_text
        record_treatment(
            session, draft(practitioner="Anyone"), today=TODAY, user=None, override_reason=None
        )


def test_with_accounts_the_practitioner_is_an_account(
    load: Load, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = load(base_document())
    staff(db, monkeypatch)
    with db.read() as session:
        assert practitioners_for(session, "Admin") == practitioners_for(session, "admin")
        assert practitioners_for(session, "Admin").names == ("Dr B", "Admin")
        assert practitioners_for(session, "Dr B").names == ("Dr B",)
        assert not practitioners_for(session, "Dr B").free_text
    with pytest.raises(InvalidInput) as refused, db.write() as session:
        record_treatment(
            session, draft(practitioner="Dr A"), today=TODAY, user="Dr B", override_reason=None
        )
    assert problems(refused.value) == [
        (
            "practitioner",
            "you are signed in as Dr B: a practitioner records only their own treatments",
        )
    ]
    with pytest.raises(InvalidInput) as refused, db.write() as session:
        record_treatment(
            session, draft(practitioner="Sam"), today=TODAY, user="Admin", override_reason=None
        )
    assert problems(refused.value) == [
        ("practitioner", "Sam is not a practitioner account in this database")
    ]
    with db.write() as session:  # named as the account is
        record_treatment(
            session, draft(practitioner="dr b"), today=TODAY, user="Admin", override_reason=None
        )
        record_treatment(
            session, draft(practitioner="Dr B"), today=TODAY, user="Dr B", override_reason=None
        )
    with db.read() as session:
        assert set(session.scalars(select(Treatment.practitioner))) == {"Dr B"}


def test_importing_a_file_keeps_its_practitioner_text(
    load: Load, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = load(base_document())
    staff(db, monkeypatch)
    doc = base_document()
    doc["treatments"] = [treatment("T-0009", practitioner="Dr Nobody")]
    with db.write() as session:
        import_bytes(session, json.dumps(doc), user="Admin", source="test")


# -- overrides ----------------------------------------------------------------------------


def test_an_override_needs_a_real_reason_and_keeps_who_why_and_which_rules(load: Load) -> None:
    db = load(base_document())
    for short in ("x", "agreed", "ok fine", "a b c"):
        with pytest.raises(InvalidInput) as refused, db.write() as session:
            record_treatment(
                session, draft(zone="periorbital"), today=TODAY, user="u", override_reason=short
            )
        assert [p.field for p in refused.value.problems] == ["reason for overriding"]
        assert "at least 15 characters and three words" in refused.value.problems[0].message
    with db.write() as session:
        done = record_treatment(
            session, draft(zone="periorbital"), today=TODAY, user="u", override_reason=REASON
        )
    assert done.overridden == ("periorbital_not_approved",)
    with db.read() as session:
        stored = session.query(Treatment).one()
        assert (stored.override_by, stored.override_reason, stored.override_rules) == (
            "u",
            REASON,
            ["periorbital_not_approved"],
        )


def test_overridden_flags_are_listed_not_counted_and_fail_on_exits_4(
    load: Load, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = load(base_document())
    with db.write() as session:
        record_treatment(
            session, draft(zone="periorbital"), today=TODAY, user="Dr A", override_reason=REASON
        )
    db.close()
    check = ["check", "--today", TODAY.isoformat(), "--db", str(db_path)]
    assert main([*check, "--json"]) == 0
    flags = json.loads(capsys.readouterr().out)
    assert [(f["rule"], f["overridden"]) for f in flags] == [
        ("periorbital_not_approved", {"by": "Dr A", "reason": REASON})
    ]
    assert main([*check, "--fail-on", "block"]) == 0  # the only block is overridden
    first = capsys.readouterr().out.splitlines()[0]
    assert first.endswith("0 block, 0 warn, 0 info open, 1 overridden"), first
    assert main([*check, "--fail-on", "warn", "--json"]) == 0
    capsys.readouterr()
    # An open block: a second treatment, imported with no override.
    doc = base_document()
    doc["treatments"] = [treatment("T-0100", zone="periorbital")]
    assert main(["import", "--db", str(db_path), _write(db_path.parent, doc)]) == 0
    capsys.readouterr()
    assert main([*check, "--fail-on", "block"]) == 4
    capsys.readouterr()
    assert main([*check, "--fail-on", "warn", "--json"]) == 4
    open_blocks = [f for f in json.loads(capsys.readouterr().out) if f["overridden"] is None]
    assert [(f["rule"], f["treatment"]) for f in open_blocks] == [
        ("periorbital_not_approved", "T-0100")
    ]


def test_a_warn_fails_warn_but_not_block(
    load: Load, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = base_document()
    doc["documents"] = [d for d in doc["documents"] if d["kind"] != "certificate_of_analysis"]
    load(doc).close()
    check = ["check", "--today", TODAY.isoformat(), "--db", str(db_path)]
    assert main([*check, "--fail-on", "block"]) == 0
    assert main([*check, "--fail-on", "warn"]) == 4
    assert main(check) == 0


def _write(folder: Path, doc: Doc) -> str:
    path = folder / "more.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def test_the_override_round_trips_through_export_and_import(load: Load, tmp_path: Path) -> None:
    db = load(base_document())
    with db.write() as session:
        record_treatment(
            session, draft(zone="periorbital"), today=TODAY, user="Dr A", override_reason=REASON
        )
    with db.read() as session:
        exported = export_document(session)
    assert exported["treatments"][0]["override"] == {
        "by": "Dr A",
        "reason": REASON,
        "rules": ["periorbital_not_approved"],
    }
    other = open_database(str(tmp_path / "other.sqlite"))
    with other.write() as session:
        import_bytes(session, json.dumps(exported), user="importer", source="test")
    with other.write() as session:  # the same file again changes nothing
        import_bytes(session, json.dumps(exported), user="importer", source="test")
    with other.read() as session:
        again = export_document(session)
    other.close()
    assert again["treatments"] == exported["treatments"]


@pytest.mark.parametrize(
    ("override", "path", "message"),
    [
        (
            {"by": "Dr A", "reason": "x", "rules": ["periorbital_not_approved"]},
            "reason",
            "too short",
        ),
        ({"by": "Dr A", "reason": REASON, "rules": []}, "rules", "must list at least 1"),
        (
            {"by": "Dr A", "reason": REASON, "rules": ["no_such_rule"]},
            "rules[0]",
            "is not a rule id",
        ),
    ],
)
def test_an_invalid_override_in_a_file_is_refused(
    load: Load, override: dict[str, Any], path: str, message: str
) -> None:
    db = load(base_document())
    doc = copy.deepcopy(base_document())
    doc["treatments"] = [{**treatment("T-0100", zone="periorbital"), "override": override}]
    with pytest.raises(InvalidInput) as refused, db.write() as session:
        import_bytes(session, json.dumps(doc), user="importer", source="test")
    assert [p.field for p in refused.value.problems] == [f"treatments[0].override.{path}"]
    assert message in refused.value.problems[0].message


# -- release from quarantine ----------------------------------------------------------------


def test_release_from_quarantine_needs_a_coa_or_an_admins_reason(
    load: Load, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = base_document()
    doc["lots"].append(lot("Q1", status="quarantine"))
    db = load(doc)
    with (
        pytest.raises(NoCertificateOfAnalysis, match="no certificate of analysis"),
        db.write() as s,
    ):
        change_lot_status(
            s, PRODUCT, "Q1", LotStatus.RELEASED, reason="checked", on=TODAY, user="u"
        )
    with db.write() as s:  # the CoA of LOT is not Q1's; LOT itself has one
        change_lot_status(s, PRODUCT, LOT, LotStatus.ON_HOLD, reason="check", on=TODAY, user="u")
        change_lot_status(s, PRODUCT, LOT, LotStatus.RELEASED, reason="fine", on=TODAY, user="u")
    staff(db, monkeypatch)
    with pytest.raises(NotPermitted), db.write() as s:
        change_lot_status(
            s,
            PRODUCT,
            "Q1",
            LotStatus.RELEASED,
            reason=REASON,
            on=TODAY,
            user="Sam",
            without_coa=True,
        )
    with pytest.raises(InvalidInput), db.write() as s:
        change_lot_status(
            s,
            PRODUCT,
            "Q1",
            LotStatus.RELEASED,
            reason="ok",
            on=TODAY,
            user="Admin",
            without_coa=True,
        )
    with db.write() as s:
        change_lot_status(
            s,
            PRODUCT,
            "Q1",
            LotStatus.RELEASED,
            reason=REASON,
            on=TODAY,
            user="Admin",
            without_coa=True,
        )
    with db.read() as s:
        exported = export_document(s)
    assert any(m["status"] == "released" and m["lot"] == "Q1" for m in exported["movements"])
