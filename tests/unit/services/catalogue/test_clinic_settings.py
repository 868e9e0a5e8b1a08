"""The clinic's settings: stored, audited, bounded, admins only; the rules use its warning
horizons, and the contract's defaults exactly when it sets none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from exodesk.db import Database, open_database
from exodesk.models import AuditEvent
from exodesk.models.enums import Role
from exodesk.services.accounts import users
from exodesk.services.catalogue.clinic import ClinicSettings, get_clinic_settings, update_clinic
from exodesk.services.compliance import rules
from exodesk.services.errors import InvalidInput, NotPermitted
from exodesk.settings import CERTIFICATE_EXPIRING_DAYS, LOT_EXPIRING_DAYS

TODAY = dt.date(2026, 11, 22)
NAME = "Harbourside Skin & Hair Clinic (demo)"


@pytest.fixture
def db(demo_db: Path) -> Database:
    database = open_database(str(demo_db))
    with database.write() as session:
        users.create_user(session, "Ada Admin", Role.ADMIN, "admin password", by=None)
        users.create_user(session, "Sam", Role.STOCK_MANAGER, "sam password", by="Ada Admin")
    yield database  # type: ignore[misc]
    database.close()


def test_the_demo_clinic_uses_the_defaults(db: Database) -> None:
    with db.read() as session:
        settings = get_clinic_settings(session)
    assert settings == ClinicSettings(NAME, "UK", None, None)
    assert (settings.certificate_days, settings.lot_days) == (
        CERTIFICATE_EXPIRING_DAYS,
        LOT_EXPIRING_DAYS,
    )


def test_an_admin_renames_the_clinic_and_sets_horizons_audited(db: Database) -> None:
    wanted = ClinicSettings("  Harbourside Clinic ", "FR", 120, 30)
    with db.write() as session:
        stored = update_clinic(session, wanted, by="Ada Admin")
    assert stored == ClinicSettings("Harbourside Clinic", "FR", 120, 30)
    with db.read() as session:
        assert get_clinic_settings(session) == stored
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.record == "clinic")))
    changed = {e.field: (e.old, e.new) for e in events if e.user == "Ada Admin"}
    assert changed == {
        "name": (NAME, "Harbourside Clinic"),
        "market": ("UK", "FR"),
        "certificate_warning_days": (None, "120"),
        "lot_warning_days": (None, "30"),
    }


@pytest.mark.parametrize(
    ("wanted", "field"),
    [
        (ClinicSettings("", "UK"), "name"),
        (ClinicSettings("x" * 201, "UK"), "name"),
        (ClinicSettings("Clinic", "United Kingdom"), "market"),
        (ClinicSettings("Clinic", "uk1"), "market"),
        (ClinicSettings("Clinic", "UK", 0), "certificate_warning_days"),
        (ClinicSettings("Clinic", "UK", 731), "certificate_warning_days"),
        (ClinicSettings("Clinic", "UK", None, -3), "lot_warning_days"),
    ],
)
def test_bad_settings_are_refused_in_plain_words(
    db: Database, wanted: ClinicSettings, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused, db.write() as session:
        update_clinic(session, wanted, by="Ada Admin")
    assert [p.field for p in refused.value.problems] == [field]
    assert "^" not in str(refused.value.problems[0])  # no regular expression shown


def test_only_an_admin_changes_the_settings(db: Database) -> None:
    with pytest.raises(NotPermitted, match="changing the clinic's settings needs the admin"):
        with db.write() as session:
            update_clinic(session, ClinicSettings("Mine", "UK"), by="Sam")


def _rules_of(db: Database) -> set[tuple[str, str | None]]:
    with db.read() as session:
        return {(f.rule, f.lot) for f in rules.check(session, TODAY)}


def test_the_rules_use_the_clinic_horizons(db: Database) -> None:
    with db.read() as session:
        snapshot = rules.load_snapshot(session)
    assert (snapshot.certificate_days, snapshot.lot_days) == (90, 60)
    defaults = _rules_of(db)
    with db.write() as session:
        update_clinic(session, ClinicSettings(NAME, "UK", 730, 730), by="Ada Admin")
    wide = _rules_of(db)
    assert sum(r == "lot_expiring" for r, _ in wide) > sum(r == "lot_expiring" for r, _ in defaults)
    assert sum(r == "certificate_expiring" for r, _ in wide) >= sum(
        r == "certificate_expiring" for r, _ in defaults
    )
    with db.write() as session:
        update_clinic(session, ClinicSettings(NAME, "UK", 1, 1), by="Ada Admin")
    narrow = _rules_of(db)
    assert sum(r == "lot_expiring" for r, _ in narrow) < sum(
        r == "lot_expiring" for r, _ in defaults
    )
    with db.write() as session:
        update_clinic(session, ClinicSettings(NAME, "UK"), by="Ada Admin")
    assert _rules_of(db) == defaults  # none set: the contract's defaults exactly


def _lot(expires_in: int) -> tuple[rules.LotFacts, rules.ProductFacts]:
    product = rules.ProductFacts(
        1,
        "Exo",
        rules.SourceType.PLANT,
        rules.RegulatoryClass.COSMETIC,
        frozenset({"topical"}),
        False,
        frozenset({"UK"}),
        True,
    )
    lot = rules.LotFacts(
        1, 1, "L1", TODAY + dt.timedelta(days=expires_in), 3, rules.LotStatus.RELEASED
    )
    return lot, product


@pytest.mark.parametrize(
    ("expires_in", "horizon", "warned"),
    [(60, None, True), (61, None, False), (30, 30, True), (31, 30, False), (700, 730, True)],
)
def test_lot_expiring_at_each_horizon_boundary(
    expires_in: int, horizon: int | None, warned: bool
) -> None:
    lot, product = _lot(expires_in)
    days = horizon or LOT_EXPIRING_DAYS
    flags = rules.lot_flags(lot, product, True, TODAY, days)
    assert any(f.rule == "lot_expiring" for f in flags) is warned


@pytest.mark.parametrize(
    ("expires_in", "horizon", "warned"),
    [(90, 90, True), (91, 90, False), (120, 120, True), (121, 120, False)],
)
def test_certificate_expiring_at_each_horizon_boundary(
    expires_in: int, horizon: int, warned: bool
) -> None:
    certificate = rules.DocumentFacts(
        rules.DocumentKind.CE_CERTIFICATE,
        "CE 1",
        rules.DocumentStatus.ISSUED,
        TODAY + dt.timedelta(days=expires_in),
        frozenset({1}),
        None,
    )
    flags = rules.certificate_flags("Exo", [certificate], TODAY, horizon)
    assert any(f.rule == "certificate_expiring" for f in flags) is warned
