""" "Record a check" (issue 12): a certificate or authorisation checked against its issuer or a
public register sets the document's `verified_on` / `verified_by` and writes the audit trail
with where it was checked and the note; a future day, a day before the document was issued, no
one named, a document that is not a certificate or an authorisation, and a role without
Permission.RECORD_CHECK are refused, writing nothing."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sample_files import TODAY, base_document, ce_certificate, day, document
from sqlalchemy import select

from exodesk.db import Database, open_database
from exodesk.models import AuditAction, AuditEvent, Document, DocumentKind, Role
from exodesk.models.enums import CheckedAt
from exodesk.services.accounts import users
from exodesk.services.accounts.users import ROLE_PERMISSIONS, Permission
from exodesk.services.catalogue.checks import record_check
from exodesk.services.catalogue.documents import UnknownDocument
from exodesk.services.errors import InvalidInput, NotPermitted
from exodesk.services.interchange.export import export_document
from exodesk.services.interchange.importer import import_bytes

CE = ("ce_certificate", "CE 0001")
MA = ("atmp_authorisation", "MA 0001")
ISSUED = dt.date.fromisoformat(day(-400))
PASSWORD = "clinic secret 1"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    doc = base_document()
    doc["documents"].append(ce_certificate("CE 0001", expires=day(700)))
    doc["documents"].append(
        document("atmp_authorisation", "MA 0001", expires=day(700), issuer="MHRA")
    )
    doc["documents"].append(document("declaration_of_conformity", "DoC 1", issuer="Example Bio"))
    database = open_database(str(db_path))
    with database.write() as session:
        import_bytes(session, json.dumps(doc), user="setup", source="test")
    yield database
    database.close()


def check(db: Database, key: tuple[str, str] = CE, **fields: Any) -> None:
    arguments: dict[str, Any] = {
        "on": TODAY,
        "by": "Dr A",
        "at": CheckedAt.NANDO,
        "today": TODAY,
        "user": None,
        "note": "",
    }
    arguments.update(fields)
    with db.write() as session:
        record_check(session, key[0], key[1], **arguments)


def stored(db: Database, key: tuple[str, str] = CE) -> tuple[dt.date | None, str | None]:
    with db.read() as session:
        doc = session.scalars(
            select(Document).where(Document.kind == DocumentKind(key[0]), Document.number == key[1])
        ).one()
        return doc.verified_on, doc.verified_by


def events(db: Database, key: tuple[str, str] = CE) -> list[AuditEvent]:
    with db.read() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.record == "document",
                    AuditEvent.record_key == f"{key[0]} {key[1]}",
                    AuditEvent.field.in_(("verified_on", "verified_by")),
                )
                .order_by(AuditEvent.id)
            )
        )


def problem_fields(exc: InvalidInput) -> set[str]:
    return {p.field for p in exc.problems}


# --- a check recorded ------------------------------------------------------------------------


def test_record_check_sets_verified_on_and_by(db: Database) -> None:
    assert stored(db) == (None, None)
    check(db, on=dt.date.fromisoformat(day(-3)), by="  Dr A  ")
    assert stored(db) == (dt.date.fromisoformat(day(-3)), "Dr A")
    with db.read() as session:
        (exported,) = [d for d in export_document(session)["documents"] if d["number"] == "CE 0001"]
    assert (exported["verified_on"], exported["verified_by"]) == (day(-3), "Dr A")


def test_record_check_audits_where_and_the_note(db: Database) -> None:
    check(db, at=CheckedAt.EUDAMED, note="certificate listed, status issued", user=None)
    found = events(db)
    assert {(e.field, e.old, e.new) for e in found} == {
        ("verified_on", None, TODAY.isoformat()),
        ("verified_by", None, "Dr A"),
    }
    for event in found:
        assert event.action is AuditAction.UPDATE
        assert event.reason is not None
        assert "EUDAMED" in event.reason
        assert "certificate listed, status issued" in event.reason


@pytest.mark.parametrize(
    ("where", "word"),
    [
        (CheckedAt.NANDO, "NANDO"),
        (CheckedAt.EUDAMED, "EUDAMED"),
        (CheckedAt.BODY, "notified body"),
        (CheckedAt.MHRA, "MHRA"),
    ],
)
def test_the_place_is_named_in_the_audit(db: Database, where: CheckedAt, word: str) -> None:
    check(db, at=where)
    reasons = {e.reason for e in events(db)}
    assert len(reasons) == 1
    (reason,) = reasons
    assert reason is not None and word in reason


def test_checking_again_records_a_new_check(db: Database) -> None:
    check(db, on=dt.date.fromisoformat(day(-30)), by="Dr A")
    check(db, on=TODAY, by="Dr B", at=CheckedAt.BODY, note="called the body")
    assert stored(db) == (TODAY, "Dr B")
    found = events(db)
    assert len(found) == 4
    last = {e.field: (e.old, e.new) for e in found[2:]}
    assert last == {"verified_on": (day(-30), TODAY.isoformat()), "verified_by": ("Dr A", "Dr B")}


def test_an_authorisation_can_be_checked(db: Database) -> None:
    check(db, MA, at=CheckedAt.MHRA)
    assert stored(db, MA) == (TODAY, "Dr A")


@pytest.mark.parametrize(
    "on", [pytest.param(TODAY, id="today"), pytest.param(ISSUED, id="the-day-it-was-issued")]
)
def test_the_boundary_days_are_accepted(db: Database, on: dt.date) -> None:
    check(db, on=on)
    assert stored(db) == (on, "Dr A")


# --- refused, writing nothing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"on": TODAY + dt.timedelta(days=1)}, "on", id="tomorrow"),
        pytest.param({"on": ISSUED - dt.timedelta(days=1)}, "on", id="before-issue"),
        pytest.param({"by": ""}, "by", id="no-one"),
        pytest.param({"by": "   "}, "by", id="blank"),
        pytest.param({"by": "x" * 201}, "by", id="too-long-who"),
        pytest.param({"note": "n" * 2001}, "note", id="too-long-note"),
    ],
)
def test_bad_check_is_refused(db: Database, fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check(db, **fields)
    assert field in problem_fields(refused.value)
    assert stored(db) == (None, None)
    assert events(db) == []


@pytest.mark.parametrize(
    "key",
    [
        ("declaration_of_conformity", "DoC 1"),
        ("ifu", "IFU Exo Plant 10"),
        ("certificate_of_analysis", "COA PL001"),
    ],
)
def test_only_certificates_and_authorisations_are_checked(
    db: Database, key: tuple[str, str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check(db, key)
    assert "kind" in problem_fields(refused.value)
    assert stored(db, key) == (None, None)
    assert events(db, key) == []


def test_an_unknown_document_is_refused(db: Database) -> None:
    with pytest.raises(UnknownDocument):
        check(db, ("ce_certificate", "CE 9999"))


def test_every_problem_is_listed(db: Database) -> None:
    with pytest.raises(InvalidInput) as refused:
        check(db, on=TODAY + dt.timedelta(days=3), by=" ")
    assert {"on", "by"} <= problem_fields(refused.value)


# --- who may record a check -----------------------------------------------------------------


@pytest.fixture
def staffed(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))
    with db.write() as session:
        users.create_user(session, "Admin", Role.ADMIN, PASSWORD, by=None)
        users.create_user(session, "Dr B", Role.PRACTITIONER, PASSWORD, by="Admin")
        users.create_user(session, "Sam", Role.STOCK_MANAGER, PASSWORD, by="Admin")
        users.create_user(session, "Ann", Role.AUDITOR, PASSWORD, by="Admin")
    return db


def test_the_stock_manager_may_not_record_a_check(staffed: Database) -> None:
    assert Permission.RECORD_CHECK not in ROLE_PERMISSIONS[Role.STOCK_MANAGER]
    with pytest.raises(NotPermitted):
        check(staffed, user="Sam", by="Sam")
    assert stored(staffed) == (None, None)
    assert events(staffed) == []


def test_no_one_signed_in_may_not_record_a_check_once_accounts_exist(staffed: Database) -> None:
    with pytest.raises(NotPermitted):
        check(staffed, user=None)
    assert stored(staffed) == (None, None)


def test_refused_permission_comes_before_the_input(staffed: Database) -> None:
    """A role without the permission learns that, not what is wrong with what it typed."""
    with pytest.raises(NotPermitted):
        check(staffed, user="Sam", by="", on=TODAY + dt.timedelta(days=1))


@pytest.mark.parametrize("user", ["Admin", "Dr B", "Ann"])
def test_roles_with_the_permission_record_a_check(staffed: Database, user: str) -> None:
    check(staffed, user=user, by=user)
    assert stored(staffed) == (TODAY, user)
    assert {e.user for e in events(staffed)} == {user}
