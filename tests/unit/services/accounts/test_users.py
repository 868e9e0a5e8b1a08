"""Accounts on a real SQLite file: argon2 hashes (never the password), sign-in, rehashing,
the role table, the single-user rule, and every guarded write refused for the wrong role."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sample_files import LOCATION, LOT, PRODUCT, TODAY, base_document
from sqlalchemy import select

from exodesk.db import Database, open_database
from exodesk.models import AuditEvent, DocumentKind, DocumentStatus, LotStatus, Role, User
from exodesk.services.accounts import users
from exodesk.services.accounts.users import Permission
from exodesk.services.catalogue.documents import (
    DocumentDraft,
    attach_file,
    register_document,
    update_document_status,
)
from exodesk.services.catalogue.products import get_product, save_product
from exodesk.services.counts import counts
from exodesk.services.errors import InvalidInput, NotPermitted
from exodesk.services.interchange.importer import import_bytes
from exodesk.services.stock.lots import change_lot_status, record_waste, transfer_lot
from exodesk.services.stock.receiving import receive_delivery
from exodesk.services.treatments.recording import TreatmentDraft, record_treatment

PASSWORD = "correct horse"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
STAFF = {
    "Admin": Role.ADMIN,
    "Dr B": Role.PRACTITIONER,
    "Sam": Role.STOCK_MANAGER,
    "Ann": Role.AUDITOR,
}


@pytest.fixture
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 settings, so the many accounts made below cost milliseconds."""
    monkeypatch.setattr(users, "HASHER", FAST)


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    """The base document (one product, lot PL001 with 10 vials) and no accounts."""
    database = open_database(str(db_path))
    with database.write() as session:
        import_bytes(session, json.dumps(base_document()), user="setup", source="base")
    yield database
    database.close()


@pytest.fixture
def staffed(db: Database, fast_hashes: None) -> Database:
    """The same database with one account per role."""
    with db.write() as session:
        for name, role in STAFF.items():
            users.create_user(session, name, role, PASSWORD, by="Admin")
    return db


def _hashes(db: Database) -> dict[str, str]:
    with db.read() as session:
        return {u.name: u.password_hash for u in session.scalars(select(User))}


def _audit_text(db: Database) -> str:
    with db.read() as session:
        return "\n".join(
            " ".join(
                str(v) for v in (e.user, e.record, e.record_key, e.field, e.old, e.new, e.reason)
            )
            for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        )


# -- accounts and passwords -------------------------------------------------------------------


def test_the_argon2_hash_is_stored_never_the_password(db: Database) -> None:
    with db.write() as session:
        account = users.create_user(session, "Admin", Role.ADMIN, PASSWORD, by=None)
    assert account.name == "Admin" and account.role is Role.ADMIN and account.active
    stored = _hashes(db)["Admin"]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


def test_authenticate_accepts_the_right_password_only(staffed: Database) -> None:
    with staffed.write() as session:
        account = users.authenticate(session, "Dr B", PASSWORD)
        assert account is not None and account.role is Role.PRACTITIONER
        assert users.authenticate(session, "dr b", PASSWORD) == account  # names ignore case
        assert users.authenticate(session, "Dr B", PASSWORD.upper()) is None
        assert users.authenticate(session, "Dr B", "") is None
        assert users.authenticate(session, "Nobody", PASSWORD) is None


def test_an_old_weaker_hash_is_replaced_at_sign_in(db: Database) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with db.write() as session:
        users.create_user(session, "Admin", Role.ADMIN, PASSWORD, by=None)
        session.scalars(select(User)).one().password_hash = weak
    with db.write() as session:
        assert users.authenticate(session, "Admin", "wrong password") is None
    assert _hashes(db)["Admin"] == weak  # a wrong password changes nothing
    with db.write() as session:
        assert users.authenticate(session, "Admin", PASSWORD) is not None
    upgraded = _hashes(db)["Admin"]
    assert upgraded != weak and not users.HASHER.check_needs_rehash(upgraded)
    with db.write() as session:
        assert users.authenticate(session, "Admin", PASSWORD) is not None


