"""The clinic's own settings: its name, the market it practises in, and how many days ahead
the compliance rules warn of an expiring certificate or lot (None: the contract's defaults,
settings.CERTIFICATE_EXPIRING_DAYS and LOT_EXPIRING_DAYS). An admin changes them; every
change is in the audit trail."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from exodesk.models import AuditAction, Clinic
from exodesk.services.accounts.users import Permission, require
from exodesk.services.audit.trail import Change, write_audit
from exodesk.services.errors import InvalidInput, Problem
from exodesk.settings import CERTIFICATE_EXPIRING_DAYS, LOT_EXPIRING_DAYS

MIN_WARNING_DAYS = 1
MAX_WARNING_DAYS = 730  # two years ahead
MAX_NAME_LENGTH = 200
MARKET_CODE = re.compile(r"EU|[A-Z]{2}")  # the interchange contract's market codes


@dataclass(frozen=True)
class ClinicSettings:
    name: str
    market: str
    certificate_warning_days: int | None = None  # None: the default
    lot_warning_days: int | None = None

    @property
    def certificate_days(self) -> int:
        """The horizon in force for certificates."""
        return self.certificate_warning_days or CERTIFICATE_EXPIRING_DAYS

    @property
    def lot_days(self) -> int:
        return self.lot_warning_days or LOT_EXPIRING_DAYS


def _clinic(session: Session) -> Clinic | None:
    return session.scalars(select(Clinic).order_by(Clinic.id).limit(1)).first()


def get_clinic_settings(session: Session) -> ClinicSettings | None:
    """The clinic's settings; None while the database has no clinic yet."""
    clinic = _clinic(session)
    if clinic is None:
        return None
    return ClinicSettings(
        clinic.name, clinic.market, clinic.certificate_warning_days, clinic.lot_warning_days
    )


def settings_problems(wanted: ClinicSettings) -> list[Problem]:
    problems: list[Problem] = []
    name = wanted.name.strip()
    if not name:
        problems.append(Problem("name", "give the clinic's name"))
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(Problem("name", f"at most {MAX_NAME_LENGTH} characters"))
    if not MARKET_CODE.fullmatch(wanted.market.strip()):
        problems.append(Problem("market", "give a two-letter country code (UK, FR, DE …) or EU"))
    for field, days in (
        ("certificate_warning_days", wanted.certificate_warning_days),
        ("lot_warning_days", wanted.lot_warning_days),
    ):
        if days is not None and not MIN_WARNING_DAYS <= days <= MAX_WARNING_DAYS:
            problems.append(
                Problem(
                    field,
                    f"give a number of days from {MIN_WARNING_DAYS} to {MAX_WARNING_DAYS}, "
                    "or leave it to the default",
                )
            )
    return problems


FIELDS = ("name", "market", "certificate_warning_days", "lot_warning_days")


def update_clinic(session: Session, wanted: ClinicSettings, *, by: str | None) -> ClinicSettings:
    """Store the clinic's settings (the clinic is made if the database has none yet). Only
    an admin may, once the database has accounts; each changed field is audited."""
    require(session, by, Permission.EDIT_SETTINGS)
    problems = settings_problems(wanted)
    if problems:
        raise InvalidInput(problems)
    key = wanted.name.strip()
    new: dict[str, str | int | None] = {
        "name": key,
        "market": wanted.market.strip(),
        "certificate_warning_days": wanted.certificate_warning_days,
        "lot_warning_days": wanted.lot_warning_days,
    }
    clinic = _clinic(session)
    if clinic is None:
        clinic = Clinic(**new)
        session.add(clinic)
        session.flush()
        changes = [Change("clinic", key, AuditAction.CREATE, new=new)]
    else:
        old = {f: getattr(clinic, f) for f in FIELDS}
        changes = [
            Change("clinic", key, AuditAction.UPDATE, field=f, old=old[f], new=new[f])
            for f in FIELDS
            if old[f] != new[f]
        ]
        for f in FIELDS:
            setattr(clinic, f, new[f])
        session.flush()
    write_audit(session, changes, user=by, reason="clinic settings changed")
    return ClinicSettings(
        clinic.name, clinic.market, clinic.certificate_warning_days, clinic.lot_warning_days
    )