def test_password_and_name_rules_name_the_field(db: Database, fast_hashes: None) -> None:
    with db.write() as session:
        with pytest.raises(InvalidInput) as short:
            users.create_user(session, "Admin", Role.ADMIN, "seven77", by=None)
        assert [str(p) for p in short.value.problems] == ["password: use at least 8 characters"]
        with pytest.raises(InvalidInput) as blank:
            users.create_user(session, "  ", Role.ADMIN, PASSWORD, by=None)
        assert str(blank.value.problems[0]).startswith("name:")
        with pytest.raises(InvalidInput) as first:
            users.create_user(session, "Dr B", Role.PRACTITIONER, PASSWORD, by=None)
        assert [str(p) for p in first.value.problems] == [
            "role: the first account must be an admin, who can then add the others"
        ]
        users.create_user(session, "Admin", Role.ADMIN, PASSWORD, by=None)
        with pytest.raises(InvalidInput) as twice:
            users.create_user(session, "ADMIN", Role.AUDITOR, PASSWORD, by="Admin")
        assert [str(p) for p in twice.value.problems] == [
            "name: an account named 'ADMIN' already exists"
        ]


def test_user_changes_are_audited_without_secrets(staffed: Database) -> None:
    with staffed.write() as session:
        users.set_password(session, "Sam", "another secret", by="Admin")
        users.set_password(session, "Ann", "ann's new one", by="Ann")
        users.deactivate(session, "Sam", by="Admin", reason="left the clinic")
    with staffed.read() as session:
        events = [
            (e.user, e.action.value, e.record_key, e.field, e.reason)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.record == "user"))
        ]
    assert events == [
        ("Admin", "create", "Admin", None, "account created (the first admin)"),
        ("Admin", "create", "Dr B", None, "account created"),
        ("Admin", "create", "Sam", None, "account created"),
        ("Admin", "create", "Ann", None, "account created"),
        ("Admin", "update", "Sam", "password", "password changed by Admin"),
        ("Ann", "update", "Ann", "password", "password changed"),
        ("Admin", "update", "Sam", "active", "left the clinic"),
    ]
    trail = _audit_text(staffed)
    for secret in (
        PASSWORD,
        "another secret",
        "ann's new one",
        "$argon2",
        *_hashes(staffed).values(),
    ):
        assert secret not in trail


def test_a_deactivated_account_cannot_sign_in_or_act(staffed: Database) -> None:
    with staffed.write() as session:
        users.deactivate(session, "Sam", by="Admin")
    with staffed.write() as session:
        assert users.authenticate(session, "Sam", PASSWORD) is None
        with pytest.raises(NotPermitted, match="Sam has no active account"):
            users.require(session, "Sam", Permission.RECEIVE_STOCK)
        assert [(a.name, a.active) for a in users.list_users(session)] == [
            ("Admin", True),
            ("Ann", True),
            ("Dr B", True),
            ("Sam", False),
        ]


def test_the_last_admin_stays(staffed: Database) -> None:
    with staffed.write() as session, pytest.raises(InvalidInput, match="last active admin"):
        users.deactivate(session, "Admin", by="Admin")


def test_people_change_their_own_password_only_admins_anyones(staffed: Database) -> None:
    with staffed.write() as session:
        users.set_password(session, "Dr B", "a new password", by="Dr B")
        with pytest.raises(NotPermitted, match="managing user accounts needs the admin role"):
            users.set_password(session, "Sam", "a new password", by="Dr B")
    with staffed.write() as session:
        assert users.authenticate(session, "Dr B", "a new password") is not None


# -- the role table and the single-user rule ------------------------------------------------


def test_the_role_table() -> None:
    P = Permission
    table = {role: set(users.ROLE_PERMISSIONS[role]) for role in Role}
    assert table == {
        Role.ADMIN: set(P),
        Role.PRACTITIONER: {
            P.RECORD_TREATMENT,
            P.OVERRIDE_BLOCK,
            P.VOID_OWN_TREATMENT,
            P.RECORD_CHECK,
            P.OPEN_VIAL,
        },
        Role.STOCK_MANAGER: {
            P.RECEIVE_STOCK,
            P.ADJUST_STOCK,
            P.COUNT_STOCK,
            P.VOID_STOCK,
            P.OPEN_VIAL,
        },
        Role.AUDITOR: {P.COUNT_STOCK, P.CLOSE_COUNT, P.RECORD_CHECK},
    }
    assert users.needs_text(P.CLOSE_COUNT) == "closing a count needs the auditor or admin role"
    assert users.needs_text(P.COUNT_STOCK).endswith("stock manager, auditor or admin role")


def test_with_no_accounts_everyone_may_do_everything(db: Database) -> None:
    with db.write() as session:
        assert not users.accounts_exist(session)
        for permission in Permission:
            users.require(session, "whoever", permission)
            users.require(session, None, permission)


def test_once_accounts_exist_the_actor_must_be_one(staffed: Database) -> None:
    with staffed.write() as session:
        assert users.accounts_exist(session)
        with pytest.raises(NotPermitted, match="Mallory has no active account"):
            users.require(session, "Mallory", Permission.RECORD_TREATMENT)
        with pytest.raises(NotPermitted, match="sign in"):
            users.require(session, None, Permission.RECORD_TREATMENT)


# -- every guarded write, refused for a role without the permission ------------------------

Write = Callable[[Any, str], object]


def _draft(route: str = "intradermal") -> TreatmentDraft:
    return TreatmentDraft(TODAY, PRODUCT, LOT, "P-0042", "Dr B", route, "face", 1)


def _refused(db: Database, user: str, write: Write, message: str) -> None:
    before = _audit_text(db)
    with db.write() as session, pytest.raises(NotPermitted) as refused:
        write(session, user)
    assert str(refused.value) == message
    assert _audit_text(db) == before  # nothing written


def test_edit_catalogue_is_for_admins(staffed: Database, tmp_path: Path) -> None:
    pdf = tmp_path / "ifu.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%test\n")
    doc = DocumentDraft(DocumentKind.IFU, "IFU 2", "Example Bio", TODAY, None, (PRODUCT,))
    writes: list[Write] = [
        lambda s, u: save_product(s, get_product(s, PRODUCT), original_name=PRODUCT, user=u),
        lambda s, u: register_document(s, doc, user=u, store=tmp_path, today=TODAY),
        lambda s, u: attach_file(s, "ifu", f"IFU {PRODUCT}", pdf, store=tmp_path, user=u),
        lambda s, u: update_document_status(
            s, "ifu", f"IFU {PRODUCT}", DocumentStatus.WITHDRAWN, user=u, reason="old"
        ),
    ]
    for write in writes:
        _refused(
            staffed,
            "Dr B",
            write,
            "Dr B is a practitioner; editing products and documents needs the admin role",
        )
    with staffed.write() as session:
        register_document(session, doc, user="Admin", store=tmp_path, today=TODAY)


def test_record_treatment_is_for_practitioners_and_admins(staffed: Database) -> None:
    _refused(
        staffed,
        "Sam",
        lambda s, u: record_treatment(s, _draft(), today=TODAY, user=u, override_reason=None),
        "Sam is a stock manager; recording a treatment needs the practitioner or admin role",
    )
    with staffed.write() as session:
        done = record_treatment(session, _draft(), today=TODAY, user="Dr B", override_reason=None)
    assert done.ref == "T-0001"


def test_override_block_is_checked_when_an_override_is_used(
    staffed: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clinic policy where practitioners may record but not override shows the check is
    made exactly when block findings are overridden."""
    monkeypatch.setitem(
        users.ROLE_PERMISSIONS, Role.PRACTITIONER, frozenset({Permission.RECORD_TREATMENT})
    )
    _refused(
        staffed,
        "Dr B",
        lambda s, u: record_treatment(
            s, _draft("intravenous"), today=TODAY, user=u, override_reason="consultant agreed"
        ),
        "Dr B is a practitioner; overriding block findings needs the admin role",
    )
    with staffed.write() as session:  # no block findings: no override, no refusal
        record_treatment(session, _draft(), today=TODAY, user="Dr B", override_reason="unused")
    with staffed.write() as session:
        done = record_treatment(
            session,
            _draft("intravenous"),
            today=TODAY,
            user="Admin",
            override_reason="consultant agreed in writing",
        )
    assert done.overridden == ("route_outside_intended_use",)


def test_receive_stock_is_for_stock_managers_and_admins(staffed: Database) -> None:
    def receive(session: Any, user: str) -> object:
        return receive_delivery(
            session,
            product=PRODUCT,
            lot="PL777",
            expiry=TODAY + dt.timedelta(days=400),
            quantity=5,
            location=LOCATION,
            received=TODAY,
            user=user,
        )

    _refused(
        staffed,
        "Ann",
        receive,
        "Ann is an auditor; receiving stock needs the stock manager or admin role",
    )
    with staffed.write() as session:
        receive(session, "Sam")


def test_adjust_stock_is_for_stock_managers_and_admins(staffed: Database) -> None:
    message = (
        "Dr B is a practitioner; adjusting stock (status, waste, moves) needs the stock "
        "manager or admin role"
    )
    writes: list[Write] = [
        lambda s, u: change_lot_status(
            s, PRODUCT, LOT, LotStatus.ON_HOLD, reason="check", on=TODAY, user=u
        ),
        lambda s, u: record_waste(s, PRODUCT, LOT, 1, reason="dropped", on=TODAY, user=u),
        lambda s, u: transfer_lot(s, PRODUCT, LOT, LOCATION, reason="tidy", on=TODAY, user=u),
    ]
    for write in writes:
        _refused(staffed, "Dr B", write, message)
    with staffed.write() as session:
        record_waste(session, PRODUCT, LOT, 1, reason="dropped", on=TODAY, user="Sam")


def test_count_stock_is_for_stock_managers_auditors_and_admins(staffed: Database) -> None:
    message = (
        "Dr B is a practitioner; counting stock needs the stock manager, auditor or admin role"
    )
    _refused(
        staffed,
        "Dr B",
        lambda s, u: counts.start_count(s, location=None, today=TODAY, user=u),
        message,
    )
    with staffed.write() as session:
        count_id = counts.start_count(session, location=None, today=TODAY, user="Sam")
    _refused(
        staffed,
        "Dr B",
        lambda s, u: counts.record_count(s, count_id, PRODUCT, LOT, 10, user=u),
        message,
    )
    with staffed.write() as session:
        counts.record_count(session, count_id, PRODUCT, LOT, 9, user="Ann")


def test_close_count_is_for_auditors_and_admins(staffed: Database) -> None:
    with staffed.write() as session:
        count_id = counts.start_count(session, location=None, today=TODAY, user="Sam")
        counts.record_count(session, count_id, PRODUCT, LOT, 9, user="Sam")
    _refused(
        staffed,
        "Sam",
        lambda s, u: counts.close_count(s, count_id, reason="counted", today=TODAY, user=u),
        "Sam is a stock manager; closing a count needs the auditor or admin role",
    )
    with staffed.write() as session:
        found = counts.close_count(session, count_id, reason="counted", today=TODAY, user="Ann")
    assert [d.adjustment for d in found] == [-1]


def test_import_is_for_admins(staffed: Database) -> None:
    extra = json.dumps({"format": "exodesk/1", "locations": [{"name": "Cabinet C"}]})
    _refused(
        staffed,
        "Sam",
        lambda s, u: import_bytes(s, extra, user=u, source="extra.json"),
        "Sam is a stock manager; importing a file needs the admin role",
    )
    with staffed.write() as session:
        summary = import_bytes(session, extra, user="Admin", source="extra.json")
    assert summary.added["locations"] == 1


def test_manage_users_is_for_admins(staffed: Database) -> None:
    _refused(
        staffed,
        "Ann",
        lambda s, u: users.create_user(s, "Eve", Role.ADMIN, PASSWORD, by=u),
        "Ann is an auditor; managing user accounts needs the admin role",
    )
    _refused(
        staffed,
        "Ann",
        lambda s, u: users.deactivate(s, "Sam", by=u),
        "Ann is an auditor; managing user accounts needs the admin role",
    )


def test_signing_in_tells_a_wrong_password_from_a_name_that_cannot_sign_in(
    staffed: Database,
) -> None:
    with staffed.write() as session:
        assert users.sign_in(session, "dr b", PASSWORD).name == "Dr B"
        with pytest.raises(users.WrongPassword) as wrong:
            users.sign_in(session, "Dr B", "not it")
        assert (wrong.value.name, str(wrong.value)) == ("Dr B", "wrong password for Dr B")
        with pytest.raises(users.NoActiveAccount, match="^no active account named Nobody$"):
            users.sign_in(session, "Nobody", PASSWORD)
        users.deactivate(session, "Sam", by="Admin")
        with pytest.raises(users.NoActiveAccount):
            users.sign_in(session, "Sam", PASSWORD)
